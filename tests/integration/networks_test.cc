// Networks and memberships through the real gRPC API, on real PostgreSQL and Redis: who
// may do what (the authorisation matrix), the coordinator's place, retries, lists, and
// what deleting an organisation does to its networks.
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::MessageDifferencer;
using principal::Principal;
using testing::OrganisationsStack;
using v1::Membership;
using v1::Network;
using v1::Organisation;

Principal KeyOf(const std::string& organisation, type::v1::Scope scope = type::v1::SCOPE_WRITE) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3ffffffffffffffff",
                           {scope});
}

class NetworksTest : public ::testing::Test {
 protected:
  NetworksTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()),
        organisations_(stack_.Stub()),
        stub_(stack_.NetworkStub()) {
    kofoed_ = MustCreateOrganisation(testing::seeds::KofoedsSkole());
    biser_ = MustCreateOrganisation(testing::seeds::BiserGdansk());
    orebro_ = MustCreateOrganisation(testing::seeds::RegionOrebro());
    hordaland_ = MustCreateOrganisation(testing::seeds::HordalandFylkeskommune());
    torun_ = MustCreateOrganisation(testing::seeds::UrzadMarszalkowski());
  }

  std::string MustCreateOrganisation(const Organisation& o) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    Organisation created;
    grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  grpc::Status DeleteOrganisation(const std::string& name) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::DeleteOrganisationRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    return organisations_->DeleteOrganisation(&context, request, &empty);
  }

  grpc::Status Create(const Network& n, Network* out, const Principal& caller,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::CreateNetworkRequest request;
    *request.mutable_network() = n;
    request.set_request_id(request_id);
    Network ignored;
    return stub_->CreateNetwork(&context, request, out ? out : &ignored);
  }

  Network MustCreate(const Network& n) {
    Network created;
    grpc::Status s = Create(n, &created, KeyOf(n.coordinator()));
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  // The Danish NGO network, coordinated by Kofoeds Skole.
  Network Danish() { return MustCreate(testing::seeds::NgoNetvaerk(kofoed_)); }
  // Hordaland's network of municipalities, by invitation.
  Network Hordaland() { return MustCreate(testing::seeds::HordalandKommunenettverk(hordaland_)); }

  grpc::Status Get(const std::string& name, Network* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous());
    v1::GetNetworkRequest request;
    request.set_name(name);
    return stub_->GetNetwork(&context, request, out);
  }

  Network MustGet(const std::string& name) {
    Network read;
    grpc::Status s = Get(name, &read);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return read;
  }

  grpc::Status Update(const Network& patch, const std::vector<std::string>& paths,
                      const Principal& caller, Network* out = nullptr) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::UpdateNetworkRequest request;
    *request.mutable_network() = patch;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    Network ignored;
    return stub_->UpdateNetwork(&context, request, out ? out : &ignored);
  }

  grpc::Status Delete(const std::string& name, const Principal& caller,
                      const std::string& etag = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::DeleteNetworkRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty empty;
    return stub_->DeleteNetwork(&context, request, &empty);
  }

  grpc::Status Add(const std::string& network, const std::string& organisation,
                   Membership::Role role, const Principal& caller, Membership* out = nullptr,
                   const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::AddMemberRequest request;
    request.set_parent(network);
    request.mutable_membership()->set_organisation(organisation);
    request.mutable_membership()->set_role(role);
    request.set_request_id(request_id);
    Membership ignored;
    return stub_->AddMember(&context, request, out ? out : &ignored);
  }

  grpc::Status Accept(const std::string& network, const std::string& organisation,
                      const Principal& caller, Membership* out = nullptr) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::AcceptMembershipRequest request;
    request.set_name(MembershipName(network, organisation));
    Membership ignored;
    return stub_->AcceptMembership(&context, request, out ? out : &ignored);
  }

  // The network's coordinator invites `organisation`, which accepts: an ACTIVE member.
  void Join(const Network& network, const std::string& organisation, Membership::Role role) {
    Membership invited;
    ASSERT_TRUE(
        Add(network.name(), organisation, role, KeyOf(network.coordinator()), &invited).ok());
    ASSERT_EQ(invited.state(), Membership::PROPOSED);
    Membership accepted;
    ASSERT_TRUE(Accept(network.name(), organisation, KeyOf(organisation), &accepted).ok());
    ASSERT_EQ(accepted.state(), Membership::ACTIVE);
  }

  grpc::Status Remove(const std::string& network, const std::string& organisation,
                      const Principal& caller) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::RemoveMemberRequest request;
    request.set_name(MembershipName(network, organisation));
    google::protobuf::Empty empty;
    return stub_->RemoveMember(&context, request, &empty);
  }

  static std::string MembershipName(const std::string& network, const std::string& organisation) {
    return absl::StrCat(network, "/members/", organisation.substr(organisation.find('/') + 1));
  }

  // Every membership of `network` with `roles`, following pages of `page_size`.
  std::vector<Membership> Members(const std::string& network, int page_size = 500,
                                  std::vector<Membership::Role> roles = {}) {
    v1::ListMembersRequest request;
    request.set_parent(network);
    request.set_page_size(page_size);
    for (Membership::Role role : roles) request.add_roles(role);
    std::vector<Membership> all;
    while (true) {
      grpc::ClientContext context;
      OrganisationsStack::Sign(context, principal::Anonymous());
      v1::ListMembersResponse page;
      grpc::Status s = stub_->ListMembers(&context, request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return all;
      all.insert(all.end(), page.memberships().begin(), page.memberships().end());
      if (page.next_page_token().empty()) return all;
      request.set_page_token(page.next_page_token());
    }
  }

  // The first page of the network's members as `caller` sees them.
  std::vector<Membership> MembersAs(const std::string& network, const Principal& caller) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::ListMembersRequest request;
    request.set_parent(network);
    v1::ListMembersResponse page;
    grpc::Status s = stub_->ListMembers(&context, request, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {page.memberships().begin(), page.memberships().end()};
  }

  // The first page of the organisation's networks as `caller` sees them.
  std::vector<Membership> NetworksAs(const std::string& organisation, const Principal& caller) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::ListOrganisationNetworksRequest request;
    request.set_organisation(organisation);
    v1::ListOrganisationNetworksResponse page;
    grpc::Status s = stub_->ListOrganisationNetworks(&context, request, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {page.memberships().begin(), page.memberships().end()};
  }

  // "organisations/...:ROLE" for each member, in list order.
  std::vector<std::string> Roster(const std::string& network) {
    std::vector<std::string> roster;
    for (const Membership& m : Members(network)) {
      roster.push_back(absl::StrCat(m.organisation(), ":", Membership::Role_Name(m.role())));
    }
    return roster;
  }

  grpc::Status OrganisationNetworks(const std::string& organisation, int page_size,
                                    std::vector<Membership>* out) {
    v1::ListOrganisationNetworksRequest request;
    request.set_organisation(organisation);
    request.set_page_size(page_size);
    while (true) {
      grpc::ClientContext context;
      OrganisationsStack::Sign(context, principal::Anonymous());
      v1::ListOrganisationNetworksResponse page;
      grpc::Status s = stub_->ListOrganisationNetworks(&context, request, &page);
      if (!s.ok()) return s;
      out->insert(out->end(), page.memberships().begin(), page.memberships().end());
      if (page.next_page_token().empty()) return s;
      request.set_page_token(page.next_page_token());
    }
  }

  std::vector<Network> ListAll(v1::ListNetworksRequest request, int page_size = 500) {
    std::vector<Network> all;
    request.set_page_size(page_size);
    while (true) {
      grpc::ClientContext context;
      OrganisationsStack::Sign(context, principal::Anonymous());
      v1::ListNetworksResponse page;
      grpc::Status s = stub_->ListNetworks(&context, request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return all;
      all.insert(all.end(), page.networks().begin(), page.networks().end());
      if (page.next_page_token().empty()) return all;
      request.set_page_token(page.next_page_token());
    }
  }

  int CountNetworks() { return static_cast<int>(ListAll({}).size()); }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> organisations_;
  std::unique_ptr<v1::NetworkService::Stub> stub_;
  std::string kofoed_, biser_, orebro_, hordaland_, torun_;
};

TEST_F(NetworksTest, CoordinatorIsTheFirstMemberAndTextRoundTrips) {
  Network created = Danish();
  EXPECT_EQ(created.member_count(), 1);
  EXPECT_FALSE(created.etag().empty());
  EXPECT_EQ(created.title().translations().at("da"),
            "NGO Netværk for Internationalt Projektarbejde");
  EXPECT_TRUE(MessageDifferencer::Equals(MustGet(created.name()), created));
  std::vector<Membership> members = Members(created.name());
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].name(), MembershipName(created.name(), kofoed_));
  EXPECT_EQ(members[0].organisation(), kofoed_);
  EXPECT_EQ(members[0].role(), Membership::COORDINATOR);
  EXPECT_EQ(members[0].join_time().seconds(), created.create_time().seconds());
}

