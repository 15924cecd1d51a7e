#include "services/organisations/organisation_rules.h"

#include <gtest/gtest.h>

#include "common/principal/principal.h"
#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "tests/harness/seeds.h"

namespace coopnet::organisations {
namespace {

Organisation Parse(const std::string& text) {
  Organisation o;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &o)) << text;
  return o;
}

Organisation Kofoed() { return testing::seeds::KofoedsSkole(); }

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

TEST(ValidateOrganisation, AcceptsAWellFormedOrganisation) {
  EXPECT_TRUE(ValidateOrganisation(Kofoed()).ok()) << ValidateOrganisation(Kofoed());
}

TEST(ValidateOrganisation, MissingDisplayNameIsNamed) {
  Organisation o = Kofoed();
  o.clear_display_name();
  absl::Status s = ValidateOrganisation(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation.display_name"});
}

TEST(ValidateOrganisation, UnknownCountryIsNamed) {
  Organisation o = Kofoed();
  o.set_country("XX");
  o.clear_nuts_region();
  absl::Status s = ValidateOrganisation(o);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation.country"});
  EXPECT_NE(s.message().find("XX"), std::string::npos);
}

TEST(ValidateOrganisation, DanishRegionOnAPolishOrganisationIsRefused) {
  Organisation o = Kofoed();
  o.set_country("PL");
  absl::Status s = ValidateOrganisation(o);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation.nuts_region"});
  EXPECT_NE(s.message().find("DK01"), std::string::npos);
}

TEST(ValidateOrganisation, HundredKilobyteNameIsRefusedNamingTheLimit) {
  Organisation o = Kofoed();
  o.set_display_name(std::string(100 * 1024, 'a'));
  absl::Status s = ValidateOrganisation(o);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation.display_name"});
  EXPECT_NE(s.message().find("at most 200"), std::string::npos);
}

TEST(ValidateOrganisation, EveryBrokenRuleIsReportedAtOnce) {
  Organisation o = Kofoed();
  o.clear_display_name();
  o.set_kind(Organisation::KIND_UNSPECIFIED);
  o.set_website("http://insecure.example");
  o.add_sdgs(18);
  EXPECT_EQ(FieldsOf(ValidateOrganisation(o)),
            (std::vector<std::string>{"organisation.display_name", "organisation.kind",
                                      "organisation.website", "organisation.sdgs[1]"}));
}

TEST(ValidateOrganisation, DefaultLanguageMustBeATranslation) {
  Organisation o = Kofoed();
  o.mutable_description()->set_default_language("pl");
  EXPECT_EQ(FieldsOf(ValidateOrganisation(o)),
            std::vector<std::string>{"organisation.description.default_language"});
}

TEST(ValidateOrganisation, RepeatedIdentifierIsRefused) {
  Organisation o = Kofoed();
  *o.add_identifiers() = o.identifiers(0);
  EXPECT_EQ(FieldsOf(ValidateOrganisation(o)),
            std::vector<std::string>{"organisation.identifiers[1]"});
}

TEST(ValidateIdentifier, KnowsTheShapesOfTheRegistersOurUsersName) {
  auto ok = [](const char* scheme, const char* value) {
    Identifier id;
    id.set_scheme(scheme);
    id.set_value(value);
    return ValidateIdentifier("id", id).ok();
  };
  EXPECT_TRUE(ok("PIC", "949685493"));
  EXPECT_FALSE(ok("PIC", "94968549"));
  EXPECT_FALSE(ok("PIC", "94968549X"));
  EXPECT_TRUE(ok("OID", "E10012345"));
  EXPECT_FALSE(ok("OID", "10012345"));
  EXPECT_TRUE(ok("PL-KRS", "0000123456"));
  EXPECT_TRUE(ok("SE-ON", "232100-0164"));
  EXPECT_TRUE(ok("NO-BRC", "974760673"));
  EXPECT_TRUE(ok("VAT", "DK12345678"));
  EXPECT_TRUE(ok("VAT", "EL123456789"));
  EXPECT_TRUE(ok("FR-RNA", "W751234567"));
  EXPECT_FALSE(ok("pic", "949685493"));
  EXPECT_FALSE(ok("FR-RNA", "has spaces"));
}

TEST(ApplyUpdateMask, ChangesOnlyTheNamedFields) {
  Organisation stored = Kofoed();
  Organisation patch;
  patch.set_display_name("Kofoeds Skole (København)");
  patch.set_city("Ignored, not in the mask");
  google::protobuf::FieldMask mask;
  mask.add_paths("display_name");
  absl::StatusOr<Organisation> result = ApplyUpdateMask(stored, patch, mask);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->display_name(), "Kofoeds Skole (København)");
  EXPECT_EQ(result->city(), "København S");
  EXPECT_EQ(result->themes_size(), 1);
}

