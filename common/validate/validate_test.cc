#include "common/validate/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace coopnet::validate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

bool Refused(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument;
}

// Checks every value with `check` and names the ones that did not come out as expected.
template <typename Check>
void ExpectAll(bool ok, std::initializer_list<std::string> values, Check check) {
  for (const std::string& value : values) {
    absl::Status status = check(value);
    if (ok) {
      EXPECT_TRUE(status.ok()) << "\"" << value << "\": " << status;
    } else {
      EXPECT_TRUE(Refused(status)) << "\"" << value << "\" was not refused: " << status;
    }
  }
}

// --- Countries ---

TEST(Validate, CountriesOfOurUsersPass) {
  ExpectAll(true, {"DK", "PL", "SE", "NO", "DE", "GR", "GB", "AX", "SS", "CW", "BQ"},
            [](const std::string& c) { return CountryCode("organisation.country", c); });
}

TEST(Validate, UnassignedAndLowerCaseCountriesAreRefused) {
  ExpectAll(false, {"XX", "ZZ", "dk", "Dk", "", "D", "DNK", "EU", "UK", "XK", "EL"},
            [](const std::string& c) { return CountryCode("organisation.country", c); });
}

TEST(Validate, CountryRefusalNamesFieldRuleAndValue) {
  absl::Status s = CountryCode("organisation.country", "XX");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s),
            "organisation.country must be an ISO 3166-1 alpha-2 country code, got \"XX\"");
  auto bad_request = status::GetBadRequest(s);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 1);
  EXPECT_EQ(bad_request->field_violations(0).field(), "organisation.country");
}

TEST(Validate, LowerCaseCountryIsRefusedWithTheUpperCaseHint) {
  EXPECT_EQ(Message(CountryCode("organisation.country", "dk")),
            "organisation.country must be an ISO 3166-1 alpha-2 country code (upper case: DK), "
            "got \"dk\"");
}

TEST(Validate, IsCountryCodeKnowsTheAssignedList) {
  EXPECT_TRUE(IsCountryCode("DK"));
  EXPECT_TRUE(IsCountryCode("ZW"));
  EXPECT_TRUE(IsCountryCode("AD"));
  EXPECT_FALSE(IsCountryCode("XX"));
  EXPECT_FALSE(IsCountryCode("dk"));
  EXPECT_FALSE(IsCountryCode(""));
}

// --- NUTS ---

TEST(Validate, RegionOfItsOwnCountryPasses) {
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "DK01", "DK").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "PL6", "PL").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "PL61", "PL").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "PL613", "PL").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "SE124", "SE").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "DKZZZ", "DK").ok());
}

TEST(Validate, RegionOfAnotherCountryIsRefusedNamingBoth) {
  absl::Status s = NutsCode("organisation.nuts_region", "DK01", "PL");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(s),
            "organisation.nuts_region DK01 is not in country PL (NUTS codes of PL start with PL)");
}

TEST(Validate, GreekRegionsUseElAndBritishRegionsUseUk) {
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "EL30", "GR").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "UKI3", "GB").ok());
  EXPECT_EQ(Message(NutsCode("organisation.nuts_region", "GR30", "GR")),
            "organisation.nuts_region GR30 is not in country GR (NUTS codes of GR start with EL)");
  EXPECT_TRUE(Refused(NutsCode("organisation.nuts_region", "GB12", "GB")));
}

TEST(Validate, NorwegianRegionsWithLettersPass) {
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "NO0A", "NO").ok());
  EXPECT_TRUE(NutsCode("organisation.nuts_region", "NO0A2", "NO").ok());
}

TEST(Validate, MalformedRegionsAreRefused) {
  ExpectAll(false, {"", "DK", "dk01", "DK0", "DK0123", "D01", "DK-01", "DK01 ", "DKø"},
            [](const std::string& n) {
              return NutsCode("organisation.nuts_region", n, n == "DK0" ? "PL" : "DK");
            });
  EXPECT_THAT(Message(NutsCode("organisation.nuts_region", "dk01", "DK")),
              HasSubstr("must be a NUTS 1, 2 or 3 code"));
}

TEST(Validate, RegionInACountryWithoutNutsIsRefused) {
  EXPECT_EQ(Message(NutsCode("organisation.nuts_region", "US01", "US")),
            "organisation.nuts_region US01 is not a NUTS region: NUTS has no regions in country "
            "\"US\"");
}