TEST_F(NetworksTest, OnlyTheCoordinatorsKeyOrAnOperatorCreates) {
  const Network danish = testing::seeds::NgoNetvaerk(kofoed_);
  grpc::Status s = Create(danish, nullptr, KeyOf(biser_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_COORDINATOR");
  s = Create(danish, nullptr, KeyOf(kofoed_, type::v1::SCOPE_READ));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "SCOPE_MISSING");
  EXPECT_EQ(Create(danish, nullptr, principal::Anonymous()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CountNetworks(), 0);
  EXPECT_TRUE(Create(danish, nullptr, principal::Admin()).ok());
  EXPECT_EQ(CountNetworks(), 1);
}

TEST_F(NetworksTest, UnknownCoordinatorIsNotFoundNamingTheFieldAndChangesNothing) {
  grpc::Status s = Create(testing::seeds::NgoNetvaerk("organisations/01jdz5c7m3zzzzzzzzzzzzzzzz"),
                          nullptr, principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("network.coordinator"), std::string::npos) << s.error_message();
  EXPECT_EQ(CountNetworks(), 0);
}

TEST_F(NetworksTest, BadInputIsInvalidArgumentNamingTheFieldAndChangesNothing) {
  struct BadInput {
    std::string what;
    std::function<void(Network&)> spoil;
    std::string field;
  };
  const std::vector<BadInput> cases = {
      {"no title", [](Network& n) { n.clear_title(); }, "network.title.translations"},
      {"region abroad", [](Network& n) { n.add_nuts_regions("SE124"); }, "network.nuts_regions[1]"},
      {"theme with spaces", [](Network& n) { n.add_themes("Green Transition"); },
       "network.themes[3]"},
      {"no admission", [](Network& n) { n.clear_admission(); }, "network.admission"},
      {"coordinator by display name", [](Network& n) { n.set_coordinator("Kofoeds Skole"); },
       "network.coordinator"},
      {"country xx", [](Network& n) { n.add_countries("XX"); }, "network.countries[1]"},
  };
  for (const BadInput& c : cases) {
    Network n = testing::seeds::NgoNetvaerk(kofoed_);
    c.spoil(n);
    grpc::Status s = Create(n, nullptr, principal::Admin());
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{c.field})
        << c.what << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(c.field), std::string::npos) << s.error_message();
  }
  EXPECT_EQ(CountNetworks(), 0);
}

