// coopnet::validate — the field checks every service runs on what users send.
//
// Each check takes the field's path first, so that a refusal is an INVALID_ARGUMENT
// (status::InvalidField) naming the field, the rule and the value given:
// `organisation.country must be an ISO 3166-1 alpha-2 country code, got "XX"`. Values in
// messages are quoted, cut to about 40 bytes and escaped, so a message is always short,
// valid UTF-8 text. A handler that wants to report every bad field at once collects the
// checks in a Violations:
//
//   validate::Violations v;
//   v.Check(validate::Utf8Text("organisation.display_name", o.display_name(), 1, 200));
//   if (v.Check(validate::CountryCode("organisation.country", o.country())) &&
//       !o.nuts_region().empty()) {
//     v.Check(validate::NutsCode("organisation.nuts_region", o.nuts_region(), o.country()));
//   }
//   v.Check(validate::Email("organisation.contact_email", o.contact_email()));
//   COOPNET_RETURN_IF_ERROR(v.ToStatus());
//
// Codes must come in their canonical spelling (upper-case country, NUTS and currency
// codes, a lower-case `https://`) rather than being normalised here: what passes is what
// gets stored and shown to partners. Language tags are case-insensitive by definition and
// are accepted in any case.
#ifndef COOPNET_COMMON_VALIDATE_VALIDATE_H_
#define COOPNET_COMMON_VALIDATE_VALIDATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/status.h"

namespace coopnet::validate {

// `value` in double quotes for a message: cut to about 40 bytes at a character boundary
// (then followed by ...) and escaped, so the message stays short, valid UTF-8 whatever
// bytes the caller sent.
std::string Quoted(absl::string_view value);

// True when `code` is an officially assigned ISO 3166-1 alpha-2 code in upper case ("DK";
// not "dk", nor user-assigned ones such as "XX" or "XK").
bool IsCountryCode(absl::string_view code);

// OK when IsCountryCode(code).
absl::Status CountryCode(absl::string_view field, absl::string_view code);

// The two letters NUTS codes of `country` (ISO 3166-1) start with: the country code
// itself, except Greece (GR) is "EL" and the United Kingdom (GB) is "UK".
std::string NutsPrefixOf(absl::string_view country);

// True when Eurostat's NUTS has regions in `country` (ISO 3166-1): the EU, EFTA, the
// candidate countries with statistical regions (AL ME MK RS TR) and the UK, whose
// pre-2021 NUTS codes are still what EU programmes record.
bool HasNutsRegions(absl::string_view country);

// OK when `nuts` is a NUTS 1, 2 or 3 code (NUTS prefix then 1 to 3 upper-case letters or
// digits: PL6, PL61, PL613, NO0A, DKZZZ) of `country`. Whether the region exists is not
// checked: NUTS is revised every few years and older codes stay in use. A region of
// another country is refused naming both:
// `DK01 is not in country PL (NUTS codes of PL start with PL)`.
absl::Status NutsCode(absl::string_view field, absl::string_view nuts, absl::string_view country);

// OK when `prefix` can start a NUTS code, as in a search filter: a NUTS country prefix
// alone ("EL") or followed by up to 3 upper-case letters or digits ("PL6", "SE124").
absl::Status NutsPrefix(absl::string_view field, absl::string_view prefix);

// OK when `tag` is a well-formed BCP 47 language tag (RFC 5646, any letter case) of at
// most 35 characters: da, nb, en-GB, zh-Hant-TW, es-419, de-CH-1996, en-US-u-ca-gregory.
// Only the language is looked up: a 2-letter one must be in ISO 639-1, and 5 to 8 letter
// ones are refused because none has ever been registered ("english" is a mistake, not a
// language). Script, region and variants are checked for shape only. Tags with no
// language (private use "x-..." alone, grandfathered "i-klingon") are refused.
absl::Status LanguageTag(absl::string_view field, absl::string_view tag);

// OK when `address` is an e-mail address as organisations actually have them: one `@`;
// a local part of 1 to 64 ASCII atext characters and single dots inside (quoted local
// parts and SMTPUTF8 mailbox names are refused, as many mail systems cannot deliver to
// them); a domain of at least two dot-separated labels of 1 to 63 bytes (letters, digits,
// hyphens inside), ending in a top-level domain of 2 or more letters; at most 254 bytes.
// International domain names are accepted in UTF-8 (info@møller.dk, biuro@żółw.pl) as
// well as in xn-- form: Danish, Polish and Swedish organisations use them, and mail
// software converts them.
absl::Status Email(absl::string_view field, absl::string_view address);

// OK when `url` is an absolute `https://` URL (lower-case scheme) of at most 2048 bytes
// with a host name under the same label rules as Email's domain (UTF-8 accepted), an
// optional port 1-65535, no user name or password, no spaces, control characters,
// `"<>\` or malformed %-escapes. IP addresses, IPv6 literals and single-label hosts
// ("localhost") are refused: organisations link public sites by name, and services that
// fetch a stored URL must never be pointed into our own network.
absl::Status HttpsUrl(absl::string_view field, absl::string_view url);

// OK when `code` is an ISO 4217 currency code in use, upper case ("EUR", "PLN", "DKK",
// "SEK", "NOK"); withdrawn ones (HRK), XTS and XXX are refused.
absl::Status CurrencyCode(absl::string_view field, absl::string_view code);

// OK when `name` is an IANA time zone name the system's tzdata knows ("Europe/Oslo",
// "UTC"). Names that are files of Debian's zoneinfo folder but not zones ("localtime",
// "posixrules", "posix/...", "right/...", "Factory"), paths and fixed offsets are refused.
absl::Status TimeZone(absl::string_view field, absl::string_view name);

// The number of Unicode code points in `text`, or nullopt when it is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF are not).
std::optional<size_t> Utf8Length(absl::string_view text);

// OK when `text` is valid UTF-8 without control characters other than \n, \r and \t, and
// holds between `min_chars` and `max_chars` code points (inclusive; min_chars <= max_chars).
absl::Status Utf8Text(absl::string_view field, absl::string_view text, size_t min_chars,
                      size_t max_chars);

// Collects the refusals of several checks so that a request is answered with every bad
// field at once rather than one per round trip.
class Violations {
 public:
  // Records what `status` refused, if anything, and says whether it was OK, so that a
  // check depending on this field can be skipped. The field violations of a status from
  // status::InvalidArgument are kept one by one; another INVALID_ARGUMENT is kept as one
  // violation with an empty field; any other error is kept for ToStatus.
  bool Check(const absl::Status& status);

  // Records a rule the handler checked itself ("project.end_date", "must not be before
  // project.start_date").
  void Add(absl::string_view field, absl::string_view description);

  // True while nothing was recorded.
  bool ok() const { return violations_.empty() && error_.ok(); }

  // OK when nothing was recorded. Otherwise the first error that was not INVALID_ARGUMENT
  // (the request could not be judged, so its violations may be incomplete), or one
  // status::InvalidArgument with every violation in the order found.
  absl::Status ToStatus() const;

 private:
  std::vector<status::FieldViolation> violations_;
  absl::Status error_;
};

}  // namespace coopnet::validate

#endif  // COOPNET_COMMON_VALIDATE_VALIDATE_H_