TEST(Validate, NutsPrefixOfMapsGreeceAndTheUnitedKingdom) {
  EXPECT_EQ(NutsPrefixOf("DK"), "DK");
  EXPECT_EQ(NutsPrefixOf("GR"), "EL");
  EXPECT_EQ(NutsPrefixOf("GB"), "UK");
  EXPECT_TRUE(HasNutsRegions("NO"));
  EXPECT_TRUE(HasNutsRegions("GR"));
  EXPECT_FALSE(HasNutsRegions("EL"));
  EXPECT_FALSE(HasNutsRegions("US"));
}

TEST(Validate, SearchPrefixesFromCountryLettersToLevelThreePass) {
  ExpectAll(true, {"PL", "PL6", "PL61", "PL613", "EL", "EL3", "UK", "NO0A", "SE124"},
            [](const std::string& p) { return NutsPrefix("filter.nuts_prefix", p); });
}

TEST(Validate, SearchPrefixesOfNoNutsCountryOrBadShapeAreRefused) {
  ExpectAll(false, {"", "P", "pl", "PL6133", "US", "XX1", "P1", "PL-6"},
            [](const std::string& p) { return NutsPrefix("filter.nuts_prefix", p); });
}

TEST(Validate, GreekSearchPrefixPointsToEl) {
  EXPECT_THAT(Message(NutsPrefix("filter.nuts_prefix", "GR3")), HasSubstr("Greece is EL"));
  EXPECT_THAT(Message(NutsPrefix("filter.nuts_prefix", "GB")), HasSubstr("is UK in NUTS"));
}

// --- Language tags ---

TEST(Validate, LanguageTagsOfOurUsersPass) {
  ExpectAll(true,
            {"da", "pl", "sv", "nb", "nn", "no", "en-GB", "zh-Hant-TW", "EN-gb", "de-CH-1996",
             "es-419", "sr-Latn-RS", "sl-rozaj-biske", "en-US-u-ca-gregory", "zh-yue-HK",
             "en-x-coopnet", "fil", "gsw-CH", "de-DE-u-co-phonebk-x-a-b"},
            [](const std::string& t) { return LanguageTag("organisation.language", t); });
}

TEST(Validate, MalformedLanguageTagsAreRefused) {
  ExpectAll(false,
            {"english",
             "e",
             "xx",
             "",
             "en_GB",
             "en-",
             "-en",
             "en--GB",
             "x-private",
             "i-klingon",
             "abcd",
             "en-GB-US",
             "de-1996-1996",
             "en-a",
             "en-a-b",
             "en-u-ca-u-nu",
             "en-x",
             "1a",
             "en-GB-123456789",
             "da-DK-x-aaaaaaaa-bbbbbbbb-cccccccc-dd"},
            [](const std::string& t) { return LanguageTag("organisation.language", t); });
}

TEST(Validate, LanguageRefusalsSayWhy) {
  EXPECT_EQ(Message(LanguageTag("organisation.language", "xx")),
            "organisation.language must be a BCP 47 language tag such as \"en-GB\" (xx is not an "
            "ISO 639-1 language code), got \"xx\"");
  EXPECT_THAT(Message(LanguageTag("organisation.language", "english")),
              HasSubstr("the language must be 2 or 3 letters"));
  EXPECT_THAT(Message(LanguageTag("organisation.language", std::string(36, 'a'))),
              HasSubstr("at most 35 characters"));
}

// --- E-mail ---

TEST(Validate, PracticalEmailAddressesPass) {
  ExpectAll(true,
            {"kontakt@ngo.dk", "jan.kowalski+grants@fundacja.org.pl", "O'Brien@example.ie",
             "info@møller.dk", "biuro@żółw.pl", "a@xn--mller-kva.dk", "x@b.xn--p1ai",
             "first_last@sub.domain.example.se", "1@2.no"},
            [](const std::string& e) { return Email("organisation.contact_email", e); });
}

TEST(Validate, MalformedEmailAddressesAreRefused) {
  ExpectAll(false,
            {"",
             "ngo.dk",
             "@ngo.dk",
             "kontakt@",
             "a@@ngo.dk",
             "a@b@ngo.dk",
             ".a@ngo.dk",
             "a.@ngo.dk",
             "a..b@ngo.dk",
             "a b@ngo.dk",
             "\"a\"@ngo.dk",
             "a@localhost",
             "a@-ngo.dk",
             "a@ngo-.dk",
             "a@ngo..dk",
             "a@ngo.dk.",
             "a@.ngo.dk",
             "a@ngo.d",
             "a@ngo.123",
             "a@1.2.3.4",
             "a@[1.2.3.4]",
             "a@ngo_x.dk",
             "a@ngo.dk ",
             "ø@ngo.dk",
             "a@m\xF8ller.dk",
             "a@ngo.d1",
             "a@\xE2\x80\x8Bngo.dk",
             std::string(65, 'a') + "@ngo.dk",
             "a@" + std::string(64, 'b') + ".dk",
             "a@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(63, 'd') +
                 "." + std::string(63, 'e') + ".dk"},
            [](const std::string& e) { return Email("organisation.contact_email", e); });
}