TEST(ApplyUpdateMask, NamedFieldAbsentFromPatchIsCleared) {
  google::protobuf::FieldMask mask;
  mask.add_paths("themes");
  mask.add_paths("looking_for_partners");
  Organisation stored = Kofoed();
  stored.set_looking_for_partners(true);
  absl::StatusOr<Organisation> result = ApplyUpdateMask(stored, Organisation(), mask);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->themes_size(), 0);
  EXPECT_FALSE(result->looking_for_partners());
}

TEST(ApplyUpdateMask, StarReplacesEveryWritableFieldButKeepsOutputOnlyOnes) {
  Organisation stored = Kofoed();
  stored.set_name("organisations/abc");
  stored.set_etag("r3");
  Organisation patch = Parse(R"pb(display_name: "Region Örebro län"
                                  kind: REGIONAL_AUTHORITY
                                  country: "SE"
                                  name: "organisations/evil"
                                  etag: "r99")pb");
  google::protobuf::FieldMask mask;
  mask.add_paths("*");
  absl::StatusOr<Organisation> result = ApplyUpdateMask(stored, patch, mask);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->display_name(), "Region Örebro län");
  EXPECT_EQ(result->city(), "");
  EXPECT_EQ(result->name(), "organisations/abc");
  EXPECT_EQ(result->etag(), "r3");
}

TEST(ApplyUpdateMask, UnknownOutputOnlyOrEmptyMaskIsRefused) {
  google::protobuf::FieldMask mask;
  EXPECT_EQ(FieldsOf(ApplyUpdateMask(Kofoed(), Kofoed(), mask).status()),
            std::vector<std::string>{"update_mask"});
  mask.add_paths("colour");
  EXPECT_EQ(FieldsOf(ApplyUpdateMask(Kofoed(), Kofoed(), mask).status()),
            std::vector<std::string>{"update_mask"});
  mask.set_paths(0, "create_time");
  EXPECT_EQ(FieldsOf(ApplyUpdateMask(Kofoed(), Kofoed(), mask).status()),
            std::vector<std::string>{"update_mask"});
}

TEST(RequireOperator, OnlyTheOperatorsMayVerifyClaims) {
  EXPECT_TRUE(RequireOperator(principal::Admin()).ok());
  const std::string organisation = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";
  for (const principal::Principal& caller :
       {principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3cccccccccccccccc",
                          {type::v1::SCOPE_ADMIN}),
        principal::Service("events"), principal::Anonymous("198.51.100.1")}) {
    absl::Status s = RequireOperator(caller);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << principal::Subject(caller);
    EXPECT_EQ(status::GetErrorInfo(s)->reason(), "NOT_OPERATOR");
    EXPECT_NE(s.message().find("only a coopnet operator"), std::string::npos) << s.message();
  }
}

TEST(ClaimOf, FindsTheClaimBySchemeAndValueWithItsState) {
  Organisation o = Parse(R"pb(name: "organisations/abc"
                              identifiers { scheme: "PIC" value: "949685493" state: VERIFIED }
                              identifiers { scheme: "VAT" value: "PL9562307984" })pb");
  Identifier asked;
  asked.set_scheme("PIC");
  asked.set_value("949685493");
  asked.set_state(Identifier::UNVERIFIED);  // output only: not compared
  absl::StatusOr<Identifier> claim = ClaimOf(o, asked, "identifier");
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ(claim->state(), Identifier::VERIFIED);
}

TEST(ClaimOf, AnIdentifierTheOrganisationDoesNotClaimIsNotFoundNamingTheField) {
  Organisation o = Parse(R"pb(name: "organisations/abc"
                              identifiers { scheme: "PIC" value: "949685493" })pb");
  Identifier other;
  other.set_scheme("OID");  // the same value under another scheme is another identifier
  other.set_value("949685493");
  absl::Status s = ClaimOf(o, other, "identifier").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "IDENTIFIER_NOT_CLAIMED");
  EXPECT_EQ(status::GetErrorInfo(s)->metadata().at("field"), "identifier");
  EXPECT_NE(s.message().find("organisations/abc does not claim OID"), std::string::npos)
      << s.message();
}

TEST(ValidateOrganisation, IdentifierStatesAreOutputOnlyAndNotLookedAt) {
  Organisation o = Kofoed();
  o.mutable_identifiers(0)->set_state(static_cast<Identifier::State>(42));
  EXPECT_TRUE(ValidateOrganisation(o).ok());
}

}  // namespace
}  // namespace coopnet::organisations
