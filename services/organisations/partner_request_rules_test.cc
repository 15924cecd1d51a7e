#include "services/organisations/partner_request_rules.h"

#include <gtest/gtest.h>

#include "common/resource/resource.h"
#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01

PartnerRequest Valid() {
  PartnerRequest r;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        title {
          translations { key: "pl" value: "Szukamy partnerów nad Bałtykiem" }
          translations { key: "en" value: "Looking for Baltic Sea partners" }
          default_language: "en"
        }
        themes: [ "youth" ]
        countries: [ "LT", "SE" ]
        kinds: [ NGO ]
        state: OPEN
      )pb",
      &r));
  r.set_call("calls/" + resource::NewId());
  *r.mutable_deadline() = ToTimestamp(kNow + absl::Hours(24 * 30));
  return r;
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

TEST(ValidatePartnerRequest, AcceptsAWellFormedRequest) {
  EXPECT_TRUE(ValidatePartnerRequest(Valid(), kNow).ok()) << ValidatePartnerRequest(Valid(), kNow);
}

TEST(ValidatePartnerRequest, NamesEachBadEntryOfTheLists) {
  PartnerRequest r = Valid();
  r.set_countries(1, "XX");
  r.add_countries("LT");
  r.add_kinds(v1::Organisation::KIND_UNSPECIFIED);
  r.add_themes("Youth Work");
  absl::Status s = ValidatePartnerRequest(r, kNow);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"partner_request.themes[1]", "partner_request.countries[1]",
                                      "partner_request.countries[2]", "partner_request.kinds[1]"}));
}

TEST(ValidatePartnerRequest, ATitleIsRequired) {
  PartnerRequest r = Valid();
  r.clear_title();
  EXPECT_EQ(FieldsOf(ValidatePartnerRequest(r, kNow)),
            std::vector<std::string>{"partner_request.title"});
}

TEST(ValidatePartnerRequest, CallMustBeACallName) {
  PartnerRequest r = Valid();
  r.set_call("programmes/" + resource::NewId());
  absl::Status s = ValidatePartnerRequest(r, kNow);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"partner_request.call"});
  EXPECT_NE(s.message().find("calls/{id}"), std::string::npos) << s;
}

TEST(ValidatePartnerRequest, ADeadlineInThePastIsRefusedUnlessItWasAlreadyThere) {
  PartnerRequest r = Valid();
  *r.mutable_deadline() = ToTimestamp(kNow - absl::Hours(1));
  absl::Status s = ValidatePartnerRequest(r, kNow);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"partner_request.deadline"});
  EXPECT_NE(s.message().find("must be in the future"), std::string::npos) << s;
  EXPECT_TRUE(ValidatePartnerRequest(r, kNow, r.deadline()).ok());
}

TEST(ValidatePartnerRequest, StateMustBeOpenOrClosed) {
  PartnerRequest r = Valid();
  r.set_state(PartnerRequest::STATE_UNSPECIFIED);
  EXPECT_EQ(FieldsOf(ValidatePartnerRequest(r, kNow)),
            std::vector<std::string>{"partner_request.state"});
}

TEST(PrepareNew, OpensTheRequestAndDropsOutputOnlyFields) {
  PartnerRequest r = Valid();
  r.clear_state();
  r.set_name("organisations/x/partnerRequests/y");
  r.set_etag("r7");
  PartnerRequest prepared = PrepareNew(r);
  EXPECT_EQ(prepared.state(), PartnerRequest::OPEN);
  EXPECT_TRUE(prepared.name().empty());
  EXPECT_TRUE(prepared.etag().empty());
}

TEST(ParsePartnerRequestName, GivesTheOrganisationAndTheRequest) {
  const std::string organisation = resource::NewId();
  const std::string id = resource::NewId();
  auto name =
      ParsePartnerRequestName("name", "organisations/" + organisation + "/partnerRequests/" + id);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->organisation_id, organisation);
  EXPECT_EQ(name->id, id);
  EXPECT_EQ(name->organisation(), "organisations/" + organisation);
  EXPECT_EQ(name->name(), "organisations/" + organisation + "/partnerRequests/" + id);
  EXPECT_EQ(FieldsOf(ParsePartnerRequestName("name", "organisations/" + organisation).status()),
            std::vector<std::string>{"name"});
}

TEST(ApplyPartnerRequestMask, ReplacesTheNamedFieldsOnly) {
  PartnerRequest stored = Valid();
  PartnerRequest patch;
  patch.add_countries("FI");
  patch.set_state(PartnerRequest::CLOSED);
  google::protobuf::FieldMask mask;
  mask.add_paths("countries");
  auto changed = ApplyPartnerRequestMask(stored, patch, mask);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->countries_size(), 1);
  EXPECT_EQ(changed->countries(0), "FI");
  EXPECT_EQ(changed->state(), PartnerRequest::OPEN);
  EXPECT_EQ(changed->title().translations().size(), 2u);
}

TEST(ApplyPartnerRequestMask, RefusesOutputOnlyAndUnknownFields) {
  google::protobuf::FieldMask mask;
  mask.add_paths("etag");
  EXPECT_EQ(FieldsOf(ApplyPartnerRequestMask(Valid(), PartnerRequest(), mask).status()),
            std::vector<std::string>{"update_mask"});
  mask.set_paths(0, "requester");
  EXPECT_EQ(FieldsOf(ApplyPartnerRequestMask(Valid(), PartnerRequest(), mask).status()),
            std::vector<std::string>{"update_mask"});
}

TEST(ValidatePartnerRequestSearch, NamesBadFiltersAndKeepsKindNames) {
  v1::SearchPartnerRequestsRequest request;
  request.add_countries("PL");
  request.add_kinds(v1::Organisation::MUNICIPALITY);
  request.add_requester_countries("DK");
  auto filters = ValidatePartnerRequestSearch(request);
  ASSERT_TRUE(filters.ok()) << filters.status();
  EXPECT_EQ(filters->kinds, std::vector<std::string>{"MUNICIPALITY"});
  request.add_requester_countries("dk");
  EXPECT_EQ(FieldsOf(ValidatePartnerRequestSearch(request).status()),
            std::vector<std::string>{"requester_countries[1]"});
}

}  // namespace
}  // namespace coopnet::organisations
