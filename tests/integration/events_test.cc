// The events service through its real gRPC API, on real PostgreSQL and Redis, asking a
// real organisations process (in the same test) whether organisers and networks exist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/events/event_rules.h"
#include "tests/harness/errors.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/events_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::events {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::TimeUtil;
using principal::Principal;
using testing::EventsStack;
using testing::seeds::LocalTime;
namespace org = organisations::v1;

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/k",
                           {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

// `event` moved whole 365-day years ahead (agenda too), to more than a year from today, so
// that it has not happened yet whenever the tests run; `extra_years` further still.
Event InFuture(const Event& event, int extra_years = 0) {
  constexpr int64_t kYear = 365 * 24 * 3600;
  const int64_t behind = absl::ToUnixSeconds(absl::Now()) - event.start_time().seconds();
  const int64_t shift = (std::max<int64_t>(behind, 0) / kYear + 2 + extra_years) * kYear;
  auto later = [&](const google::protobuf::Timestamp& t) {
    return TimeUtil::SecondsToTimestamp(t.seconds() + shift);
  };
  return Reschedule(event, later(event.start_time()), later(event.end_time()), "");
}

std::vector<std::string> NamesOf(const v1::ListEventsResponse& page) {
  std::vector<std::string> names;
  for (const Event& e : page.events()) names.push_back(e.name());
  return names;
}

class EventsTest : public ::testing::Test {
 protected:
  EventsTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        stub_(stack_.Stub()) {
    kofoed_ = CreateOrganisation(testing::seeds::KofoedsSkole());
    hordaland_ = CreateOrganisation(testing::seeds::HordalandFylkeskommune());
    biser_ = CreateOrganisation(testing::seeds::BiserGdansk());
  }

  std::string CreateOrganisation(const org::Organisation& o) {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Admin());
    org::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    org::Organisation created;
    grpc::Status s =
        stack_.organisations()->Stub()->CreateOrganisation(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  std::string CreateNetwork(const std::string& coordinator) {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Admin());
    org::CreateNetworkRequest request;
    org::Network& network = *request.mutable_network();
    (*network.mutable_title()->mutable_translations())["nn"] =
        "Internasjonalt kommunenettverk i Hordaland";
    network.mutable_title()->set_default_language("nn");
    network.set_coordinator(coordinator);
    network.add_countries("NO");
    network.set_admission(org::Network::BY_INVITATION);
    org::Network created;
    grpc::Status s =
        stack_.organisations()->NetworkStub()->CreateNetwork(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  void AddMember(const std::string& network, const std::string& organisation) {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Admin());
    org::AddMemberRequest request;
    request.set_parent(network);
    request.mutable_membership()->set_organisation(organisation);
    request.mutable_membership()->set_role(org::Membership::MEMBER);
    org::Membership added;
    grpc::Status s = stack_.organisations()->NetworkStub()->AddMember(&context, request, &added);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status Create(const Event& event, const Principal& caller, Event* out = nullptr,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::CreateEventRequest request;
    *request.mutable_event() = event;
    request.set_request_id(request_id);
    Event ignored;
    return stub_->CreateEvent(&context, request, out ? out : &ignored);
  }

  Event MustCreate(const Event& event, const Principal& caller) {
    Event created;
    grpc::Status s = Create(event, caller, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Get(const std::string& name, const Principal& caller, Event* out = nullptr) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::GetEventRequest request;
    request.set_name(name);
    Event ignored;
    return stub_->GetEvent(&context, request, out ? out : &ignored);
  }

  grpc::Status Publish(const std::string& name, const Principal& caller, Event* out = nullptr,
                       const std::string& request_id = "") {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::PublishEventRequest request;
    request.set_name(name);
    request.set_request_id(request_id);
    Event ignored;
    return stub_->PublishEvent(&context, request, out ? out : &ignored);
  }

  Event MustPublish(const std::string& name, const Principal& caller) {
    Event published;
    grpc::Status s = Publish(name, caller, &published);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return published;
  }

  grpc::Status Cancel(const std::string& name, const Principal& caller,
                      const std::string& reason = "Lokalet er lukket", Event* out = nullptr) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::CancelEventRequest request;
    request.set_name(name);
    request.set_reason(reason);
    Event ignored;
    return stub_->CancelEvent(&context, request, out ? out : &ignored);
  }

  grpc::Status Update(const Event& patch, const std::vector<std::string>& paths,
                      const Principal& caller, Event* out = nullptr) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::UpdateEventRequest request;
    *request.mutable_event() = patch;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    Event ignored;
    return stub_->UpdateEvent(&context, request, out ? out : &ignored);
  }

  // AcceptCoOrganiser (`accept`) or WithdrawCoOrganiser of `organisation` by `caller`.
  grpc::Status CoOrganise(bool accept, const std::string& name, const std::string& organisation,
                          const Principal& caller, Event* out = nullptr) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    Event ignored;
    if (accept) {
      v1::AcceptCoOrganiserRequest request;
      request.set_name(name);
      request.set_organisation(organisation);
      return stub_->AcceptCoOrganiser(&context, request, out ? out : &ignored);
    }
    v1::WithdrawCoOrganiserRequest request;
    request.set_name(name);
    request.set_organisation(organisation);
    return stub_->WithdrawCoOrganiser(&context, request, out ? out : &ignored);
  }

  // AcceptPlacement (`accept`) or DeclinePlacement of the event `name` by `caller`.
  grpc::Status Place(bool accept, const std::string& name, const Principal& caller,
                     Event* out = nullptr) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    Event ignored;
    if (accept) {
      v1::AcceptPlacementRequest request;
      request.set_name(name);
      return stub_->AcceptPlacement(&context, request, out ? out : &ignored);
    }
    v1::DeclinePlacementRequest request;
    request.set_name(name);
    return stub_->DeclinePlacement(&context, request, out ? out : &ignored);
  }

  grpc::Status Delete(const std::string& name, const Principal& caller) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::DeleteEventRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    return stub_->DeleteEvent(&context, request, &empty);
  }

  grpc::Status List(const v1::ListEventsRequest& request, const Principal& caller,
                    v1::ListEventsResponse* out) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    return stub_->ListEvents(&context, request, out);
  }

  // Every event the caller may list, following pages of `page_size`.
  std::vector<std::string> ListAll(v1::ListEventsRequest request, const Principal& caller,
                                   int page_size = 500) {
    std::vector<std::string> all;
    request.set_page_size(page_size);
    while (true) {
      v1::ListEventsResponse page;
      grpc::Status s = List(request, caller, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return all;
      for (const std::string& name : NamesOf(page)) all.push_back(name);
      if (page.next_page_token().empty()) return all;
      request.set_page_token(page.next_page_token());
    }
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  EventsStack stack_;
  std::unique_ptr<v1::EventService::Stub> stub_;
  std::string kofoed_, hordaland_, biser_;
};

TEST_F(EventsTest, CopenhagenMeetingRoundTripsAtHalfPastFourCopenhagenTime) {
  const Event seed = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  Event created = MustCreate(seed, KeyOf(kofoed_));
  EXPECT_TRUE(absl::StartsWith(created.name(), "events/")) << created.name();
  EXPECT_EQ(created.state(), Event::DRAFT);
  EXPECT_EQ(TimeUtil::ToString(created.start_time()), "2022-10-13T14:30:00Z");
  EXPECT_EQ(TimeUtil::ToString(created.end_time()), "2022-10-13T16:30:00Z");
  EXPECT_EQ(created.time_zone(), "Europe/Copenhagen");
  EXPECT_EQ(created.title().translations().at("da"), seed.title().translations().at("da"));
  EXPECT_EQ(created.venue().room(), "Scherfig-salen");
  EXPECT_EQ(created.visibility(), Event::PUBLIC);

  Event published = MustPublish(created.name(), KeyOf(kofoed_));
  // Published, and over since 13 October 2022.
  EXPECT_EQ(published.state(), Event::COMPLETED);
  Event read;
  ASSERT_TRUE(Get(created.name(), principal::Anonymous("198.51.100.7"), &read).ok());
  EXPECT_EQ(TimeUtil::ToString(read.start_time()), "2022-10-13T14:30:00Z");
  EXPECT_EQ(read.venue().address().locality(), "København S");
}

TEST_F(EventsTest, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  struct Case {
    std::string field;
    std::function<void(Event&)> breaks;
  };
  const std::vector<Case> cases = {
      {"event.end_time",
       [](Event& e) {
         *e.mutable_end_time() = LocalTime("2022-10-13 15:00", "Europe/Copenhagen");
       }},
      {"event.time_zone", [](Event& e) { e.set_time_zone("Europe/Kobenhavn"); }},
      {"event.online_url",
       [](Event& e) {
         e.set_attendance_mode(Event::ONLINE);
         e.clear_venue();
       }},
      {"event.venue.nuts_region",
       [](Event& e) { e.mutable_venue()->mutable_address()->set_region_code("PL"); }},
  };
  for (const Case& c : cases) {
    Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
    c.breaks(e);
    grpc::Status s = Create(e, KeyOf(kofoed_));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{c.field}) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), c.field)) << s.error_message();
  }
  EXPECT_TRUE(ListAll({}, principal::Admin()).empty());
}

