#include "services/organisations/network_rules.h"

#include <gtest/gtest.h>

#include "common/principal/principal.h"
#include "common/status/status.h"
#include "tests/harness/errors.h"
#include "tests/harness/seeds.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using testing::FieldsOf;
using testing::MetadataOf;
using testing::ReasonOf;

constexpr char kKofoed[] = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";
constexpr char kBiser[] = "organisations/01jdz5c7m3bbbbbbbbbbbbbbbb";
constexpr char kOrebro[] = "organisations/01jdz5c7m3cccccccccccccccc";

Network Danish() {
  Network n = testing::seeds::NgoNetvaerk(kKofoed);
  n.set_name("networks/01jdz5c7m3dddddddddddddddd");
  return n;
}

Network Hordaland() {
  Network n = testing::seeds::HordalandKommunenettverk(kOrebro);
  n.set_name("networks/01jdz5c7m3eeeeeeeeeeeeeeee");
  return n;
}

Principal KeyOf(const std::string& organisation, type::v1::Scope scope = type::v1::SCOPE_WRITE) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3ffffffffffffffff",
                           {scope});
}

Membership Joining(const std::string& organisation, Membership::Role role) {
  Membership m;
  m.set_organisation(organisation);
  m.set_role(role);
  return m;
}

TEST(ValidateNetwork, AcceptsTheSeedNetworks) {
  EXPECT_TRUE(ValidateNetwork(Danish()).ok()) << ValidateNetwork(Danish());
  EXPECT_TRUE(ValidateNetwork(Hordaland()).ok()) << ValidateNetwork(Hordaland());
}

TEST(ValidateNetwork, TitleInAtLeastOneLanguageIsRequired) {
  Network n = Danish();
  n.clear_title();
  EXPECT_EQ(FieldsOf(ValidateNetwork(n)), std::vector<std::string>{"network.title.translations"});
}

TEST(ValidateNetwork, CoordinatorMustBeAnOrganisationName) {
  Network n = Danish();
  n.set_coordinator("Kofoeds Skole");
  absl::Status s = ValidateNetwork(n);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"network.coordinator"});
  EXPECT_NE(s.message().find("organisations/{id}"), std::string::npos) << s;
}

TEST(ValidateNetwork, RegionOutsideTheCountriesIsRefusedNamingIt) {
  Network n = Danish();
  n.add_nuts_regions("PL61");
  absl::Status s = ValidateNetwork(n);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"network.nuts_regions[1]"});
  EXPECT_NE(s.message().find("PL61 is not in any of network.countries"), std::string::npos) << s;
  n.add_countries("PL");
  EXPECT_TRUE(ValidateNetwork(n).ok()) << ValidateNetwork(n);
}

TEST(ValidateNetwork, CountryGroupsHoldTheirCountriesAndTheRegionsTheyCover) {
  Network n = Danish();
  n.clear_countries();
  n.clear_nuts_regions();
  n.add_countries("INTERREG_BSR");
  n.add_countries("EEA_EFTA");
  n.add_nuts_regions("DK01");  // in Denmark, wholly in the Baltic Sea region
  n.add_nuts_regions("DE80");  // Mecklenburg-Vorpommern, in it
  n.add_nuts_regions("NO07");  // Nord-Norge: Norway is an EEA donor
  EXPECT_TRUE(ValidateNetwork(n).ok()) << ValidateNetwork(n);
  n.add_nuts_regions("DE21");  // Oberbayern is not
  absl::Status s = ValidateNetwork(n);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"network.nuts_regions[3]"});
  n.add_countries("BALTIC");
  EXPECT_EQ(FieldsOf(ValidateNetwork(n)),
            (std::vector<std::string>{"network.countries[2]", "network.nuts_regions[3]"}));
}

TEST(ValidateNetwork, GreekRegionsUseTheirNutsPrefix) {
  Network n = Danish();
  n.add_countries("GR");
  n.add_nuts_regions("EL30");
  EXPECT_TRUE(ValidateNetwork(n).ok()) << ValidateNetwork(n);
}

TEST(ValidateNetwork, EveryBrokenRuleIsReportedAtOnce) {
  Network n = Danish();
  n.add_countries("DK");
  n.add_countries("XX");
  n.add_nuts_regions("dk01");
  n.add_themes("Green Transition");
  n.set_admission(Network::ADMISSION_UNSPECIFIED);
  n.mutable_description()->set_default_language("sv");
  EXPECT_EQ(
      FieldsOf(ValidateNetwork(n)),
      (std::vector<std::string>{"network.description.default_language", "network.countries[1]",
                                "network.countries[2]", "network.nuts_regions[1]",
                                "network.themes[3]", "network.admission"}));
}

