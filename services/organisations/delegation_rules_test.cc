#include "services/organisations/delegation_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/principal/principal.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "tests/harness/errors.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using ::testing::ElementsAre;
using testing::FieldsOf;
using testing::ReasonOf;

constexpr char kGrantor[] = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";
constexpr char kPortal[] = "organisations/01jdz5c7m3bbbbbbbbbbbbbbbb";
constexpr char kStranger[] = "organisations/01jdz5c7m3dddddddddddddddd";

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Principal KeyOf(const std::string& organisation, type::v1::Scope scope) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3cccccccccccccccc",
                           {scope});
}

Delegation ToPortal() {
  Delegation d;
  d.set_delegate(kPortal);
  d.add_scopes(type::v1::REGISTRATIONS_WRITE);
  d.add_scopes(type::v1::EVENTS_WRITE);
  d.set_purpose("Region Örebro portal registers our staff");
  *d.mutable_expire_time() = ToTimestamp(kNow + absl::Hours(24 * 365));
  return d;
}

Delegation Granted() {
  Delegation d = ToPortal();
  d.set_name(std::string(kGrantor) + "/delegations/01jdz5c7m3eeeeeeeeeeeeeeee");
  return d;
}

TEST(DelegationRules, APortalDelegationWithinAYearIsValid) {
  EXPECT_TRUE(ValidateNewDelegation(kGrantor, ToPortal(), kNow).ok());
}

TEST(DelegationRules, EveryBrokenRuleIsNamed) {
  Delegation d;
  d.set_delegate(kGrantor);
  d.add_scopes(type::v1::DELEGATION_SCOPE_UNSPECIFIED);
  d.add_scopes(type::v1::EVENTS_WRITE);
  d.add_scopes(type::v1::EVENTS_WRITE);
  *d.mutable_expire_time() = ToTimestamp(kNow - absl::Seconds(1));
  absl::Status s = ValidateNewDelegation(kGrantor, d, kNow);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(s),
              ElementsAre("delegation.delegate", "delegation.scopes[0]", "delegation.scopes[2]",
                          "delegation.purpose", "delegation.expire_time"));
}

TEST(DelegationRules, ADelegationNeedsADelegateScopesAndAnExpiry) {
  absl::Status s = ValidateNewDelegation(kGrantor, Delegation(), kNow);
  EXPECT_THAT(FieldsOf(s), ElementsAre("delegation.delegate", "delegation.scopes",
                                       "delegation.purpose", "delegation.expire_time"));
}

TEST(DelegationRules, ADelegationEndsWithinThreeYears) {
  Delegation d = ToPortal();
  *d.mutable_expire_time() = ToTimestamp(kNow + kMaxDelegationLifetime + absl::Seconds(1));
  EXPECT_THAT(FieldsOf(ValidateNewDelegation(kGrantor, d, kNow)),
              ElementsAre("delegation.expire_time"));
}

TEST(DelegationRules, StateFollowsRevocationThenExpiry) {
  EXPECT_EQ(StateOf(std::nullopt, kNow + absl::Seconds(1), kNow), Delegation::ACTIVE);
  EXPECT_EQ(StateOf(std::nullopt, kNow, kNow), Delegation::EXPIRED);
  EXPECT_EQ(StateOf(kNow, kNow + absl::Hours(1), kNow), Delegation::REVOKED);
}

TEST(DelegationRules, OnlyTheGrantorsAdminKeyOrAnOperatorGrants) {
  EXPECT_TRUE(MayGrant(KeyOf(kGrantor, type::v1::SCOPE_ADMIN), kGrantor).ok());
  EXPECT_TRUE(MayGrant(principal::Admin(), kGrantor).ok());
  EXPECT_EQ(ReasonOf(MayGrant(KeyOf(kGrantor, type::v1::SCOPE_WRITE), kGrantor)),
            "NOT_DELEGATION_ADMIN");
  EXPECT_EQ(ReasonOf(MayGrant(KeyOf(kPortal, type::v1::SCOPE_ADMIN), kGrantor)),
            "NOT_DELEGATION_ADMIN");
}

TEST(DelegationRules, ADelegationIsNeverPassedOn) {
  // The portal holds the grantor's delegation of every scope; it still cannot grant in
  // the grantor's name.
  Principal portal = KeyOf(kPortal, type::v1::SCOPE_ADMIN);
  Principal::Delegation& held = *portal.add_delegations();
  held.set_organisation(kGrantor);
  for (int scope = type::v1::EVENTS_WRITE; scope <= type::v1::ORGANISATIONS_WRITE; ++scope) {
    held.add_scopes(type::v1::DelegationScope(scope));
  }
  *held.mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  EXPECT_FALSE(MayGrant(portal, kGrantor).ok());
}

TEST(DelegationRules, BothSidesSeeAndRevokeAStrangerDoesNeither) {
  const Delegation d = Granted();
  EXPECT_TRUE(MaySee(KeyOf(kGrantor, type::v1::SCOPE_READ), d).ok());
  EXPECT_TRUE(MaySee(KeyOf(kPortal, type::v1::SCOPE_READ), d).ok());
  EXPECT_EQ(ReasonOf(MaySee(KeyOf(kStranger, type::v1::SCOPE_ADMIN), d)), "NOT_DELEGATION_PARTY");
  EXPECT_TRUE(MayRevoke(KeyOf(kGrantor, type::v1::SCOPE_ADMIN), d).ok());
  EXPECT_TRUE(MayRevoke(KeyOf(kPortal, type::v1::SCOPE_ADMIN), d).ok());
  EXPECT_FALSE(MayRevoke(KeyOf(kPortal, type::v1::SCOPE_WRITE), d).ok());
  EXPECT_FALSE(MayRevoke(KeyOf(kStranger, type::v1::SCOPE_ADMIN), d).ok());
}

TEST(DelegationRules, ListsAreForTheGrantorsAdminOrTheDelegate) {
  EXPECT_TRUE(MayList(KeyOf(kGrantor, type::v1::SCOPE_ADMIN), kGrantor, "").ok());
  EXPECT_FALSE(MayList(KeyOf(kGrantor, type::v1::SCOPE_READ), kGrantor, "").ok());
  EXPECT_TRUE(MayList(KeyOf(kPortal, type::v1::SCOPE_READ), "", kPortal).ok());
  EXPECT_FALSE(MayList(KeyOf(kStranger, type::v1::SCOPE_ADMIN), "", kPortal).ok());
  EXPECT_TRUE(MayList(principal::Admin(), "", kPortal).ok());
}

TEST(DelegationRules, GrantorIsTheFirstTwoSegmentsOfTheName) {
  EXPECT_EQ(GrantorOf(Granted().name()), kGrantor);
}

}  // namespace
}  // namespace coopnet::organisations