TEST_F(NetworksTest, SameRequestIdReturnsTheFirstNetwork) {
  const Network danish = testing::seeds::NgoNetvaerk(kofoed_);
  Network first, second;
  ASSERT_TRUE(Create(danish, &first, KeyOf(kofoed_), "ngo-netvaerk-1").ok());
  ASSERT_TRUE(Create(danish, &second, KeyOf(kofoed_), "ngo-netvaerk-1").ok());
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  grpc::Status other = Create(testing::seeds::HordalandKommunenettverk(kofoed_), nullptr,
                              KeyOf(kofoed_), "ngo-netvaerk-1");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(other), "REQUEST_ID_REUSED");
  EXPECT_EQ(CountNetworks(), 1);
  EXPECT_EQ(Members(first.name()).size(), 1u);
}

TEST_F(NetworksTest, AKeyOfAnotherOrganisationChangesNothingOfANetworkItDoesNotCoordinate) {
  Network danish = Danish();
  Join(danish, torun_, Membership::MEMBER);
  const Network before = MustGet(danish.name());
  const std::vector<std::string> roster = Roster(danish.name());
  const Principal intruder = KeyOf(biser_, type::v1::SCOPE_ADMIN);

  Network patch;
  patch.set_name(danish.name());
  patch.set_etag(before.etag());
  patch.set_admission(Network::BY_INVITATION);
  patch.set_coordinator(biser_);
  for (const std::vector<std::string>& mask :
       {std::vector<std::string>{"admission"}, std::vector<std::string>{"coordinator"}}) {
    grpc::Status s = Update(patch, mask, intruder);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << mask[0];
    EXPECT_EQ(ReasonOf(s), "NOT_COORDINATOR");
  }
  EXPECT_EQ(Delete(danish.name(), intruder).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Add(danish.name(), orebro_, Membership::MEMBER, intruder).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Remove(danish.name(), torun_, intruder).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Remove(danish.name(), kofoed_, intruder).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Accept(danish.name(), torun_, intruder).error_code(), grpc::StatusCode::OK)
      << "accepting an ACTIVE membership changes nothing, whoever asks";

  EXPECT_TRUE(MessageDifferencer::Equals(MustGet(danish.name()), before));
  EXPECT_EQ(Roster(danish.name()), roster);
}

