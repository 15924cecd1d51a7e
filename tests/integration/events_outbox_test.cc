// Domain events of the events service: written with the change, relayed to the Redis
// stream, and streamed to watchers, on real PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/outbox/stream.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/events_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/wait.h"
#include "tests/harness/watcher.h"

namespace coopnet::events {
namespace {

using google::protobuf::util::TimeUtil;
using principal::Principal;
using testing::EventsStack;
using v1::Event;
namespace org = organisations::v1;

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/k",
                           {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

// The Copenhagen meeting of 2031: it has not happened yet, so it can still change.
Event FutureMeeting(const std::string& organiser) {
  Event e = testing::seeds::CopenhagenInfoMeeting(organiser);
  *e.mutable_start_time() = testing::seeds::LocalTime("2031-10-13 16:30", "Europe/Copenhagen");
  *e.mutable_end_time() = testing::seeds::LocalTime("2031-10-13 18:30", "Europe/Copenhagen");
  return e;
}

class EventsOutboxTest : public ::testing::Test {
 protected:
  explicit EventsOutboxTest(const std::string& redis_address = testing::SharedRedisAddress())
      : stack_(organisations_db_.dsn(), events_db_.dsn(), redis_address), stub_(stack_.Stub()) {
    kofoed_ = CreateOrganisation(testing::seeds::KofoedsSkole());
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

  Event Create(const Event& seed, const Principal& caller) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::CreateEventRequest request;
    *request.mutable_event() = seed;
    Event created;
    grpc::Status s = stub_->CreateEvent(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  void Publish(const std::string& name, const Principal& caller) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::PublishEventRequest request;
    request.set_name(name);
    Event published;
    grpc::Status s = stub_->PublishEvent(&context, request, &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Cancel(const std::string& name, const Principal& caller) {
    grpc::ClientContext context;
    EventsStack::Sign(context, caller);
    v1::CancelEventRequest request;
    request.set_name(name);
    request.set_reason("Aflyst");
    Event cancelled;
    grpc::Status s = stub_->CancelEvent(&context, request, &cancelled);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void AddTheme(const std::string& name, const std::string& theme) {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::UpdateEventRequest request;
    request.mutable_event()->set_name(name);
    request.mutable_event()->add_themes(theme);
    request.mutable_update_mask()->add_paths("themes");
    Event updated;
    grpc::Status s = stub_->UpdateEvent(&context, request, &updated);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::vector<outbox::StreamEntry> StreamEntries() {
    outbox::StreamReader reader({.address = stack_.redis_address()}, stack_.stream());
    absl::StatusOr<std::vector<outbox::StreamEntry>> entries =
        reader.Read("0", absl::Milliseconds(1), 1000);
    return entries.ok() ? *entries : std::vector<outbox::StreamEntry>{};
  }

  // Rows the relay has not published yet.
  int64_t OutboxRows() {
    auto r =
        stack_.pool().Exec(pg::Statement("SELECT count(*) FROM outbox WHERE relay_time IS NULL"));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  EventsStack stack_;
  std::unique_ptr<v1::EventService::Stub> stub_;
  std::string kofoed_;
};

TEST_F(EventsOutboxTest, EveryPublishedChangeReachesTheStreamInOrder) {
  Event event = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  AddTheme(event.name(), "culture");  // a draft: nobody is told
  Publish(event.name(), KeyOf(kofoed_));
  AddTheme(event.name(), "eu-programmes");
  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::RescheduleEventRequest request;
    request.set_name(event.name());
    *request.mutable_start_time() =
        TimeUtil::SecondsToTimestamp(event.start_time().seconds() + 3600);
    *request.mutable_end_time() = TimeUtil::SecondsToTimestamp(event.end_time().seconds() + 3600);
    Event moved;
    ASSERT_TRUE(stub_->RescheduleEvent(&context, request, &moved).ok());
  }
  Cancel(event.name(), KeyOf(kofoed_));

  ASSERT_TRUE(testing::WaitUntil([&] { return StreamEntries().size() >= 4; }))
      << StreamEntries().size() << " entries";
  const std::vector<outbox::StreamEntry> entries = StreamEntries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].type, "coopnet.events.v1.EventPublished");
  EXPECT_EQ(entries[1].type, "coopnet.events.v1.EventUpdated");
  EXPECT_EQ(entries[2].type, "coopnet.events.v1.EventRescheduled");
  EXPECT_EQ(entries[3].type, "coopnet.events.v1.EventCancelled");
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_GT(entries[i].outbox_id, entries[i - 1].outbox_id);
  }

  v1::EventPublished published;
  ASSERT_TRUE(published.ParseFromString(entries[0].payload));
  EXPECT_EQ(published.event().name(), event.name());
  EXPECT_EQ(published.event().state(), Event::PUBLISHED);
  v1::EventUpdated updated;
  ASSERT_TRUE(updated.ParseFromString(entries[1].payload));
  EXPECT_EQ(
      std::vector<std::string>(updated.changed_fields().begin(), updated.changed_fields().end()),
      std::vector<std::string>{"themes"});
  v1::EventRescheduled rescheduled;
  ASSERT_TRUE(rescheduled.ParseFromString(entries[2].payload));
  EXPECT_EQ(rescheduled.previous_start_time().seconds(), event.start_time().seconds());
  EXPECT_EQ(rescheduled.event().start_time().seconds(), event.start_time().seconds() + 3600);
  v1::EventCancelled cancelled;
  ASSERT_TRUE(cancelled.ParseFromString(entries[3].payload));
  EXPECT_EQ(cancelled.reason(), "Aflyst");
  // The relay marks what it sent after Redis took it: the rows are marked a moment after
  // the entries appear.
  EXPECT_TRUE(testing::WaitUntil([&] { return OutboxRows() == 0; }))
      << OutboxRows() << " rows left";
}

// A watch of the events service from `cursor`, read on a thread of its own.
class Watcher : public testing::Watcher<v1::EventChange> {
 public:
  Watcher(v1::EventService::Stub& stub, const Principal& caller, const std::string& cursor)
      : testing::Watcher<v1::EventChange>(caller, [&](grpc::ClientContext* context) {
          v1::WatchEventsRequest request;
          request.set_cursor(cursor);
          return stub.WatchEvents(context, request);
        }) {}
};

TEST_F(EventsOutboxTest, WatchStartsWithChangesMadeFromNowOn) {
  Event before = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  Publish(before.name(), KeyOf(kofoed_));
  ASSERT_TRUE(testing::WaitUntil([&] { return StreamEntries().size() == 1; }));

  Watcher watcher(*stub_, KeyOf(kofoed_), "");
  // The watch begins once it has read where the stream ends: publish until it reports.
  std::vector<v1::EventChange> changes;
  for (int attempt = 0; attempt < 40 && changes.empty(); ++attempt) {
    Event later = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
    Publish(later.name(), KeyOf(kofoed_));
    changes = watcher.Await(1, absl::Milliseconds(500));
  }
  ASSERT_FALSE(changes.empty());
  EXPECT_NE(changes[0].published().event().name(), before.name());
}

TEST_F(EventsOutboxTest, WatchStreamsChangesAndResumesFromACursor) {
  Event event = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  Publish(event.name(), KeyOf(kofoed_));
  Cancel(event.name(), KeyOf(kofoed_));
  Watcher watcher(*stub_, KeyOf(kofoed_), "0");
  std::vector<v1::EventChange> changes = watcher.Await(2);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].change_case(), v1::EventChange::kPublished);
  EXPECT_EQ(changes[0].published().event().name(), event.name());
  EXPECT_EQ(changes[1].change_case(), v1::EventChange::kCancelled);
  EXPECT_EQ(changes[1].cancelled().reason(), "Aflyst");
  EXPECT_GT(changes[1].change_id(), changes[0].change_id());

  Watcher resumed(*stub_, KeyOf(kofoed_), changes[0].cursor());
  std::vector<v1::EventChange> after_first = resumed.Await(1);
  ASSERT_EQ(after_first.size(), 1u);
  EXPECT_EQ(after_first[0].change_id(), changes[1].change_id());

  // New changes keep coming to a running watch.
  Event next = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  Publish(next.name(), KeyOf(kofoed_));
  std::vector<v1::EventChange> live = resumed.Await(2);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[1].published().event().name(), next.name());
}

TEST_F(EventsOutboxTest, WatchLeavesOutEventsTheCallerMayNotSee) {
  const std::string network = [&] {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Admin());
    org::CreateNetworkRequest request;
    (*request.mutable_network()->mutable_title()->mutable_translations())["da"] = "NGO Netværk";
    request.mutable_network()->mutable_title()->set_default_language("da");
    request.mutable_network()->set_coordinator(kofoed_);
    request.mutable_network()->set_admission(org::Network::BY_INVITATION);
    org::Network created;
    grpc::Status s =
        stack_.organisations()->NetworkStub()->CreateNetwork(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }();
  const std::string outsider = CreateOrganisation(testing::seeds::BiserGdansk());

  Event members_only = FutureMeeting(kofoed_);
  members_only.set_network(network);
  members_only.set_visibility(Event::NETWORK);
  Event hidden = Create(members_only, KeyOf(kofoed_));
  Publish(hidden.name(), KeyOf(kofoed_));
  Event open = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  Publish(open.name(), KeyOf(kofoed_));

  Watcher organiser(*stub_, KeyOf(kofoed_), "0");
  Watcher stranger(*stub_, KeyOf(outsider), "0");
  EXPECT_EQ(organiser.Await(2).size(), 2u);
  std::vector<v1::EventChange> seen = stranger.Await(1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].published().event().name(), open.name());
}

TEST_F(EventsOutboxTest, WatchRefusesAnonymousCallersAndBadCursors) {
  Watcher anonymous(*stub_, principal::Anonymous(), "");
  grpc::Status s = anonymous.Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Watcher bad(*stub_, KeyOf(kofoed_), "yesterday");
  s = bad.Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A Redis of the test's own, to stop under the running service; a base of its own so
// that it starts before the stack that uses it.
struct PrivateRedis {
  testing::RedisServer redis;
};

class EventsOutboxRedisDownTest : protected PrivateRedis, public EventsOutboxTest {
 protected:
  EventsOutboxRedisDownTest() : EventsOutboxTest(redis.address()) {}
};

TEST_F(EventsOutboxRedisDownTest, ChangesWaitForRedisAndNothingIsLost) {
  Event event = Create(FutureMeeting(kofoed_), KeyOf(kofoed_));
  redis.Stop();
  // Redis down fails no request: the cache is bypassed, the domain event waits.
  Publish(event.name(), KeyOf(kofoed_));
  Cancel(event.name(), KeyOf(kofoed_));
  EXPECT_EQ(OutboxRows(), 2);
  redis.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return StreamEntries().size() == 2; }))
      << "the waiting domain events never reached the restarted Redis";
  const std::vector<outbox::StreamEntry> entries = StreamEntries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].type, "coopnet.events.v1.EventPublished");
  EXPECT_TRUE(testing::WaitUntil([&] { return OutboxRows() == 0; }))
      << OutboxRows() << " rows left";
}

}  // namespace
}  // namespace coopnet::events
