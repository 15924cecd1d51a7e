// Delegations through the gateway, in front of the real organisations and events
// processes: an organisation lets a regional portal act for it within named scopes; the
// portal's key then writes in the organisation's name, and stops when the delegation is
// revoked or expires. Nobody else writes in another's name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "coopnet/organisations/v1/delegations.grpc.pb.h"
#include "tests/harness/errors.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::gateway {
namespace {

using testing::FieldsOf;
using testing::MetadataOf;
using testing::ReasonOf;

using testing::EventsStack;
using testing::GatewayStack;
namespace org = organisations::v1;
namespace ev = events::v1;

// How long the gateway trusts an authentication here: a revocation shows within it.
constexpr absl::Duration kKeyCacheTime = absl::Seconds(1);

void Authorise(grpc::ClientContext& context, const std::string& key) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
}

GatewayOptions ShortKeyCache() {
  GatewayOptions options = GatewayStack::Unlimited();
  options.key_cache_time = kKeyCacheTime;
  return options;
}

class DelegationsTest : public ::testing::Test {
 protected:
  DelegationsTest()
      : backends_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        gateway_(testing::BackendsOf(backends_), ShortKeyCache()),
        organisations_(org::OrganisationService::NewStub(gateway_.channel())),
        keys_(org::ApiKeyService::NewStub(gateway_.channel())),
        delegations_(org::DelegationService::NewStub(gateway_.channel())),
        events_(ev::EventService::NewStub(gateway_.channel())) {
    kofoeds_ = CreateOrganisation(testing::seeds::KofoedsSkole());
    portal_ = CreateOrganisation(testing::seeds::RegionOrebro());
    stranger_ = CreateOrganisation(testing::seeds::BiserGdansk());
    kofoeds_admin_ = CreateKey(kofoeds_, {type::v1::SCOPE_ADMIN});
    portal_key_ = CreateKey(portal_, {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
    portal_admin_ = CreateKey(portal_, {type::v1::SCOPE_ADMIN});
    stranger_key_ = CreateKey(stranger_, {type::v1::SCOPE_ADMIN});
  }

  std::string CreateOrganisation(const org::Organisation& organisation) {
    return gateway_.CreateOrganisation(organisation).name();
  }

  std::string CreateKey(const std::string& organisation, std::vector<type::v1::Scope> scopes) {
    return gateway_.CreateKey(organisation, scopes).key();
  }

  // Kofoeds' delegation of `scopes` to the portal, until `expire`.
  static org::Delegation ToPortal(const std::string& portal,
                                  std::vector<type::v1::DelegationScope> scopes,
                                  absl::Time expire = absl::Now() + absl::Hours(24 * 30)) {
    org::Delegation d;
    d.set_delegate(portal);
    for (type::v1::DelegationScope scope : scopes) d.add_scopes(scope);
    d.set_purpose("Region Örebro's portal publishes our meetings");
    *d.mutable_expire_time() = ToTimestamp(expire);
    return d;
  }

  grpc::Status Grant(const std::string& key, const std::string& grantor,
                     const org::Delegation& delegation, org::Delegation* granted) {
    grpc::ClientContext context;
    Authorise(context, key);
    org::CreateDelegationRequest request;
    request.set_parent(grantor);
    *request.mutable_delegation() = delegation;
    return delegations_->CreateDelegation(&context, request, granted);
  }

  grpc::Status Revoke(const std::string& key, const std::string& name) {
    grpc::ClientContext context;
    Authorise(context, key);
    org::RevokeDelegationRequest request;
    request.set_name(name);
    org::Delegation revoked;
    return delegations_->RevokeDelegation(&context, request, &revoked);
  }

  grpc::Status List(const std::string& key, const std::string& parent, const std::string& delegate,
                    org::ListDelegationsResponse* listed) {
    grpc::ClientContext context;
    Authorise(context, key);
    org::ListDelegationsRequest request;
    request.set_parent(parent);
    request.set_delegate(delegate);
    return delegations_->ListDelegations(&context, request, listed);
  }

  grpc::Status CreateMeetingFor(const std::string& key, const std::string& organiser,
                                ev::Event* created) {
    grpc::ClientContext context;
    Authorise(context, key);
    ev::CreateEventRequest request;
    *request.mutable_event() = testing::seeds::CopenhagenInfoMeeting(organiser);
    return events_->CreateEvent(&context, request, created);
  }

  grpc::Status Rename(const std::string& key, const std::string& organisation) {
    grpc::ClientContext context;
    Authorise(context, key);
    org::UpdateOrganisationRequest request;
    request.mutable_organisation()->set_name(organisation);
    request.mutable_organisation()->set_display_name("Taken over");
    request.mutable_update_mask()->add_paths("display_name");
    org::Organisation updated;
    return organisations_->UpdateOrganisation(&context, request, &updated);
  }

  int EventsOrganisedBy(const std::string& organiser) {
    grpc::ClientContext context;
    Authorise(context, testing::kTestAdminKey);
    ev::ListEventsRequest request;
    request.set_organiser(organiser);
    ev::ListEventsResponse listed;
    grpc::Status s = events_->ListEvents(&context, request, &listed);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return listed.events_size();
  }

  // Asks `write` until it is refused, for at most `within`; true when it was.
  static bool RefusedWithin(absl::Duration within, const std::function<grpc::Status()>& write,
                            grpc::Status* refusal) {
    const absl::Time until = absl::Now() + within;
    do {
      *refusal = write();
      if (!refusal->ok()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < until);
    return false;
  }

  testing::TestDatabase organisations_db_, events_db_;
  EventsStack backends_;
  GatewayStack gateway_;
  std::unique_ptr<org::OrganisationService::Stub> organisations_;
  std::unique_ptr<org::ApiKeyService::Stub> keys_;
  std::unique_ptr<org::DelegationService::Stub> delegations_;
  std::unique_ptr<ev::EventService::Stub> events_;
  std::string kofoeds_, portal_, stranger_;
  std::string kofoeds_admin_, portal_key_, portal_admin_, stranger_key_;
};

TEST_F(DelegationsTest, NobodyPublishesAnEventInAnothersName) {
  ev::Event created;
  grpc::Status s = CreateMeetingFor(stranger_key_, kofoeds_, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(MetadataOf(s, "organisation"), kofoeds_);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("event.organiser"));
  EXPECT_EQ(CreateMeetingFor(portal_key_, kofoeds_, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(EventsOrganisedBy(kofoeds_), 0);
}

TEST_F(DelegationsTest, APortalActsWithinTheScopesItWasGivenUntilRevoked) {
  org::Delegation granted;
  grpc::Status s =
      Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::EVENTS_WRITE}), &granted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(granted.state(), org::Delegation::ACTIVE);
  EXPECT_THAT(granted.name(), ::testing::StartsWith(kofoeds_ + "/delegations/"));

  ev::Event created;
  s = CreateMeetingFor(portal_key_, kofoeds_, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.organiser(), kofoeds_);
  // Events, not the organisation's profile: that scope was not given.
  EXPECT_EQ(Rename(portal_key_, kofoeds_).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The delegation is the portal's, not anybody's.
  EXPECT_EQ(CreateMeetingFor(stranger_key_, kofoeds_, &created).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(Revoke(kofoeds_admin_, granted.name()).ok());
  const absl::Time revoked_at = absl::Now();
  // No write asked after the key cache time goes through; how long a call takes does not
  // count.
  absl::Time last_let_in = revoked_at;
  grpc::Status refusal;
  ASSERT_TRUE(RefusedWithin(
      kKeyCacheTime + absl::Seconds(4),
      [&] {
        const absl::Time asked = absl::Now();
        grpc::Status answer = CreateMeetingFor(portal_key_, kofoeds_, &created);
        if (answer.ok()) last_let_in = asked;
        return answer;
      },
      &refusal))
      << "the portal still writes for Kofoeds after revocation";
  EXPECT_LT(last_let_in - revoked_at, kKeyCacheTime + absl::Milliseconds(200));
  EXPECT_EQ(ReasonOf(refusal), "NOT_ACTING_FOR_ORGANISATION");
  // A refused write changes nothing.
  const int organised = EventsOrganisedBy(kofoeds_);
  EXPECT_FALSE(CreateMeetingFor(portal_key_, kofoeds_, &created).ok());
  EXPECT_EQ(EventsOrganisedBy(kofoeds_), organised);
}

TEST_F(DelegationsTest, ADelegationEndsByItselfAtItsExpiry) {
  const absl::Time expire = absl::Now() + absl::Seconds(3);
  org::Delegation granted;
  ASSERT_TRUE(
      Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::EVENTS_WRITE}, expire), &granted)
          .ok());
  ev::Event created;
  grpc::Status s = CreateMeetingFor(portal_key_, kofoeds_, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  grpc::Status refusal;
  ASSERT_TRUE(RefusedWithin(
      absl::Seconds(8), [&] { return CreateMeetingFor(portal_key_, kofoeds_, &created); },
      &refusal));
  // Refused from the expiry on, even while the gateway still holds the authentication.
  EXPECT_GE(absl::Now(), expire);
  EXPECT_LT(absl::Now() - expire, absl::Seconds(2));
  EXPECT_EQ(ReasonOf(refusal), "NOT_ACTING_FOR_ORGANISATION");

  org::ListDelegationsResponse listed;
  ASSERT_TRUE(List(kofoeds_admin_, kofoeds_, "", &listed).ok());
  ASSERT_EQ(listed.delegations_size(), 1);
  EXPECT_EQ(listed.delegations(0).state(), org::Delegation::EXPIRED);
}

TEST_F(DelegationsTest, OnlyTheGrantorsAdminKeyGrantsAndADelegationIsNeverPassedOn) {
  org::Delegation granted;
  grpc::Status s =
      Grant(stranger_key_, kofoeds_, ToPortal(stranger_, {type::v1::EVENTS_WRITE}), &granted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_DELEGATION_ADMIN");

  ASSERT_TRUE(Grant(kofoeds_admin_, kofoeds_,
                    ToPortal(portal_, {type::v1::EVENTS_WRITE, type::v1::ORGANISATIONS_WRITE}),
                    &granted)
                  .ok());
  // The portal, even with its admin key and every scope of Kofoeds, grants nothing in
  // Kofoeds' name.
  s = Grant(portal_admin_, kofoeds_, ToPortal(stranger_, {type::v1::EVENTS_WRITE}), &granted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  org::ListDelegationsResponse listed;
  ASSERT_TRUE(List(kofoeds_admin_, kofoeds_, "", &listed).ok());
  EXPECT_EQ(listed.delegations_size(), 1);
}

TEST_F(DelegationsTest, OneActiveDelegationPerDelegateAndBadInputIsNamed) {
  org::Delegation granted;
  ASSERT_TRUE(
      Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::EVENTS_WRITE}), &granted).ok());
  org::Delegation again;
  grpc::Status s =
      Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::REGISTRATIONS_WRITE}), &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(s), "DELEGATION_EXISTS");
  EXPECT_EQ(MetadataOf(s, "delegation"), granted.name());

  s = Grant(kofoeds_admin_, kofoeds_, ToPortal(kofoeds_, {type::v1::EVENTS_WRITE}), &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(s), ::testing::ElementsAre("delegation.delegate"));

  s = Grant(kofoeds_admin_, kofoeds_,
            ToPortal("organisations/01aaaaaaaaaaaaaaaaaaaaaaaa", {type::v1::EVENTS_WRITE}), &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("delegation.delegate"));

  // After a revocation the same delegate can be given other scopes.
  ASSERT_TRUE(Revoke(kofoeds_admin_, granted.name()).ok());
  s = Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::REGISTRATIONS_WRITE}), &again);
  ASSERT_TRUE(s.ok()) << s.error_message();

  org::ListDelegationsResponse listed;
  ASSERT_TRUE(List(kofoeds_admin_, kofoeds_, "", &listed).ok());
  ASSERT_EQ(listed.delegations_size(), 2);
  EXPECT_EQ(listed.delegations(0).state(), org::Delegation::REVOKED);
  EXPECT_EQ(listed.delegations(1).state(), org::Delegation::ACTIVE);
}

TEST_F(DelegationsTest, TheDelegateSeesWhatItHoldsAndMayGiveItUp) {
  org::Delegation granted;
  ASSERT_TRUE(
      Grant(kofoeds_admin_, kofoeds_, ToPortal(portal_, {type::v1::EVENTS_WRITE}), &granted).ok());

  org::ListDelegationsResponse held;
  grpc::Status s = List(portal_key_, "organisations/-", portal_, &held);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(held.delegations_size(), 1);
  EXPECT_EQ(held.delegations(0).name(), granted.name());

  org::ListDelegationsResponse refused;
  EXPECT_EQ(List(stranger_key_, "organisations/-", portal_, &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(stranger_key_, kofoeds_, "", &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Revoke(stranger_key_, granted.name()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(Revoke(portal_admin_, granted.name()).ok());
  ASSERT_TRUE(List(kofoeds_admin_, kofoeds_, "", &held).ok());
  EXPECT_EQ(held.delegations(0).state(), org::Delegation::REVOKED);
}

}  // namespace
}  // namespace coopnet::gateway