TEST_F(NetworksTest, AnOrganisationJoinsAnOpenNetworkByItselfAndLeaves) {
  Network danish = Danish();
  Membership joined;
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(biser_), &joined).ok());
  EXPECT_EQ(joined.name(), MembershipName(danish.name(), biser_));
  EXPECT_EQ(joined.role(), Membership::MENTOR);
  EXPECT_EQ(MustGet(danish.name()).member_count(), 2);
  std::vector<Membership> mine;
  ASSERT_TRUE(OrganisationNetworks(biser_, 10, &mine).ok());
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(mine[0], joined));

  ASSERT_TRUE(Remove(danish.name(), biser_, KeyOf(biser_)).ok());
  EXPECT_EQ(Roster(danish.name()), std::vector<std::string>{kofoed_ + ":COORDINATOR"});
  EXPECT_EQ(MustGet(danish.name()).member_count(), 1);
  grpc::Status again = Remove(danish.name(), biser_, KeyOf(biser_));
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(again), "MEMBERSHIP_NOT_FOUND");
}

// Membership is consented to by both sides: asking to join a network by invitation
// awaits its coordinator, and a proposed member counts for nothing until accepted.
TEST_F(NetworksTest, AskingToJoinANetworkByInvitationAwaitsTheCoordinator) {
  Network hordaland = Hordaland();
  Membership asked;
  ASSERT_TRUE(Add(hordaland.name(), torun_, Membership::MEMBER, KeyOf(torun_), &asked).ok());
  EXPECT_EQ(asked.state(), Membership::PROPOSED);
  EXPECT_EQ(asked.awaiting(), hordaland_);
  // It grants nothing: not counted, not listed to the public.
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 1);
  EXPECT_EQ(Roster(hordaland.name()), std::vector<std::string>{hordaland_ + ":COORDINATOR"});
  std::vector<Membership> public_view;
  ASSERT_TRUE(OrganisationNetworks(torun_, 10, &public_view).ok());
  EXPECT_TRUE(public_view.empty());
  // Both sides see it.
  EXPECT_EQ(MembersAs(hordaland.name(), KeyOf(hordaland_)).size(), 2u);
  std::vector<Membership> own_view = NetworksAs(torun_, KeyOf(torun_));
  ASSERT_EQ(own_view.size(), 1u);
  EXPECT_EQ(own_view[0].state(), Membership::PROPOSED);

  // The side that asked cannot accept for the other; a stranger is told who must.
  for (const Principal& caller : {KeyOf(torun_), KeyOf(biser_)}) {
    grpc::Status s = Accept(hordaland.name(), torun_, caller);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
    EXPECT_EQ(testing::MetadataOf(s, "organisation"), hordaland_);
  }
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 1);

  Membership accepted;
  ASSERT_TRUE(Accept(hordaland.name(), torun_, KeyOf(hordaland_), &accepted).ok());
  EXPECT_EQ(accepted.state(), Membership::ACTIVE);
  EXPECT_TRUE(accepted.awaiting().empty());
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 2);
  // A member leaves by itself whatever the admission.
  ASSERT_TRUE(Remove(hordaland.name(), torun_, KeyOf(torun_)).ok());
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 1);
}