TEST(Validate, EmailRefusalSaysWhichRule) {
  EXPECT_EQ(Message(Email("organisation.contact_email", "a@b@ngo.dk")),
            "organisation.contact_email must be an e-mail address like name@example.org "
            "(exactly one @), got \"a@b@ngo.dk\"");
}

// --- URLs ---

TEST(Validate, HttpsUrlsPass) {
  ExpectAll(true,
            {"https://coopnet.eu", "https://www.ngo.dk/om-os?lang=da#kontakt",
             "https://example.org:8443/x", "https://example.org:65535", "https://møller.dk/",
             "https://example.org/a%20b", "https://EXAMPLE.org/", "https://example.org?q=1",
             "https://example.org#top", "https://example.org/ścieżka"},
            [](const std::string& u) { return HttpsUrl("organisation.website", u); });
}

TEST(Validate, PlainHttpIsRefused) {
  EXPECT_EQ(Message(HttpsUrl("organisation.website", "http://ngo.dk")),
            "organisation.website must be an https:// URL, got \"http://ngo.dk\"");
}

TEST(Validate, MalformedOrUnsafeUrlsAreRefused) {
  ExpectAll(false,
            {"",
             "ngo.dk",
             "HTTPS://ngo.dk",
             "ftp://ngo.dk",
             "https:ngo.dk",
             "https://",
             "https:///path",
             "https://user:pw@ngo.dk/",
             "https://user@ngo.dk",
             "https://[::1]/",
             "https://127.0.0.1/",
             "https://localhost/",
             "https://ngo.dk:0",
             "https://ngo.dk:65536",
             "https://ngo.dk:",
             "https://ngo.dk:443x",
             "https://:443",
             "https://ngo dk",
             "https://ngo.dk/a b",
             "https://ngo.dk/\n",
             "https://ngo.dk/\t",
             "https://evil.example\\@ngo.dk",
             "https://ngo.dk/%zz",
             "https://ngo.dk/%2",
             "https://ngo.dk/<script>",
             "https://ngo.dk/\xFF",
             "https://-ngo.dk",
             "https://ngo..dk",
             "https://ngo.dk.",
             "https://ngo.dk/" + std::string(2048, 'a')},
            [](const std::string& u) { return HttpsUrl("organisation.website", u); });
  EXPECT_THAT(Message(HttpsUrl("organisation.website", "https://user@ngo.dk")),
              HasSubstr("no user name or password"));
  EXPECT_THAT(Message(HttpsUrl("organisation.website", "https://[::1]/")), HasSubstr("IPv6"));
}

// --- Currencies ---

TEST(Validate, CurrenciesOfOurUsersPass) {
  ExpectAll(true, {"EUR", "PLN", "DKK", "SEK", "NOK", "CHF", "GBP", "ISK", "USD", "XCG", "ZWG"},
            [](const std::string& c) { return CurrencyCode("grant.currency", c); });
}

TEST(Validate, UnknownWithdrawnAndPlaceholderCurrenciesAreRefused) {
  ExpectAll(false, {"XYZ", "eur", "", "EU", "EURO", "HRK", "DEM", "XXX", "XTS"},
            [](const std::string& c) { return CurrencyCode("grant.currency", c); });
  EXPECT_EQ(Message(CurrencyCode("grant.currency", "XYZ")),
            "grant.currency must be an ISO 4217 currency code in use such as EUR, got \"XYZ\"");
}

// --- Time zones ---

TEST(Validate, TimeZonesOfOurUsersPass) {
  ExpectAll(true,
            {"Europe/Copenhagen", "Europe/Warsaw", "Europe/Oslo", "Europe/Stockholm", "UTC",
             "Etc/UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+1", "America/Port-au-Prince"},
            [](const std::string& z) { return TimeZone("organisation.time_zone", z); });
}

