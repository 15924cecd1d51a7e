// WatchOrganisations: every committed change to the directory, from a cursor on, through
// the outbox and the Redis stream, on real PostgreSQL and Redis.
#include <gtest/gtest.h>

#include "common/outbox/stream.h"
#include "coopnet/organisations/v1/interests.grpc.pb.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/watcher.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using testing::OrganisationsStack;
using v1::Organisation;
using v1::OrganisationChange;

class OrganisationsWatchTest : public ::testing::Test {
 protected:
  OrganisationsWatchTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()), stub_(stack_.Stub()) {}

  grpc::Status Create(const Organisation& o, Organisation* out,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    request.set_request_id(request_id);
    return stub_->CreateOrganisation(&context, request, out);
  }

  Organisation MustCreate(const Organisation& o) {
    Organisation created;
    grpc::Status s = Create(o, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  void SetLookingForPartners(const std::string& name, bool looking) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::UpdateOrganisationRequest request;
    request.mutable_organisation()->set_name(name);
    request.mutable_organisation()->set_looking_for_partners(looking);
    request.mutable_update_mask()->add_paths("looking_for_partners");
    Organisation updated;
    grpc::Status s = stub_->UpdateOrganisation(&context, request, &updated);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  void Delete(const std::string& name) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::DeleteOrganisationRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    grpc::Status s = stub_->DeleteOrganisation(&context, request, &empty);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  // A watch from `cursor` as `caller`.
  std::unique_ptr<testing::Watcher<OrganisationChange>> Watch(
      const std::string& cursor, const Principal& caller = principal::Anonymous("192.0.2.7")) {
    return std::make_unique<testing::Watcher<OrganisationChange>>(
        caller, [&](grpc::ClientContext* context) {
          v1::WatchOrganisationsRequest request;
          request.set_cursor(cursor);
          return stub_->WatchOrganisations(context, request);
        });
  }

  static Principal KeyOf(const std::string& organisation, type::v1::Scope scope) {
    return principal::ApiKey(organisation, organisation + "/apiKeys/1",
                             {scope, type::v1::SCOPE_READ});
  }

  static Principal Reader() {
    return principal::ApiKey("organisations/1", "organisations/1/apiKeys/1",
                             {type::v1::SCOPE_READ});
  }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> stub_;
};

TEST_F(OrganisationsWatchTest, StreamsCreateUpdateAndDeleteInOrderAndResumesFromACursor) {
  Organisation kofoed = MustCreate(testing::seeds::KofoedsSkole());
  SetLookingForPartners(kofoed.name(), false);
  Delete(kofoed.name());

  auto watch = Watch("0", Reader());
  std::vector<OrganisationChange> changes = watch->Await(3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].type(), OrganisationChange::CREATED);
  EXPECT_EQ(changes[0].organisation().name(), kofoed.name());
  EXPECT_EQ(changes[0].organisation().display_name(), kofoed.display_name());
  EXPECT_EQ(changes[1].type(), OrganisationChange::UPDATED);
  EXPECT_FALSE(changes[1].organisation().looking_for_partners());
  EXPECT_EQ(changes[1].organisation().etag(), "r2");
  EXPECT_EQ(changes[2].type(), OrganisationChange::DELETED);
  EXPECT_EQ(changes[2].organisation().name(), kofoed.name());
  EXPECT_TRUE(changes[2].organisation().display_name().empty());
  EXPECT_GT(changes[2].change_time().seconds(), 0);

  // From the first change's cursor: the other two, then what comes next.
  auto resumed = Watch(changes[0].cursor(), Reader());
  std::vector<OrganisationChange> after_first = resumed->Await(2);
  ASSERT_EQ(after_first.size(), 2u);
  EXPECT_EQ(after_first[0].cursor(), changes[1].cursor());
  Organisation biser = MustCreate(testing::seeds::BiserGdansk());
  std::vector<OrganisationChange> live = resumed->Await(3);
  ASSERT_EQ(live.size(), 3u);
  EXPECT_EQ(live[2].type(), OrganisationChange::CREATED);
  EXPECT_EQ(live[2].organisation().name(), biser.name());
}

// A portal acting for an organisation learns from the stream that a network awaits it.
TEST_F(OrganisationsWatchTest, AMembershipProposalReachesTheAwaitedSideOnly) {
  const Organisation kofoed = MustCreate(testing::seeds::KofoedsSkole());
  const Organisation biser = MustCreate(testing::seeds::BiserGdansk());
  auto networks = stack_.NetworkStub();
  v1::Network network;
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateNetworkRequest request;
    *request.mutable_network() = testing::seeds::NgoNetvaerk(kofoed.name());
    grpc::Status s = networks->CreateNetwork(&context, request, &network);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::Membership invited;
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(kofoed.name(), type::v1::SCOPE_WRITE));
    v1::AddMemberRequest request;
    request.set_parent(network.name());
    request.mutable_membership()->set_organisation(biser.name());
    request.mutable_membership()->set_role(v1::Membership::MENTOR);
    grpc::Status s = networks->AddMember(&context, request, &invited);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(biser.name(), type::v1::SCOPE_WRITE));
    v1::AcceptMembershipRequest request;
    request.set_name(invited.name());
    v1::Membership accepted;
    grpc::Status s = networks->AcceptMembership(&context, request, &accepted);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // From the start: the two organisations created, then the membership.
  std::vector<OrganisationChange> seen =
      Watch("0", KeyOf(biser.name(), type::v1::SCOPE_READ))->Await(4);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].type(), OrganisationChange::MEMBERSHIP_PROPOSED);
  EXPECT_EQ(seen[2].membership().awaiting(), biser.name());
  EXPECT_EQ(seen[2].organisation().name(), biser.name());
  EXPECT_EQ(seen[3].type(), OrganisationChange::MEMBERSHIP_ACTIVE);
  EXPECT_EQ(seen[3].membership().state(), v1::Membership::ACTIVE);
  // Another reader sees the membership once it is public, never the proposal.
  std::vector<OrganisationChange> public_view = Watch("0", Reader())->Await(3);
  ASSERT_EQ(public_view.size(), 3u);
  EXPECT_EQ(public_view[2].type(), OrganisationChange::MEMBERSHIP_ACTIVE);
  EXPECT_EQ(public_view[2].cursor(), seen[3].cursor());
}