TEST_F(NetworksTest, AnInvitedOrganisationAcceptsOrDeclines) {
  Network danish = Danish();
  Membership invited;
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(kofoed_), &invited).ok());
  EXPECT_EQ(invited.state(), Membership::PROPOSED);
  EXPECT_EQ(invited.awaiting(), biser_);
  EXPECT_EQ(MustGet(danish.name()).member_count(), 1);
  // The coordinator cannot accept its own invitation.
  EXPECT_EQ(ReasonOf(Accept(danish.name(), biser_, KeyOf(kofoed_))), "NOT_ACTING_FOR_ORGANISATION");
  // Declining is leaving: the invitation is gone.
  ASSERT_TRUE(Remove(danish.name(), biser_, KeyOf(biser_)).ok());
  EXPECT_EQ(MembersAs(danish.name(), KeyOf(kofoed_)).size(), 1u);
  EXPECT_EQ(Accept(danish.name(), biser_, KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);

  // Invited again, it accepts; accepting twice changes nothing.
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(kofoed_)).ok());
  Membership accepted, again;
  ASSERT_TRUE(Accept(danish.name(), biser_, KeyOf(biser_), &accepted).ok());
  ASSERT_TRUE(Accept(danish.name(), biser_, KeyOf(biser_), &again).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(accepted, again));
  EXPECT_EQ(Roster(danish.name()),
            (std::vector<std::string>{kofoed_ + ":COORDINATOR", biser_ + ":MENTOR"}));
  EXPECT_EQ(MustGet(danish.name()).member_count(), 2);
}

TEST_F(NetworksTest, ADelegateOfTheInviteeAcceptsForIt) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MEMBER, KeyOf(kofoed_)).ok());
  Principal portal = KeyOf(orebro_);
  Principal::Delegation* delegation = portal.add_delegations();
  delegation->set_organisation(biser_);
  delegation->add_scopes(type::v1::ORGANISATIONS_WRITE);
  *delegation->mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  Principal wrong_scope = portal;
  wrong_scope.mutable_delegations(0)->clear_scopes();
  wrong_scope.mutable_delegations(0)->add_scopes(type::v1::EVENTS_WRITE);
  EXPECT_EQ(ReasonOf(Accept(danish.name(), biser_, wrong_scope)), "NOT_ACTING_FOR_ORGANISATION");
  Membership accepted;
  ASSERT_TRUE(Accept(danish.name(), biser_, portal, &accepted).ok());
  EXPECT_EQ(accepted.state(), Membership::ACTIVE);
}

TEST_F(NetworksTest, MembershipRulesOfAddMember) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MEMBER, KeyOf(biser_)).ok());
  grpc::Status twice = Add(danish.name(), biser_, Membership::MENTOR, KeyOf(kofoed_));
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(twice), "ALREADY_MEMBER");

  grpc::Status coordinator = Add(danish.name(), orebro_, Membership::COORDINATOR, KeyOf(kofoed_));
  EXPECT_EQ(coordinator.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(coordinator), std::vector<std::string>{"membership.role"});

  grpc::Status unknown = Add(danish.name(), "organisations/01jdz5c7m3zzzzzzzzzzzzzzzz",
                             Membership::MEMBER, KeyOf(kofoed_));
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(unknown.error_message().find("membership.organisation"), std::string::npos);

  EXPECT_EQ(Add("networks/01jdz5c7m3zzzzzzzzzzzzzzzz", biser_, Membership::MEMBER, KeyOf(biser_))
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Roster(danish.name()),
            (std::vector<std::string>{kofoed_ + ":COORDINATOR", biser_ + ":MEMBER"}));
}