TEST(Validate, UnknownTimeZonesAndPathsAreRefused) {
  ExpectAll(false,
            {"Mars/Olympus",
             "",
             "europe/oslo",
             "Europe",
             "Europe/",
             "/Europe/Oslo",
             "../../../etc/passwd",
             "Europe/../UTC",
             "/usr/share/zoneinfo/UTC",
             "localtime",
             "posixrules",
             "posix/Europe/Oslo",
             "right/Europe/Oslo",
             "Factory",
             "zone.tab",
             "leapseconds",
             "file:/etc/localtime",
             "Fixed/UTC+01:00:00",
             "CEST",
             "UTC+1",
             std::string(65, 'A')},
            [](const std::string& z) { return TimeZone("organisation.time_zone", z); });
  EXPECT_EQ(Message(TimeZone("organisation.time_zone", "Mars/Olympus")),
            "organisation.time_zone must be an IANA time zone name such as "
            "\"Europe/Copenhagen\", got \"Mars/Olympus\"");
}

// --- UTF-8 text ---

TEST(Validate, Utf8LengthCountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("æøå"), 3u);
  EXPECT_EQ(Utf8Length("ąęłńśźż"), 7u);
  EXPECT_EQ(Utf8Length("åäö"), 3u);
  EXPECT_EQ(Utf8Length("Ærø Kommune"), 11u);
  EXPECT_EQ(Utf8Length("€"), 1u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);  // U+1F600
  EXPECT_EQ(Utf8Length("\xF4\x8F\xBF\xBF"), 1u);  // U+10FFFF, the last code point
}

TEST(Validate, NordicAndPolishLettersCountAsOneCharacterEach) {
  EXPECT_TRUE(Utf8Text("organisation.display_name", "æøå", 3, 3).ok());
  EXPECT_TRUE(Utf8Text("organisation.display_name", "ąęłńśźż", 7, 7).ok());
  EXPECT_TRUE(Utf8Text("organisation.display_name", "åäö", 1, 3).ok());
  EXPECT_EQ(Message(Utf8Text("organisation.display_name", "ąęłńśźż", 1, 6)),
            "organisation.display_name must be at most 6 characters, got 7");
}

TEST(Validate, HundredKilobyteTextIsRefusedNamingTheLimit) {
  EXPECT_EQ(Message(Utf8Text("organisation.display_name", std::string(100 * 1024, 'a'), 1, 200)),
            "organisation.display_name must be at most 200 characters, got 102400");
}

TEST(Validate, EmptyTextIsRefusedWhenRequired) {
  EXPECT_EQ(Message(Utf8Text("organisation.display_name", "", 1, 200)),
            "organisation.display_name must not be empty");
  EXPECT_EQ(Message(Utf8Text("organisation.display_name", "ab", 3, 200)),
            "organisation.display_name must be at least 3 characters, got 2");
  EXPECT_TRUE(Utf8Text("organisation.description", "", 0, 200).ok());
}

TEST(Validate, InvalidUtf8IsRefused) {
  for (const std::string bad : {
           "\xFF",              // never in UTF-8
           "abc\xC3",           // cut short
           "\xC3(",             // continuation missing
           "\x80",              // lone continuation
           "\xC0\x80",          // overlong NUL
           "\xC1\xBF",          // overlong
           "\xE0\x80\xAF",      // overlong /
           "\xF0\x80\x80\xAF",  // overlong /
           "\xED\xA0\x80",      // surrogate U+D800
           "\xED\xBF\xBF",      // surrogate U+DFFF
           "\xF4\x90\x80\x80",  // U+110000
           "\xF5\x80\x80\x80",
       }) {
    EXPECT_FALSE(Utf8Length(bad).has_value()) << testing::PrintToString(bad);
    absl::Status s = Utf8Text("organisation.display_name", bad, 0, 200);
    EXPECT_TRUE(Refused(s)) << testing::PrintToString(bad);
    EXPECT_THAT(Message(s), HasSubstr("must be valid UTF-8")) << testing::PrintToString(bad);
  }
  EXPECT_EQ(Message(Utf8Text("organisation.display_name", "abc\xC0\x80", 0, 200)),
            "organisation.display_name must be valid UTF-8, got byte 0xC0 at byte offset 3");
}

TEST(Validate, ControlCharactersOtherThanLineBreaksAndTabsAreRefused) {
  EXPECT_TRUE(Utf8Text("project.summary", "line one\r\nline two\tend", 1, 200).ok());
  EXPECT_EQ(Message(Utf8Text("project.summary", std::string("ab\0c", 4), 1, 200)),
            "project.summary must not contain control characters other than line breaks and "
            "tabs, got U+0000 at character 3");
  EXPECT_TRUE(Refused(Utf8Text("project.summary", "a\x7F", 1, 200)));
  EXPECT_TRUE(Refused(Utf8Text("project.summary", "a\x1B[31m", 1, 200)));
  EXPECT_TRUE(Refused(Utf8Text("project.summary", "a\xC2\x85", 1, 200)));  // U+0085 NEL
}