TEST(ApplyNetworkMask, ChangesOnlyTheNamedFieldsAndRefusesOutputOnlyOnes) {
  Network patch;
  patch.set_admission(Network::BY_INVITATION);
  patch.set_coordinator("organisations/ignored");
  google::protobuf::FieldMask mask;
  mask.add_paths("admission");
  absl::StatusOr<Network> result = ApplyNetworkMask(Danish(), patch, mask);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->admission(), Network::BY_INVITATION);
  EXPECT_EQ(result->coordinator(), kKofoed);

  mask.add_paths("member_count");
  EXPECT_EQ(FieldsOf(ApplyNetworkMask(Danish(), patch, mask).status()),
            std::vector<std::string>{"update_mask"});
}

TEST(ValidateNewMembership, CoordinatorRoleCannotBeAdded) {
  absl::Status s = ValidateNewMembership(Joining(kBiser, Membership::COORDINATOR));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"membership.role"});
  EXPECT_NE(s.message().find("UpdateNetwork"), std::string::npos) << s;
  EXPECT_EQ(FieldsOf(ValidateNewMembership(Joining("", Membership::ROLE_UNSPECIFIED))),
            (std::vector<std::string>{"membership.organisation", "membership.role"}));
  EXPECT_TRUE(ValidateNewMembership(Joining(kBiser, Membership::MENTOR)).ok());
}

TEST(MayCreate, OnlyTheCoordinatorsKeyOrAnOperator) {
  EXPECT_TRUE(MayCreate(KeyOf(kKofoed), Danish()).ok());
  EXPECT_TRUE(MayCreate(principal::Admin(), Danish()).ok());
  absl::Status s = MayCreate(KeyOf(kBiser), Danish());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find(kKofoed), std::string::npos);
  EXPECT_FALSE(MayCreate(principal::Service("events"), Danish()).ok());
}

TEST(MayManage, OnlyTheCoordinatorsKeyOrAnOperator) {
  EXPECT_TRUE(MayManage(KeyOf(kKofoed), Danish()).ok());
  EXPECT_TRUE(MayManage(principal::Admin(), Danish()).ok());
  EXPECT_EQ(ReasonOf(MayManage(KeyOf(kBiser), Danish())), "NOT_COORDINATOR");
  EXPECT_EQ(ReasonOf(MayManage(principal::Anonymous(), Danish())), "NOT_COORDINATOR");
}

// What MayAddMember decided: "ACTIVE", "PROPOSED_BY_NETWORK", "PROPOSED_BY_ORGANISATION",
// or the refusal's reason.
std::string AddedAs(const Principal& caller, const Network& network, const Membership& joining) {
  absl::StatusOr<std::optional<ProposedBy>> added = MayAddMember(caller, network, joining);
  if (!added.ok()) return ReasonOf(added.status());
  if (!added->has_value()) return "ACTIVE";
  return **added == ProposedBy::kNetwork ? "PROPOSED_BY_NETWORK" : "PROPOSED_BY_ORGANISATION";
}

TEST(MayAddMember, AnOrganisationJoinsAnOpenNetworkByItself) {
  EXPECT_EQ(AddedAs(KeyOf(kBiser), Danish(), Joining(kBiser, Membership::MEMBER)), "ACTIVE");
  EXPECT_EQ(AddedAs(KeyOf(kBiser), Danish(), Joining(kBiser, Membership::MENTOR)), "ACTIVE");
}

TEST(MayAddMember, AskingToJoinANetworkByInvitationAwaitsTheCoordinator) {
  EXPECT_EQ(AddedAs(KeyOf(kBiser), Hordaland(), Joining(kBiser, Membership::MEMBER)),
            "PROPOSED_BY_ORGANISATION");
  EXPECT_EQ(Awaiting(Hordaland(), kBiser, ProposedBy::kOrganisation), kOrebro);
}