TEST_F(NetworksTest, SameRequestIdOfAddMemberReturnsTheFirstMembership) {
  Network danish = Danish();
  Membership first, second;
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(biser_), &first, "join-1").ok());
  ASSERT_TRUE(
      Add(danish.name(), biser_, Membership::MENTOR, KeyOf(biser_), &second, "join-1").ok());
  EXPECT_TRUE(MessageDifferencer::Equals(first, second));
  EXPECT_EQ(MustGet(danish.name()).member_count(), 2);
}

TEST_F(NetworksTest, TheCoordinatorsMembershipCannotBeRemoved) {
  Network danish = Danish();
  for (const Principal& caller : {KeyOf(kofoed_), principal::Admin()}) {
    grpc::Status s = Remove(danish.name(), kofoed_, caller);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(ReasonOf(s), "COORDINATOR_MEMBERSHIP");
  }
  EXPECT_EQ(Roster(danish.name()), std::vector<std::string>{kofoed_ + ":COORDINATOR"});
}

TEST_F(NetworksTest, ChangingTheCoordinatorMovesTheRoleInOneStep) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), torun_, Membership::MENTOR, KeyOf(torun_)).ok());
  Network patch;
  patch.set_name(danish.name());
  patch.set_coordinator(biser_);  // not a member yet: joins as coordinator
  Network updated;
  // Nobody is made coordinator without acting for it: Kofoeds alone cannot hand over.
  grpc::Status alone = Update(patch, {"coordinator"}, KeyOf(kofoed_));
  EXPECT_EQ(alone.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(alone), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(MustGet(danish.name()).coordinator(), kofoed_);
  ASSERT_TRUE(Update(patch, {"coordinator"}, principal::Admin(), &updated).ok());
  EXPECT_EQ(updated.coordinator(), biser_);
  EXPECT_EQ(updated.member_count(), 3);
  EXPECT_EQ(
      Roster(danish.name()),
      (std::vector<std::string>{kofoed_ + ":MEMBER", torun_ + ":MENTOR", biser_ + ":COORDINATOR"}));

  // The former coordinator is now a member like any other; the new one manages.
  patch.set_admission(Network::BY_INVITATION);
  EXPECT_EQ(Update(patch, {"admission"}, KeyOf(kofoed_)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Update(patch, {"admission"}, KeyOf(biser_)).ok());
  ASSERT_TRUE(Remove(danish.name(), kofoed_, KeyOf(kofoed_)).ok());

  // Back to an existing member: its role changes, it does not join twice.
  patch.set_coordinator(torun_);
  ASSERT_TRUE(Update(patch, {"coordinator"}, principal::Admin(), &updated).ok());
  EXPECT_EQ(Roster(danish.name()),
            (std::vector<std::string>{torun_ + ":COORDINATOR", biser_ + ":MEMBER"}));
  EXPECT_EQ(updated.member_count(), 2);
}

TEST_F(NetworksTest, AnUnknownNewCoordinatorChangesNothing) {
  Network danish = Danish();
  Network patch;
  patch.set_name(danish.name());
  patch.set_coordinator("organisations/01jdz5c7m3zzzzzzzzzzzzzzzz");
  // Even an operator, who acts for every organisation, cannot hand over to none.
  grpc::Status s = Update(patch, {"coordinator"}, principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("network.coordinator"), std::string::npos);
  EXPECT_TRUE(MessageDifferencer::Equals(MustGet(danish.name()), danish));
  EXPECT_EQ(Roster(danish.name()), std::vector<std::string>{kofoed_ + ":COORDINATOR"});
}

TEST_F(NetworksTest, StaleEtagOrBrokenRuleChangesNothing) {
  Network danish = Danish();
  Network patch;
  patch.set_name(danish.name());
  patch.set_etag(danish.etag());
  patch.add_themes("youth");
  Network updated;
  ASSERT_TRUE(Update(patch, {"themes"}, KeyOf(kofoed_), &updated).ok());
  EXPECT_NE(updated.etag(), danish.etag());

  grpc::Status stale = Update(patch, {"themes"}, KeyOf(kofoed_));  // the first etag again
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(stale), "ETAG_MISMATCH");
  EXPECT_EQ(Delete(danish.name(), KeyOf(kofoed_), danish.etag()).error_code(),
            grpc::StatusCode::ABORTED);

  patch.clear_etag();
  patch.add_countries("SE");  // DK01 is left without its country
  grpc::Status broken = Update(patch, {"countries"}, KeyOf(kofoed_));
  EXPECT_EQ(broken.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(broken), std::vector<std::string>{"network.nuts_regions[0]"});
  EXPECT_EQ(FieldsOf(Update(patch, {"member_count"}, KeyOf(kofoed_))),
            std::vector<std::string>{"update_mask"});
  EXPECT_TRUE(MessageDifferencer::Equals(MustGet(danish.name()), updated));
}