TEST_F(EventsTest, OrganiserMustExistInTheOrganisationsService) {
  const std::string unknown = resource::Name("organisations", resource::NewId());
  grpc::Status s = Create(testing::seeds::CopenhagenInfoMeeting(unknown), principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"event.organiser"});
  EXPECT_TRUE(absl::StrContains(s.error_message(), unknown + " does not exist"));

  Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  e.add_co_organisers(unknown);
  s = Create(e, KeyOf(kofoed_));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"event.co_organisers[0]"});
}

TEST_F(EventsTest, OrganisationsDownIsUnavailableNotInternal) {
  stack_.StopOrganisations();
  grpc::Status s = Create(testing::seeds::CopenhagenInfoMeeting(biser_), principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(ReasonOf(s), "DEPENDENCY_UNAVAILABLE");
  EXPECT_TRUE(ListAll({}, principal::Admin()).empty());
}

TEST_F(EventsTest, AnOrganisationCreatesEventsOnlyForItself) {
  grpc::Status s = Create(testing::seeds::CopenhagenInfoMeeting(kofoed_), KeyOf(biser_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  s = Create(testing::seeds::CopenhagenInfoMeeting(kofoed_), principal::Anonymous());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

// Naming a partner as co-organiser proposes it; it co-organises (and may edit) only once
// it accepts, and either side may withdraw.
TEST_F(EventsTest, ACoOrganiserIsProposedUntilItAccepts) {
  Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  e.add_co_organisers(biser_);
  const Event created = MustCreate(e, KeyOf(kofoed_));
  EXPECT_TRUE(created.co_organisers().empty());
  EXPECT_THAT(created.proposed_co_organisers(), ::testing::ElementsAre(biser_));

  // Proposed, BISER sees the draft to decide, and may not change it.
  EXPECT_TRUE(Get(created.name(), KeyOf(biser_)).ok());
  Event patch;
  patch.set_name(created.name());
  *patch.mutable_title() = e.title();
  (*patch.mutable_title()->mutable_translations())["da"] = "Overtaget";
  EXPECT_EQ(Update(patch, {"title"}, KeyOf(biser_)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nobody else accepts for it.
  grpc::Status s = CoOrganise(true, created.name(), biser_, KeyOf(kofoed_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  // What was not proposed cannot be accepted; a draft stays hidden from who may not see it.
  s = CoOrganise(true, created.name(), hordaland_, KeyOf(hordaland_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = CoOrganise(true, created.name(), hordaland_, principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "NOT_PROPOSED");

  Event accepted;
  s = CoOrganise(true, created.name(), biser_, KeyOf(biser_), &accepted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(accepted.co_organisers(), ::testing::ElementsAre(biser_));
  EXPECT_TRUE(accepted.proposed_co_organisers().empty());
  Event edited;
  s = Update(patch, {"title"}, KeyOf(biser_), &edited);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // BISER then leaves by itself.
  Event left;
  ASSERT_TRUE(CoOrganise(false, created.name(), biser_, KeyOf(biser_), &left).ok());
  EXPECT_TRUE(left.co_organisers().empty());
  // Having left, it no longer sees the draft at all.
  EXPECT_EQ(Update(patch, {"title"}, KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(EventsTest, AProposalStaysWhenTheEventIsWrittenBackAndGoesWhenWithdrawn) {
  Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  e.add_co_organisers(biser_);
  const Event created = MustCreate(e, KeyOf(kofoed_));
  Event rewritten;
  ASSERT_TRUE(Update(created, {"*"}, KeyOf(kofoed_), &rewritten).ok());
  EXPECT_THAT(rewritten.proposed_co_organisers(), ::testing::ElementsAre(biser_));
  // The organiser withdraws its proposal; BISER can no longer see the draft.
  Event withdrawn;
  ASSERT_TRUE(CoOrganise(false, created.name(), biser_, KeyOf(kofoed_), &withdrawn).ok());
  EXPECT_TRUE(withdrawn.proposed_co_organisers().empty());
  EXPECT_EQ(Get(created.name(), KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);
  // A stranger withdraws nobody.
  EXPECT_EQ(CoOrganise(false, created.name(), kofoed_, KeyOf(hordaland_)).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// One who acts for both sides consents by naming: an operator, or a key holding the
// partner's delegation of EVENTS_WRITE.
TEST_F(EventsTest, NamingAPartnerOneActsForMakesItACoOrganiserAtOnce) {
  Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  e.add_co_organisers(biser_);
  Principal both = KeyOf(kofoed_);
  Principal::Delegation& held = *both.add_delegations();
  held.set_organisation(biser_);
  held.add_scopes(type::v1::EVENTS_WRITE);
  *held.mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  const Event created = MustCreate(e, both);
  EXPECT_THAT(created.co_organisers(), ::testing::ElementsAre(biser_));
  EXPECT_THAT(MustCreate(e, principal::Admin()).co_organisers(), ::testing::ElementsAre(biser_));
}

// Listing oneself as co-organiser does not make an event in another's name one's own.
TEST_F(EventsTest, ACoOrganiserCannotPublishInTheOrganisersName) {
  Event e = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  e.add_co_organisers(biser_);
  grpc::Status s = Create(e, KeyOf(biser_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_TRUE(ListAll({}, principal::Admin()).empty());

  // With Kofoeds' delegation of events it may.
  Principal portal = KeyOf(biser_);
  Principal::Delegation& held = *portal.add_delegations();
  held.set_organisation(kofoed_);
  held.add_scopes(type::v1::EVENTS_WRITE);
  *held.mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  Event created;
  s = Create(e, portal, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.organiser(), kofoed_);
}

TEST_F(EventsTest, OnlyOrganiserCoOrganiserOrCoordinatorChangeAnEvent) {
  const std::string network = CreateNetwork(hordaland_);
  AddMember(network, kofoed_);
  Event seed = InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_));
  seed.set_network(network);
  seed.add_co_organisers(biser_);
  Event event = MustCreate(seed, KeyOf(kofoed_));
  const std::string stranger = CreateOrganisation(testing::seeds::RegionOrebro());

  // A stranger cannot see the draft; once published it sees it but may not change it.
  EXPECT_EQ(Publish(event.name(), KeyOf(stranger)).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(CoOrganise(true, event.name(), biser_, KeyOf(biser_)).ok());
  MustPublish(event.name(), KeyOf(kofoed_));
  Event patch;
  patch.set_name(event.name());
  patch.mutable_venue()->CopyFrom(seed.venue());
  patch.mutable_venue()->set_room("Salen på 1. sal");
  grpc::Status s = Update(patch, {"venue"}, KeyOf(stranger));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Cancel(event.name(), KeyOf(stranger)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A key without the write scope changes nothing, even its own organisation's event.
  EXPECT_EQ(Update(patch, {"venue"},
                   principal::ApiKey(kofoed_, kofoed_ + "/apiKeys/r", {type::v1::SCOPE_READ}))
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  Event updated;
  ASSERT_TRUE(Update(patch, {"venue"}, KeyOf(biser_), &updated).ok()) << "co-organiser";
  EXPECT_EQ(updated.venue().room(), "Salen på 1. sal");
  EXPECT_EQ(updated.sequence(), 1) << "a change after publication";
  // The coordinator edits only once its network accepted the event.
  EXPECT_EQ(updated.placement(), Event::PLACEMENT_PROPOSED);
  EXPECT_EQ(Cancel(event.name(), KeyOf(hordaland_)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Place(true, event.name(), KeyOf(hordaland_)).ok());
  Event cancelled;
  ASSERT_TRUE(Cancel(event.name(), KeyOf(hordaland_), "Flyttet", &cancelled).ok())
      << "the network's coordinator";
  EXPECT_EQ(cancelled.state(), Event::CANCELLED);
  EXPECT_EQ(cancelled.cancellation_reason(), "Flyttet");
}

// Placing an event in a network is consented to by the network: a member's members-only
// meeting reaches the other members only once the coordinator accepts it.
TEST_F(EventsTest, AnEventCountsAsTheNetworksOnlyOnceTheNetworkAccepts) {
  const std::string network = CreateNetwork(hordaland_);
  AddMember(network, kofoed_);
  AddMember(network, biser_);
  const std::string stranger = CreateOrganisation(testing::seeds::RegionOrebro());
  Event seed = InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_));
  seed.set_network(network);
  seed.set_visibility(Event::NETWORK);
  seed.set_placement(Event::PLACEMENT_ACTIVE);  // output only: ignored
  Event event = MustCreate(seed, KeyOf(kofoed_));
  EXPECT_EQ(event.placement(), Event::PLACEMENT_PROPOSED);
  MustPublish(event.name(), KeyOf(kofoed_));
  v1::ListEventsRequest of_network;
  of_network.set_network(network);

  // Proposed: another member neither sees it nor finds it under the network; the
  // coordinator sees it, to decide, but may not change it.
  EXPECT_EQ(Get(event.name(), KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(ListAll(of_network, KeyOf(biser_)).empty());
  EXPECT_TRUE(ListAll(of_network, KeyOf(hordaland_)).empty());
  EXPECT_TRUE(Get(event.name(), KeyOf(hordaland_)).ok());
  EXPECT_EQ(Cancel(event.name(), KeyOf(hordaland_)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The organiser cannot accept for the network; a stranger learns nothing.
  grpc::Status s = Place(true, event.name(), KeyOf(kofoed_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(testing::MetadataOf(s, "organisation"), hordaland_);
  EXPECT_EQ(Place(true, event.name(), KeyOf(stranger)).error_code(), grpc::StatusCode::NOT_FOUND);
  Event read;
  ASSERT_TRUE(Get(event.name(), KeyOf(kofoed_), &read).ok());
  EXPECT_EQ(read.placement(), Event::PLACEMENT_PROPOSED);

  // Accepted: the members see it, it is the network's, the coordinator may edit it.
  Event accepted, again;
  ASSERT_TRUE(Place(true, event.name(), KeyOf(hordaland_), &accepted).ok());
  EXPECT_EQ(accepted.placement(), Event::PLACEMENT_ACTIVE);
  ASSERT_TRUE(Place(true, event.name(), KeyOf(hordaland_), &again).ok());
  EXPECT_EQ(again.etag(), accepted.etag()) << "accepting again changes nothing";
  EXPECT_TRUE(Get(event.name(), KeyOf(biser_)).ok());
  EXPECT_EQ(ListAll(of_network, KeyOf(biser_)), std::vector<std::string>{event.name()});

  // Writing the event back keeps its place; moving it proposes the new place again.
  Event patch;
  patch.set_name(event.name());
  patch.set_network(network);
  Event rewritten;
  ASSERT_TRUE(Update(patch, {"network"}, KeyOf(kofoed_), &rewritten).ok());
  EXPECT_EQ(rewritten.placement(), Event::PLACEMENT_ACTIVE);

  // Declined: as before the acceptance, and the organiser still sees it.
  Event declined;
  ASSERT_TRUE(Place(false, event.name(), KeyOf(hordaland_), &declined).ok());
  EXPECT_EQ(declined.placement(), Event::PLACEMENT_DECLINED);
  EXPECT_EQ(Get(event.name(), KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(ListAll(of_network, KeyOf(biser_)).empty());
  EXPECT_TRUE(Get(event.name(), KeyOf(kofoed_)).ok());

  // The coordinator's own event is the network's at once; an event in no network has
  // nothing to decide.
  Event own = InFuture(testing::seeds::CopenhagenInfoMeeting(hordaland_));
  own.set_network(network);
  EXPECT_EQ(MustCreate(own, KeyOf(hordaland_)).placement(), Event::PLACEMENT_ACTIVE);
  Event plain =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  EXPECT_EQ(plain.placement(), Event::PLACEMENT_UNSPECIFIED);
  s = Place(true, plain.name(), KeyOf(kofoed_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "NOT_PLACED");
}

TEST_F(EventsTest, PublishingACancelledEventIsAFailedPrecondition) {
  Event event =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  MustPublish(event.name(), KeyOf(kofoed_));
  ASSERT_TRUE(Cancel(event.name(), KeyOf(kofoed_)).ok());
  grpc::Status s = Publish(event.name(), KeyOf(kofoed_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "EVENT_STATE");
  Event read;
  ASSERT_TRUE(Get(event.name(), principal::Anonymous(), &read).ok());
  EXPECT_EQ(read.state(), Event::CANCELLED);
}

TEST_F(EventsTest, PublishAndCancelAreSafeToRepeat) {
  Event event =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  Event first, again;
  ASSERT_TRUE(Publish(event.name(), KeyOf(kofoed_), &first, "publish-1").ok());
  ASSERT_TRUE(Publish(event.name(), KeyOf(kofoed_), &again, "publish-1").ok());
  EXPECT_EQ(first.etag(), again.etag());
  ASSERT_TRUE(Publish(event.name(), KeyOf(kofoed_), &again).ok());
  EXPECT_EQ(first.etag(), again.etag()) << "publishing a published event changes nothing";
  EXPECT_EQ(again.sequence(), 0);
}

TEST_F(EventsTest, NetworkEventIsInvisibleToNonMembers) {
  const std::string network = CreateNetwork(hordaland_);
  AddMember(network, kofoed_);
  Event seed = InFuture(testing::seeds::CopenhagenInfoMeeting(hordaland_));
  seed.set_network(network);
  seed.set_visibility(Event::NETWORK);
  Event event = MustCreate(seed, KeyOf(hordaland_));
  MustPublish(event.name(), KeyOf(hordaland_));

  EXPECT_TRUE(Get(event.name(), KeyOf(kofoed_)).ok()) << "a member";
  EXPECT_EQ(ListAll({}, KeyOf(kofoed_)), std::vector<std::string>{event.name()});
  for (const Principal& outsider : {KeyOf(biser_), principal::Anonymous()}) {
    grpc::Status s = Get(event.name(), outsider);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_TRUE(ListAll({}, outsider).empty());
  }
}

TEST_F(EventsTest, DraftIsSeenOnlyByThoseWhoMayEditIt) {
  Event event =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  EXPECT_TRUE(Get(event.name(), KeyOf(kofoed_)).ok());
  EXPECT_EQ(Get(event.name(), KeyOf(biser_)).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(event.name(), principal::Anonymous()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ListAll({}, KeyOf(kofoed_)), std::vector<std::string>{event.name()});
  EXPECT_TRUE(ListAll({}, principal::Anonymous()).empty());
}

TEST_F(EventsTest, UnlistedEventIsReachableByNameButNotListed) {
  Event seed = InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_));
  seed.set_visibility(Event::UNLISTED);
  Event event = MustCreate(seed, KeyOf(kofoed_));
  MustPublish(event.name(), KeyOf(kofoed_));
  EXPECT_TRUE(Get(event.name(), principal::Anonymous()).ok());
  EXPECT_TRUE(ListAll({}, principal::Anonymous()).empty());
  EXPECT_TRUE(ListAll({}, KeyOf(biser_)).empty());
}

TEST_F(EventsTest, ListEventsIsInStartOrderWithKeysetPagesAndEveryFilter) {
  const std::string network = CreateNetwork(hordaland_);
  const std::string orebro = CreateOrganisation(testing::seeds::RegionOrebro());
  std::vector<Event> created;
  auto publish = [&](const Event& seed, const std::string& organiser) {
    Event e = MustCreate(seed, KeyOf(organiser));
    created.push_back(MustPublish(e.name(), KeyOf(organiser)));
    return created.back().name();
  };
  const std::string forum = publish(testing::seeds::KujawyPomorzeForum(biser_), biser_);
  const std::string copenhagen = publish(testing::seeds::CopenhagenInfoMeeting(kofoed_), kofoed_);
  const std::string orebro_day = publish(testing::seeds::OrebroInspirationDay(orebro), orebro);
  const std::string finland = publish(
      testing::seeds::FinlandStudyVisit(kofoed_, resource::Name("awards", resource::NewId())),
      kofoed_);
  Event next_year = InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_), 5);
  const std::string future = publish(next_year, kofoed_);
  Event hordaland_seed = testing::seeds::HordalandNetworkMeetings(hordaland_, network, "")[0];
  hordaland_seed.set_visibility(Event::PUBLIC);
  const std::string bergen = publish(hordaland_seed, hordaland_);

  // Start order, whatever the creation order, over pages of two.
  const std::vector<std::string> in_start_order = {forum,      bergen,  copenhagen,
                                                   orebro_day, finland, future};
  EXPECT_EQ(ListAll({}, principal::Anonymous(), 2), in_start_order);

  auto list = [&](const std::function<void(v1::ListEventsRequest&)>& filter) {
    v1::ListEventsRequest request;
    filter(request);
    return ListAll(request, principal::Anonymous());
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(list([](auto& r) { r.add_countries("DK"); }), (Names{copenhagen, future}));
  EXPECT_EQ(list([](auto& r) { r.set_nuts_prefix("SE1"); }), (Names{orebro_day}));
  EXPECT_EQ(list([](auto& r) {
              r.add_themes("culture");
              r.add_themes("eu-programmes");
            }),
            (Names{bergen, orebro_day}));
  EXPECT_EQ(list([](auto& r) {
              r.add_kinds(Event::STUDY_VISIT);
              r.add_kinds(Event::FORUM);
            }),
            (Names{forum, finland}));
  EXPECT_EQ(list([&](auto& r) { r.set_organiser(kofoed_); }), (Names{copenhagen, finland, future}));
  EXPECT_EQ(list([&](auto& r) { r.set_network(network); }), (Names{bergen}));
  EXPECT_EQ(list([](auto& r) { r.add_languages("EN"); }), (Names{orebro_day, finland}));
  EXPECT_EQ(list([](auto& r) { r.add_attendance_modes(Event::MIXED); }), (Names{orebro_day}));
  EXPECT_EQ(list([](auto& r) { r.set_query("orebro INSPIRATIONSDAG"); }), (Names{orebro_day}));
  EXPECT_EQ(list([](auto& r) { r.set_query("wspolprac miedzynarodow"); }), (Names{forum}));
  EXPECT_EQ(list([](auto& r) { r.set_query("Scherfig"); }), (Names{copenhagen, future}));
  EXPECT_EQ(list([](auto& r) { r.set_upcoming(true); }), (Names{future}));
  EXPECT_EQ(list([](auto& r) {
              *r.mutable_from_time() = LocalTime("2022-01-01 00:00", "UTC");
              *r.mutable_to_time() = LocalTime("2023-01-01 00:00", "UTC");
            }),
            (Names{copenhagen, orebro_day}));

  // A page token is tied to its filters.
  v1::ListEventsRequest first;
  first.set_page_size(1);
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(first, principal::Anonymous(), &page).ok());
  v1::ListEventsRequest other = first;
  other.set_page_token(page.next_page_token());
  other.add_countries("DK");
  grpc::Status s = List(other, principal::Anonymous(), &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"page_token"});
}

TEST_F(EventsTest, CachedListAndGetSeeEveryWrite) {
  Event event =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  MustPublish(event.name(), KeyOf(kofoed_));
  v1::ListEventsRequest upcoming;
  upcoming.set_upcoming(true);
  ASSERT_EQ(ListAll(upcoming, principal::Anonymous()).size(), 1u);  // fills the page cache
  Event read;
  ASSERT_TRUE(Get(event.name(), principal::Anonymous(), &read).ok());  // fills the event cache

  Event patch;
  patch.set_name(event.name());
  patch.add_themes("culture");
  ASSERT_TRUE(Update(patch, {"themes"}, KeyOf(kofoed_)).ok());
  ASSERT_TRUE(Get(event.name(), principal::Anonymous(), &read).ok());
  EXPECT_EQ(read.themes_size(), 1);
  v1::ListEventsResponse page;
  ASSERT_TRUE(List(upcoming, principal::Anonymous(), &page).ok());
  ASSERT_EQ(page.events_size(), 1);
  EXPECT_EQ(page.events(0).themes_size(), 1);

  ASSERT_TRUE(Cancel(event.name(), KeyOf(kofoed_)).ok());
  ASSERT_TRUE(Get(event.name(), principal::Anonymous(), &read).ok());
  EXPECT_EQ(read.state(), Event::CANCELLED);
}

TEST_F(EventsTest, CreateWithRequestIdIsSafeToRetry) {
  const Event seed = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  Event first, again;
  ASSERT_TRUE(Create(seed, KeyOf(kofoed_), &first, "copenhagen-2022").ok());
  ASSERT_TRUE(Create(seed, KeyOf(kofoed_), &again, "copenhagen-2022").ok());
  EXPECT_EQ(first.name(), again.name());
  Event different = seed;
  different.mutable_venue()->set_room("Et andet rum");
  grpc::Status s = Create(different, KeyOf(kofoed_), nullptr, "copenhagen-2022");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ListAll({}, principal::Admin()).size(), 1u);
}

TEST_F(EventsTest, StaleEtagIsAborted) {
  Event event =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  Event patch;
  patch.set_name(event.name());
  patch.set_etag(event.etag());
  patch.add_themes("culture");
  ASSERT_TRUE(Update(patch, {"themes"}, KeyOf(kofoed_)).ok());
  grpc::Status s = Update(patch, {"themes"}, KeyOf(kofoed_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH");
}

TEST_F(EventsTest, RescheduleMovesTheAgendaAndGrowsTheSequence) {
  const std::string network = CreateNetwork(hordaland_);
  Event seed = InFuture(testing::seeds::HordalandNetworkMeetings(hordaland_, network, "")[0], 20);
  Event event = MustCreate(seed, KeyOf(hordaland_));
  MustPublish(event.name(), KeyOf(hordaland_));
  grpc::ClientContext context;
  EventsStack::Sign(context, KeyOf(hordaland_));
  v1::RescheduleEventRequest request;
  request.set_name(event.name());
  const int64_t week = 7 * 24 * 3600;
  *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(seed.start_time().seconds() + week);
  *request.mutable_end_time() = TimeUtil::SecondsToTimestamp(seed.end_time().seconds() + week);
  Event moved;
  grpc::Status s = stub_->RescheduleEvent(&context, request, &moved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(moved.start_time().seconds(), seed.start_time().seconds() + week);
  EXPECT_EQ(moved.agenda(2).start_time().seconds(), seed.agenda(2).start_time().seconds() + week);
  EXPECT_EQ(moved.time_zone(), "Europe/Oslo");
  EXPECT_EQ(moved.sequence(), 1);

  grpc::ClientContext bad_context;
  EventsStack::Sign(bad_context, KeyOf(hordaland_));
  request.set_time_zone("Mars/Olympus_Mons");
  s = stub_->RescheduleEvent(&bad_context, request, &moved);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"time_zone"});
}

// Hordaland announces its June meeting before the day is fixed: it lists among the
// network's meetings at June, has no calendar entry, and once dated it is rescheduled
// like any other event, telling watchers it was only a month before.
TEST_F(EventsTest, AMeetingKnownOnlyByMonthIsListedAndLaterDated) {
  const std::string network = CreateNetwork(hordaland_);
  Event seed = InFuture(testing::seeds::HordalandNetworkMeetings(hordaland_, network, "")[1], 20);
  seed.clear_agenda();
  seed.set_date_precision(Event::MONTH);
  seed.clear_end_time();
  const Event event = MustCreate(seed, KeyOf(hordaland_));
  EXPECT_EQ(event.date_precision(), Event::MONTH);
  absl::TimeZone oslo;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Oslo", &oslo));
  const absl::CivilSecond start =
      absl::ToCivilSecond(absl::FromUnixSeconds(event.start_time().seconds()), oslo);
  EXPECT_EQ(start, absl::CivilSecond(absl::CivilMonth(absl::ToCivilSecond(
                       absl::FromUnixSeconds(seed.start_time().seconds()), oslo))));
  EXPECT_EQ(absl::ToCivilMonth(absl::FromUnixSeconds(event.end_time().seconds()), oslo),
            absl::CivilMonth(start) + 1);
  MustPublish(event.name(), KeyOf(hordaland_));
  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(hordaland_));
    v1::GetEventCalendarRequest request;
    request.set_name(event.name());
    v1::Calendar calendar;
    grpc::Status s = stub_->GetEventCalendar(&context, request, &calendar);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_TRUE(absl::StrContains(s.error_message(),
                                  absl::FormatTime("%B %Y", absl::FromCivil(start, oslo), oslo)))
        << s.error_message();
  }
  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(hordaland_));
    v1::ListEventsCalendarRequest request;
    request.mutable_filter()->set_organiser(hordaland_);
    v1::Calendar calendar;
    ASSERT_TRUE(stub_->ListEventsCalendar(&context, request, &calendar).ok());
    EXPECT_FALSE(absl::StrContains(calendar.ics(), "BEGIN:VEVENT")) << calendar.ics();
  }

  // Dated: exact times on the day, an agenda may follow, the calendar has it.
  grpc::ClientContext context;
  EventsStack::Sign(context, KeyOf(hordaland_));
  v1::RescheduleEventRequest request;
  request.set_name(event.name());
  *request.mutable_start_time() = seed.start_time();
  *request.mutable_end_time() =
      TimeUtil::SecondsToTimestamp(seed.start_time().seconds() + 3 * 3600);
  Event dated;
  grpc::Status s = stub_->RescheduleEvent(&context, request, &dated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(dated.date_precision(), Event::EXACT);
  EXPECT_EQ(dated.start_time().seconds(), seed.start_time().seconds());
  grpc::ClientContext calendar_context;
  EventsStack::Sign(calendar_context, KeyOf(hordaland_));
  v1::GetEventCalendarRequest calendar_request;
  calendar_request.set_name(event.name());
  v1::Calendar calendar;
  EXPECT_TRUE(stub_->GetEventCalendar(&calendar_context, calendar_request, &calendar).ok());
}

TEST_F(EventsTest, OnlyDraftsAreDeleted) {
  Event draft =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  Event published =
      MustCreate(InFuture(testing::seeds::CopenhagenInfoMeeting(kofoed_)), KeyOf(kofoed_));
  MustPublish(published.name(), KeyOf(kofoed_));
  EXPECT_EQ(Delete(published.name(), KeyOf(kofoed_)).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Delete(draft.name(), KeyOf(kofoed_)).ok());
  EXPECT_EQ(Get(draft.name(), KeyOf(kofoed_)).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(EventsTest, SeriesHoldsTheNetworkMeetingsInOrder) {
  const std::string network = CreateNetwork(hordaland_);
  AddMember(network, kofoed_);
  v1::CreateSeriesRequest create;
  Series& series = *create.mutable_series();
  (*series.mutable_title()->mutable_translations())["nn"] = "Internasjonalt kommunenettverk 2018";
  series.mutable_title()->set_default_language("nn");
  series.set_organiser(hordaland_);
  series.set_network(network);
  Series created;
  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    EXPECT_EQ(stub_->CreateSeries(&context, create, &created).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << "a member is not the coordinator";
  }
  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(hordaland_));
    grpc::Status s = stub_->CreateSeries(&context, create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  std::vector<Event> meetings =
      testing::seeds::HordalandNetworkMeetings(hordaland_, network, created.name());
  std::vector<std::string> names;
  // Created out of order; listed in start order.
  for (int i : {2, 0, 1}) names.push_back(MustCreate(meetings[i], KeyOf(hordaland_)).name());
  for (const std::string& name : names) MustPublish(name, KeyOf(hordaland_));
  v1::ListEventsRequest of_series;
  of_series.set_series(created.name());
  EXPECT_EQ(ListAll(of_series, KeyOf(kofoed_)),
            (std::vector<std::string>{names[1], names[2], names[0]}));
  EXPECT_TRUE(ListAll(of_series, principal::Anonymous()).empty()) << "NETWORK events";

  // An event of the series must be of its network.
  Event stray = testing::seeds::CopenhagenInfoMeeting(hordaland_);
  stray.set_series(created.name());
  grpc::Status s = Create(stray, KeyOf(hordaland_));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"event.network"});

  grpc::ClientContext context;
  EventsStack::Sign(context, KeyOf(hordaland_));
  v1::DeleteSeriesRequest remove;
  remove.set_name(created.name());
  google::protobuf::Empty empty;
  s = stub_->DeleteSeries(&context, remove, &empty);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "SERIES_NOT_EMPTY");
}

}  // namespace
}  // namespace coopnet::events