// --- Quoting ---

TEST(Validate, LongValuesAreCutInMessages) {
  absl::Status s = CountryCode("organisation.country", std::string(100 * 1024, 'A'));
  EXPECT_EQ(Message(s), "organisation.country must be an ISO 3166-1 alpha-2 country code, got \"" +
                            std::string(40, 'A') + "\"...");
}

TEST(Validate, ValuesAreCutOnACharacterBoundary) {
  std::string value = "a";
  for (int i = 0; i < 30; ++i) value += "ø";
  std::string message = Message(CountryCode("organisation.country", value));
  std::string kept = "a";
  for (int i = 0; i < 19; ++i) kept += "ø";  // 39 bytes: a 20th ø would pass 40
  EXPECT_THAT(message, HasSubstr("got \"" + kept + "\"..."));
  EXPECT_TRUE(Utf8Length(message).has_value());
}

TEST(Validate, MessagesStayValidUtf8WhateverTheValue) {
  std::string message =
      Message(CountryCode("organisation.country", std::string("\xFF\x01\"\\\n\xE2\x80\xAE", 8)));
  EXPECT_EQ(message,
            "organisation.country must be an ISO 3166-1 alpha-2 country code, got "
            "\"\\xFF\\x01\\\"\\\\\\n\\u202E\"");
  EXPECT_TRUE(Utf8Length(message).has_value());
  EXPECT_TRUE(Utf8Length(Message(Email("e", "a@\xC3"))).has_value());
}

// --- Violations ---

TEST(Validate, ViolationsReportEveryFieldAtOnce) {
  Violations v;
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.Check(Utf8Text("organisation.display_name", "Fundacja Żółw", 1, 200)));
  EXPECT_FALSE(v.Check(CountryCode("organisation.country", "XX")));
  EXPECT_FALSE(v.Check(Email("organisation.contact_email", "not-an-address")));
  v.Check(HttpsUrl("organisation.website", "http://zolw.pl"));
  v.Add("project.end_date", "must not be before project.start_date");
  EXPECT_FALSE(v.ok());

  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto bad_request = status::GetBadRequest(s);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 4);
  EXPECT_EQ(bad_request->field_violations(0).field(), "organisation.country");
  EXPECT_EQ(bad_request->field_violations(1).field(), "organisation.contact_email");
  EXPECT_EQ(bad_request->field_violations(2).field(), "organisation.website");
  EXPECT_EQ(bad_request->field_violations(3).field(), "project.end_date");
  EXPECT_EQ(bad_request->field_violations(0).description(),
            "must be an ISO 3166-1 alpha-2 country code, got \"XX\"");
  EXPECT_THAT(Message(s), HasSubstr("organisation.country must be"));
  EXPECT_THAT(Message(s), HasSubstr("; organisation.contact_email must be"));
  EXPECT_THAT(Message(s), HasSubstr("; project.end_date must not be before"));
}

TEST(Validate, ViolationsKeepEveryViolationOfAMergedStatus) {
  Violations v;
  v.Check(status::InvalidArgument({{"a", "must be x"}, {"b", "must be y"}}));
  v.Check(status::InvalidField("c", "must be z"));
  auto bad_request = status::GetBadRequest(v.ToStatus());
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 3);
  EXPECT_EQ(bad_request->field_violations(2).field(), "c");
}

TEST(Validate, NoViolationsMeansOk) {
  Violations v;
  v.Check(absl::OkStatus());
  v.Check(CountryCode("organisation.country", "DK"));
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.ToStatus().ok());
}

TEST(Validate, AnErrorThatIsNotABadArgumentWins) {
  Violations v;
  v.Check(CountryCode("organisation.country", "XX"));
  EXPECT_FALSE(v.Check(absl::UnavailableError("registry unreachable")));
  v.Check(absl::InternalError("second"));
  absl::Status s = v.ToStatus();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(s), "registry unreachable");
}

TEST(Validate, BadArgumentWithoutFieldDetailsIsKeptByItsMessage) {
  Violations v;
  v.Check(absl::InvalidArgumentError("page_token is stale"));
  auto bad_request = status::GetBadRequest(v.ToStatus());
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 1);
  EXPECT_EQ(bad_request->field_violations(0).field(), "");
  EXPECT_EQ(bad_request->field_violations(0).description(), "page_token is stale");
}

}  // namespace
}  // namespace coopnet::validate