TEST_F(NetworksTest, DeletingANetworkRemovesItsMemberships) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MEMBER, KeyOf(biser_)).ok());
  ASSERT_TRUE(Delete(danish.name(), KeyOf(kofoed_), danish.etag()).ok());
  Network read;
  EXPECT_EQ(Get(danish.name(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
  std::vector<Membership> mine;
  ASSERT_TRUE(OrganisationNetworks(biser_, 10, &mine).ok());
  EXPECT_TRUE(mine.empty());
  EXPECT_EQ(Delete(danish.name(), principal::Admin()).error_code(), grpc::StatusCode::NOT_FOUND);
}

// An organisation that coordinates a network cannot be deleted: the network would be
// left without anyone to manage it. Hand it over (or delete it) first.
TEST_F(NetworksTest, DeletingTheCoordinatorIsRefusedNamingTheNetworkUntilHandedOver) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MEMBER, KeyOf(biser_)).ok());
  grpc::Status s = DeleteOrganisation(kofoed_);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "COORDINATES_NETWORK");
  EXPECT_NE(s.error_message().find(danish.name()), std::string::npos) << s.error_message();
  EXPECT_EQ(MustGet(danish.name()).coordinator(), kofoed_);
  EXPECT_EQ(Roster(danish.name()),
            (std::vector<std::string>{kofoed_ + ":COORDINATOR", biser_ + ":MEMBER"}));

  Network patch;
  patch.set_name(danish.name());
  patch.set_coordinator(biser_);
  ASSERT_TRUE(Update(patch, {"coordinator"}, principal::Admin()).ok());
  ASSERT_TRUE(DeleteOrganisation(kofoed_).ok());
  // Its membership went with it.
  EXPECT_EQ(Roster(danish.name()), std::vector<std::string>{biser_ + ":COORDINATOR"});
  EXPECT_EQ(MustGet(danish.name()).member_count(), 1);
}

TEST_F(NetworksTest, DeletingAMemberOrganisationRemovesItsMemberships) {
  Network danish = Danish();
  Network hordaland = Hordaland();
  ASSERT_TRUE(Add(danish.name(), torun_, Membership::MEMBER, KeyOf(torun_)).ok());
  Join(hordaland, torun_, Membership::MENTOR);
  ASSERT_TRUE(DeleteOrganisation(torun_).ok());
  EXPECT_EQ(MustGet(danish.name()).member_count(), 1);
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 1);
  std::vector<Membership> gone;
  grpc::Status s = OrganisationNetworks(torun_, 10, &gone);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "ORGANISATION_NOT_FOUND");
}

TEST_F(NetworksTest, ListFiltersByCountryNutsPrefixAndTheme) {
  Network danish = Danish();
  Network hordaland = Hordaland();
  Network baltic = testing::seeds::NgoNetvaerk(biser_);
  baltic.clear_countries();
  baltic.add_countries("PL");
  baltic.add_countries("SE");
  baltic.clear_nuts_regions();
  baltic.add_nuts_regions("PL63");
  baltic.add_nuts_regions("SE124");
  baltic.clear_themes();
  baltic.add_themes("baltic-sea");
  baltic = MustCreate(baltic);

  auto names = [](const std::vector<Network>& networks) {
    std::vector<std::string> found;
    for (const Network& n : networks) found.push_back(n.name());
    return found;
  };
  v1::ListNetworksRequest request;
  EXPECT_EQ(names(ListAll(request, 1)),
            (std::vector<std::string>{danish.name(), hordaland.name(), baltic.name()}));
  request.add_countries("NO");
  request.add_countries("SE");
  EXPECT_EQ(names(ListAll(request)), (std::vector<std::string>{hordaland.name(), baltic.name()}));
  request.Clear();
  request.set_nuts_prefix("SE1");
  EXPECT_EQ(names(ListAll(request)), std::vector<std::string>{baltic.name()});
  request.Clear();
  request.add_themes("green-transition");
  request.add_themes("eu-programmes");
  EXPECT_EQ(names(ListAll(request)), (std::vector<std::string>{danish.name(), hordaland.name()}));

  v1::ListNetworksRequest bad;
  bad.add_countries("XX");
  bad.set_nuts_prefix("dk");
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous());
  v1::ListNetworksResponse page;
  grpc::Status s = stub_->ListNetworks(&context, bad, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), (std::vector<std::string>{"countries[0]", "nuts_prefix"}));
}