// An expression of interest is told to its two sides, without its contact person.
TEST_F(OrganisationsWatchTest, AnInterestReachesItsTwoSidesOnlyWithoutTheContactPerson) {
  const Organisation biser = MustCreate(testing::seeds::BiserGdansk());
  const Organisation orebro = MustCreate(testing::seeds::RegionOrebro());
  auto interests = v1::InterestService::NewStub(stack_.channel());
  v1::Interest sent;
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(orebro.name(), type::v1::SCOPE_WRITE));
    v1::CreateInterestRequest request;
    request.set_parent(biser.name());
    request.mutable_interest()->set_organisation(orebro.name());
    request.mutable_interest()->set_message("Vi söker partner inom kultur.");
    request.mutable_interest()->mutable_contact()->set_name("Anna Berg");
    request.mutable_interest()->mutable_contact()->set_email("anna.berg@regionorebrolan.se");
    grpc::Status s = interests->CreateInterest(&context, request, &sent);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(biser.name(), type::v1::SCOPE_WRITE));
    v1::DeclineInterestRequest request;
    request.set_name(sent.name());
    v1::Interest declined;
    grpc::Status s = interests->DeclineInterest(&context, request, &declined);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  for (const Organisation& side : {biser, orebro}) {
    std::vector<OrganisationChange> seen =
        Watch("0", KeyOf(side.name(), type::v1::SCOPE_READ))->Await(4);
    ASSERT_EQ(seen.size(), 4u) << side.display_name();
    EXPECT_EQ(seen[2].type(), OrganisationChange::INTEREST_RECEIVED);
    EXPECT_EQ(seen[2].organisation().name(), biser.name());
    EXPECT_EQ(seen[2].interest().name(), sent.name());
    EXPECT_FALSE(seen[2].interest().has_contact());
    EXPECT_EQ(seen[3].type(), OrganisationChange::INTEREST_ANSWERED);
    EXPECT_EQ(seen[3].interest().state(), v1::Interest::DECLINED);
  }
  // Another reader sees the two organisations and then whatever comes next, no interest.
  auto stranger = Watch("0", Reader());
  EXPECT_EQ(stranger->Await(2).size(), 2u);
  MustCreate(testing::seeds::KofoedsSkole());
  std::vector<OrganisationChange> next = stranger->Await(3);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[2].type(), OrganisationChange::CREATED);
}

TEST_F(OrganisationsWatchTest, RefusedAndRetriedWritesAnnounceNothingMore) {
  Organisation broken = testing::seeds::KofoedsSkole();
  broken.set_country("XX");
  Organisation ignored;
  EXPECT_EQ(Create(broken, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Organisation first;
  ASSERT_TRUE(Create(testing::seeds::KofoedsSkole(), &first, "kofoed-1").ok());
  Organisation again;
  ASSERT_TRUE(Create(testing::seeds::KofoedsSkole(), &again, "kofoed-1").ok());
  EXPECT_EQ(again.name(), first.name());
  Organisation biser = MustCreate(testing::seeds::BiserGdansk());

  auto watch = Watch("0", Reader());
  std::vector<OrganisationChange> changes = watch->Await(2);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].organisation().name(), first.name());
  EXPECT_EQ(changes[1].organisation().name(), biser.name());
  // Nothing else is on its way: a later change is the next one the watch gets.
  Delete(biser.name());
  changes = watch->Await(3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[2].type(), OrganisationChange::DELETED);
}

TEST_F(OrganisationsWatchTest, WithoutACursorStartsWithChangesFromNowOn) {
  Organisation before = MustCreate(testing::seeds::KofoedsSkole());
  // "From now on" is from what the stream holds: wait until the relay has moved it there.
  outbox::StreamReader stream({.address = testing::SharedRedisAddress()}, stack_.stream());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    absl::StatusOr<std::vector<outbox::StreamEntry>> entries =
        stream.Read("0", absl::Milliseconds(100), 10);
    if (entries.ok() && !entries->empty()) break;
  }
  auto watch = Watch("", Reader());
  // The watch begins once it has read where the stream ends: create until it reports.
  std::vector<OrganisationChange> changes;
  for (int attempt = 0; attempt < 40 && changes.empty(); ++attempt) {
    Organisation later = testing::seeds::BiserGdansk();
    later.clear_identifiers();
    MustCreate(later);
    changes = watch->Await(1, absl::Milliseconds(500));
  }
  ASSERT_FALSE(changes.empty());
  EXPECT_NE(changes[0].organisation().name(), before.name());
}

TEST_F(OrganisationsWatchTest, RefusesAnonymousCallersAndBadCursors) {
  EXPECT_EQ(Watch("")->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Watch("yesterday", Reader())->Finish().error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace coopnet::organisations
