// Registrations while Redis fails under a steady load: stopped, restarted empty and
// flushed. Redis holds only caches and the change streams, which the outboxes feed again:
// no call fails, an event published meanwhile takes registrations at once, and every
// cancellation of an event reaches its registrations. The stack runs on a Redis of its
// own, on the shared PostgreSQL.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/redis/client.h"
#include "google/protobuf/text_format.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/load.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/wait.h"

namespace coopnet::registrations {
namespace {

using testing::RegistrationsStack;
using v1::Registration;
using v1::RegistrationPolicy;

constexpr absl::Duration kCallDeadline = absl::Seconds(15);

Registration Person(const std::string& email) {
  Registration r;
  r.set_organisation_name("Foreningen Grøn Hverdag");
  r.set_organisation_country("DK");
  r.set_organisation_kind(organisations::v1::Organisation::ASSOCIATION);
  v1::Participant& p = *r.add_participants();
  p.set_given_name("Mette");
  p.set_family_name("Hansen");
  p.set_email(email);
  return r;
}

RegistrationPolicy Capacity(int seats) {
  RegistrationPolicy policy;
  policy.set_capacity(seats);
  return policy;
}

class RedisFaultTest : public ::testing::Test {
 protected:
  RedisFaultTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), registrations_db_.dsn(),
               redis_.address()),
        stub_(stack_.Stub()) {
    kofoed_ = stack_.CreateOrganisation(testing::seeds::KofoedsSkole());
    load_event_ = stack_.PublishMeeting(kofoed_, 30);
    stack_.SetPolicy(load_event_, Capacity(100000));
  }

  static void Sign(grpc::ClientContext& context) {
    RegistrationsStack::Sign(context, principal::Admin());
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  }

  grpc::Status Register(const std::string& event, const std::string& email, Registration* out,
                        const std::string& request_id = "") {
    grpc::ClientContext context;
    Sign(context);
    v1::CreateRegistrationRequest request;
    request.set_parent(event);
    *request.mutable_registration() = Person(email);
    request.set_request_id(request_id);
    return stub_->CreateRegistration(&context, request, out);
  }

  Registration MustGet(const std::string& name) {
    grpc::ClientContext context;
    Sign(context);
    v1::GetRegistrationRequest request;
    request.set_name(name);
    Registration got;
    const grpc::Status s = stub_->GetRegistration(&context, request, &got);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return got;
  }

  // A published meeting with one confirmed registration; the registration.
  Registration MeetingWithARegistration(const std::string& tag) {
    const std::string event = stack_.PublishMeeting(kofoed_, 20);
    stack_.SetPolicy(event, Capacity(10));
    Registration made;
    const grpc::Status s = Register(event, absl::StrCat(tag, "@groen.dk"), &made);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(made.state(), Registration::CONFIRMED);
    return made;
  }

  grpc::Status CancelEvent(const std::string& event) {
    grpc::ClientContext context;
    Sign(context);
    events::v1::CancelEventRequest request;
    request.set_name(event);
    request.set_reason("Stormvarsel");
    events::v1::Event cancelled;
    return stack_.events().Stub()->CancelEvent(&context, request, &cancelled);
  }

  static std::string EventOf(const Registration& r) {
    return r.name().substr(0, r.name().find("/registrations/"));
  }

  // A draft meeting whose organiser sets its policy first, then publishes it; someone
  // registers the moment it is published. The registration's status.
  grpc::Status RegisterTheMomentADraftIsPublished(const std::string& tag) {
    events::v1::Event created;
    {
      grpc::ClientContext context;
      Sign(context);
      events::v1::CreateEventRequest request;
      *request.mutable_event() = testing::seeds::CopenhagenInfoMeeting(kofoed_);
      const absl::Time start = absl::Now() + absl::Hours(24 * 40);
      request.mutable_event()->mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
      request.mutable_event()->mutable_end_time()->set_seconds(
          absl::ToUnixSeconds(start + absl::Hours(2)));
      const grpc::Status s = stack_.events().Stub()->CreateEvent(&context, request, &created);
      if (!s.ok()) return s;
    }
    stack_.SetPolicy(created.name(), Capacity(10));
    {
      grpc::ClientContext context;
      Sign(context);
      events::v1::PublishEventRequest request;
      request.set_name(created.name());
      events::v1::Event published;
      const grpc::Status s = stack_.events().Stub()->PublishEvent(&context, request, &published);
      if (!s.ok()) return s;
    }
    Registration made;
    return Register(created.name(), absl::StrCat(tag, "@groen.dk"), &made);
  }