TEST_F(NetworksTest, MembersComeInJoinOrderPageByPageAndFilterByRole) {
  Network hordaland = Hordaland();
  std::vector<std::string> expected = {hordaland_};
  for (int i = 0; i < 7; ++i) {
    Organisation municipality = testing::seeds::HordalandFylkeskommune();
    municipality.set_display_name(absl::StrCat("Kommune ", i));
    municipality.set_kind(Organisation::MUNICIPALITY);
    municipality.clear_identifiers();
    const std::string name = MustCreateOrganisation(municipality);
    Join(hordaland, name, i % 3 == 0 ? Membership::MENTOR : Membership::MEMBER);
    expected.push_back(name);
  }
  std::vector<std::string> paged;
  for (const Membership& m : Members(hordaland.name(), /*page_size=*/3)) {
    paged.push_back(m.organisation());
  }
  EXPECT_EQ(paged, expected);
  std::vector<Membership> mentors =
      Members(hordaland.name(), 2, {Membership::MENTOR, Membership::COORDINATOR});
  ASSERT_EQ(mentors.size(), 4u);
  EXPECT_EQ(mentors[0].role(), Membership::COORDINATOR);
  for (size_t i = 1; i < mentors.size(); ++i) EXPECT_EQ(mentors[i].role(), Membership::MENTOR);
  EXPECT_EQ(MustGet(hordaland.name()).member_count(), 8);
}

TEST_F(NetworksTest, AnOrganisationsNetworksComeInJoinOrder) {
  Network danish = Danish();
  Network hordaland = Hordaland();
  Join(hordaland, biser_, Membership::MEMBER);
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(biser_)).ok());
  std::vector<Membership> mine;
  ASSERT_TRUE(OrganisationNetworks(biser_, 1, &mine).ok());
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].name(), MembershipName(hordaland.name(), biser_));
  EXPECT_EQ(mine[0].role(), Membership::MEMBER);
  EXPECT_EQ(mine[1].name(), MembershipName(danish.name(), biser_));
  EXPECT_EQ(mine[1].role(), Membership::MENTOR);

  std::vector<Membership> none;
  grpc::Status s = OrganisationNetworks("organisations/01jdz5c7m3zzzzzzzzzzzzzzzz", 10, &none);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

// Partner search reads network_members directly: these columns are a contract.
TEST_F(NetworksTest, MembershipsAreRowsOfNetworkMembers) {
  Network danish = Danish();
  ASSERT_TRUE(Add(danish.name(), biser_, Membership::MENTOR, KeyOf(biser_)).ok());
  const pg::Statement kRows{
      "SELECT network_id, organisation_id, role, join_time FROM network_members"
      " ORDER BY join_time, organisation_id"};
  absl::StatusOr<pg::Result> rows = stack_.pool().Exec(kRows);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows(), 2);
  EXPECT_EQ("networks/" + rows->GetString(0, 0), danish.name());
  EXPECT_EQ("organisations/" + rows->GetString(0, 1), kofoed_);
  EXPECT_EQ(rows->GetString(0, 2), "COORDINATOR");
  EXPECT_EQ("organisations/" + rows->GetString(1, 1), biser_);
  EXPECT_EQ(rows->GetString(1, 2), "MENTOR");
}

}  // namespace
}  // namespace coopnet::organisations