TEST(MayAddMember, TheCoordinatorOnlyInvitesAndTheInviteeMustAccept) {
  for (const Network& network : {Danish(), Hordaland()}) {
    const Principal coordinator = KeyOf(network.coordinator());
    EXPECT_EQ(AddedAs(coordinator, network, Joining(kBiser, Membership::MEMBER)),
              "PROPOSED_BY_NETWORK");
    EXPECT_EQ(Awaiting(network, kBiser, ProposedBy::kNetwork), kBiser);
  }
  // An operator speaks for both sides.
  EXPECT_EQ(AddedAs(principal::Admin(), Hordaland(), Joining(kBiser, Membership::MEMBER)),
            "ACTIVE");
}

TEST(MayAddMember, NobodyAddsAnotherOrganisationButTheCoordinator) {
  EXPECT_EQ(AddedAs(KeyOf(kBiser), Danish(), Joining(kOrebro, Membership::MEMBER)),
            "NOT_COORDINATOR");
  EXPECT_EQ(AddedAs(principal::Anonymous(), Danish(), Joining(kBiser, Membership::MEMBER)),
            "NOT_COORDINATOR");
}

TEST(MayAcceptMember, OnlyTheAwaitedSideAccepts) {
  EXPECT_TRUE(MayAcceptMember(KeyOf(kBiser), Hordaland(), kBiser, ProposedBy::kNetwork).ok());
  EXPECT_TRUE(MayAcceptMember(KeyOf(kOrebro), Hordaland(), kBiser, ProposedBy::kOrganisation).ok());
  EXPECT_TRUE(MayAcceptMember(principal::Admin(), Hordaland(), kBiser, ProposedBy::kNetwork).ok());
  // The proposing side cannot accept its own proposal.
  absl::Status s = MayAcceptMember(KeyOf(kOrebro), Hordaland(), kBiser, ProposedBy::kNetwork);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(MetadataOf(s, "organisation"), kBiser);
  EXPECT_EQ(
      ReasonOf(MayAcceptMember(KeyOf(kBiser), Hordaland(), kBiser, ProposedBy::kOrganisation)),
      "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(ReasonOf(MayAcceptMember(KeyOf(kKofoed), Hordaland(), kBiser, ProposedBy::kNetwork)),
            "NOT_ACTING_FOR_ORGANISATION");
}

TEST(MayHandOver, NobodyIsMadeCoordinatorWithoutActingForIt) {
  Network handed = Hordaland();
  handed.set_coordinator(kBiser);
  absl::Status s = MayHandOver(KeyOf(kOrebro), Hordaland(), handed);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{});
  EXPECT_NE(s.message().find("network.coordinator"), std::string::npos) << s;
  EXPECT_TRUE(MayHandOver(principal::Admin(), Hordaland(), handed).ok());
  EXPECT_TRUE(MayHandOver(KeyOf(kOrebro), Hordaland(), Hordaland()).ok());
}

TEST(MayRemoveMember, AMemberLeavesAndTheCoordinatorRemoves) {
  EXPECT_TRUE(MayRemoveMember(KeyOf(kBiser), Hordaland(), kBiser).ok());
  EXPECT_TRUE(MayRemoveMember(KeyOf(kOrebro), Hordaland(), kBiser).ok());
  EXPECT_TRUE(MayRemoveMember(principal::Admin(), Hordaland(), kBiser).ok());
  EXPECT_EQ(ReasonOf(MayRemoveMember(KeyOf(kKofoed), Hordaland(), kBiser)), "NOT_COORDINATOR");
}

TEST(MayRemoveMember, TheCoordinatorsMembershipStaysEvenForAnOperator) {
  for (const Principal& caller : {KeyOf(kKofoed), principal::Admin()}) {
    absl::Status s = MayRemoveMember(caller, Danish(), kKofoed);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ReasonOf(s), "COORDINATOR_MEMBERSHIP");
  }
}

TEST(JoinCursorKey, RoundTripsAndRefusesWhatItDidNotMake) {
  const JoinCursor cursor{absl::FromUnixMicros(1'700'000'000'123'456),
                          "01jdz5c7m3aaaaaaaaaaaaaaaa"};
  absl::StatusOr<JoinCursor> parsed = ParseJoinCursorKey(JoinCursorKey(cursor));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->join_time, cursor.join_time);
  EXPECT_EQ(parsed->id, cursor.id);
  for (const char* bad : {"", "123", "x/01jdz5c7m3aaaaaaaaaaaaaaaa", "123/not-an-id"}) {
    EXPECT_EQ(FieldsOf(ParseJoinCursorKey(bad).status()), std::vector<std::string>{"page_token"})
        << bad;
  }
}

}  // namespace
}  // namespace coopnet::organisations