  // Waits, with a deadline, until the registration `name` is cancelled.
  bool AwaitCancelled(const std::string& name) {
    return testing::WaitUntil([&] { return MustGet(name).state() == Registration::CANCELLED; },
                              absl::Seconds(30));
  }

  // Two clients registering and reading back, each call with a 15 s deadline.
  void StartLoad() {
    for (int client = 0; client < 2; ++client) clients_.push_back(stack_.NewClient());
    load_.emplace(2, [this](int client, int64_t i) {
      v1::RegistrationService::Stub* stub = clients_[client].get();
      Registration made;
      grpc::Status s;
      {
        grpc::ClientContext context;
        Sign(context);
        v1::CreateRegistrationRequest request;
        request.set_parent(load_event_);
        *request.mutable_registration() = Person(absl::StrCat("last-", client, "-", i, "@kk.dk"));
        request.set_request_id(absl::StrCat("last-", client, "-", i));
        s = stub->CreateRegistration(&context, request, &made);
      }
      if (!s.ok()) return s;
      grpc::ClientContext context;
      Sign(context);
      v1::GetRegistrationRequest request;
      request.set_name(made.name());
      Registration got;
      return stub->GetRegistration(&context, request, &got);
    });
  }

  // Waits until the load made `more` further rounds, so that each fault meets calls.
  void AwaitCalls(int64_t more) { ASSERT_TRUE(load_->AwaitRounds(more)) << "the load stalled"; }

  // Waits until the events outbox has published every change to Redis.
  void AwaitRelayed() {
    ASSERT_TRUE(testing::WaitUntil([&] {
      absl::StatusOr<pg::Result> waiting = stack_.events().pool().Exec(
          pg::Statement("SELECT count(*) FROM outbox WHERE relay_time IS NULL"));
      return waiting.ok() && waiting->GetInt64(0, 0) == 0;
    })) << "the events relay is stuck";
  }

  void Flush() {
    auto redis = redis::Client::Create({.address = redis_.address()});
    absl::StatusOr<redis::Reply> flushed = redis->Command({"FLUSHALL"});
    ASSERT_TRUE(flushed.ok()) << flushed.status();
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  testing::TestDatabase registrations_db_;
  testing::RedisServer redis_;
  RegistrationsStack stack_;
  std::unique_ptr<v1::RegistrationService::Stub> stub_;
  std::string kofoed_;
  std::string load_event_;

  std::vector<std::unique_ptr<v1::RegistrationService::Stub>> clients_;
  std::optional<testing::Load> load_;  // after clients_, so that it stops first
};

TEST_F(RedisFaultTest, StoppedRestartedEmptyAndFlushedUnderLoadFailsNoCallAndLosesNoChange) {
  StartLoad();
  AwaitCalls(20);

  // Stopped: the event is cancelled and another published while Redis is away.
  const Registration before_stop = MeetingWithARegistration("stop");
  redis_.Stop();
  AwaitCalls(20);
  EXPECT_TRUE(RegisterTheMomentADraftIsPublished("while-stopped").ok());
  ASSERT_TRUE(CancelEvent(EventOf(before_stop)).ok());
  AwaitCalls(20);
  // Back, empty.
  redis_.Start();
  EXPECT_TRUE(AwaitCancelled(before_stop.name()));
  EXPECT_TRUE(RegisterTheMomentADraftIsPublished("after-restart").ok());
  AwaitCalls(20);

  // Flushed after a cancellation reached the stream and before registrations read it
  // (its feed paused, as when its process is down or behind): the change is gone from
  // Redis, and the events outbox must publish it again.
  for (int round = 0; round < 3; ++round) {
    const Registration flushed = MeetingWithARegistration(absl::StrCat("flush-", round));
    stack_.process().feed->Stop();
    ASSERT_TRUE(CancelEvent(EventOf(flushed)).ok());
    AwaitRelayed();
    Flush();
    stack_.process().feed->Start();
    EXPECT_TRUE(RegisterTheMomentADraftIsPublished(absl::StrCat("after-flush-", round)).ok());
    EXPECT_TRUE(AwaitCancelled(flushed.name())) << "round " << round;
    AwaitCalls(20);
  }
  load_->Stop();

  std::cout << "a registration and its read each round, under the faults: " << load_->Summary()
            << "\n";
  EXPECT_TRUE(load_->failures().empty()) << load_->Summary();
  EXPECT_LT(load_->longest(), kCallDeadline);
}

}  // namespace
}  // namespace coopnet::registrations
