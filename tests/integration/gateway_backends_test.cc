// What the gateway does for and to its backends, seen from a stand-in events service
// that reports what reached it: the signed caller, deadlines, language, cancellation,
// capped page sizes, streams; a backend going away and coming back; and the rate limits
// that replicas share through Redis.
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/servers.h"

namespace coopnet::gateway {
namespace {

using testing::GatewayStack;
using testing::HttpReply;
namespace ev = events::v1;

absl::string_view Metadata(grpc::CallbackServerContext* context, const char* key) {
  auto it = context->client_metadata().find(key);
  return it == context->client_metadata().end()
             ? absl::string_view()
             : absl::string_view(it->second.data(), it->second.size());
}

// Answers GetEvent with what it was told, ListEvents with the page size it got, and
// WatchEvents with two changes (cursor "two"), one change and a failure ("fail"), or
// nothing until cancelled (anything else).
class StandInEvents final : public ev::EventService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* context,
                                     const ev::GetEventRequest* request,
                                     ev::Event* response) override {
    auto* reactor = context->DefaultReactor();
    absl::StatusOr<principal::Principal> caller = verifier.Verify(context->client_metadata());
    if (!caller.ok()) {
      reactor->Finish(status::ToGrpc(caller.status(), "events.coopnet"));
      return reactor;
    }
    response->set_name(request->name());
    response->set_time_zone(principal::Principal::Kind_Name(caller->kind()));
    response->mutable_venue()->set_name(caller->client_address());
    (*response->mutable_title()->mutable_translations())["accept-language"] =
        std::string(Metadata(context, "accept-language"));
    response->set_sequence(
        absl::ToInt64Milliseconds(absl::FromChrono(context->deadline()) - absl::Now()));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const ev::ListEventsRequest* request,
                                       ev::ListEventsResponse* response) override {
    response->set_next_page_token(absl::StrCat(request->page_size()));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<ev::EventChange>* WatchEvents(
      grpc::CallbackServerContext* context, const ev::WatchEventsRequest* request) override {
    class Watch final : public grpc::ServerWriteReactor<ev::EventChange> {
     public:
      Watch(StandInEvents& owner, std::string cursor) : owner_(owner), cursor_(std::move(cursor)) {
        if (cursor_ == "two" || cursor_ == "fail") {
          Next();
        } else {
          owner_.watching.Notify();
        }
      }
      void OnWriteDone(bool ok) override {
        if (ok) Next();
      }
      void OnCancel() override {
        owner_.cancelled.Notify();
        Finish(grpc::Status::CANCELLED);
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        const int limit = cursor_ == "two" ? 2 : 1;
        if (sent_ == limit) {
          Finish(cursor_ == "two"
                     ? grpc::Status::OK
                     : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the stream broke"));
          return;
        }
        change_.set_cursor(absl::StrCat(++sent_));
        StartWrite(&change_);
      }
      StandInEvents& owner_;
      const std::string cursor_;
      ev::EventChange change_;
      int sent_ = 0;
    };
    return new Watch(*this, request->cursor());
  }

  absl::Notification watching;
  absl::Notification cancelled;
  // Checks principals as the real events service does.
  principal::Verifier verifier{testing::TestKeys(), "events"};
};

// The stand-in on a port of its own, which it keeps when restarted.
class StandInServer {
 public:
  StandInServer() { Start(); }
  ~StandInServer() { Stop(); }

  void Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port_), grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    grpc::EnableDefaultHealthCheckService(true);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void Stop() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    server_.reset();
  }
  int port() const { return port_; }
  StandInEvents& service() { return service_; }

 private:
  StandInEvents service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class GatewayBackendsTest : public ::testing::Test {
 protected:
  GatewayBackendsTest() : organisations_(organisations_db_.dsn(), testing::SharedRedisAddress()) {}

  std::vector<BackendAddress> Backends() {
    return {{"coopnet.organisations.v1", absl::StrCat("127.0.0.1:", organisations_.port())},
            {"coopnet.events.v1", absl::StrCat("127.0.0.1:", events_.port())}};
  }

  grpc::Status GetEvent(GatewayStack& gateway, ev::Event* event,
                        absl::Duration deadline = absl::Seconds(3),
                        const std::string& language = "") {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    if (!language.empty()) context.AddMetadata("accept-language", language);
    ev::GetEventRequest request;
    request.set_name("events/01j9");
    return ev::EventService::NewStub(gateway.channel())->GetEvent(&context, request, event);
  }

  testing::TestDatabase organisations_db_;
  testing::OrganisationsStack organisations_;
  StandInServer events_;
};

TEST_F(GatewayBackendsTest, TheSignedCallerItsDeadlineAndLanguageReachTheBackend) {
  GatewayStack gateway(Backends());
  ev::Event event;
  grpc::Status s = GetEvent(gateway, &event, absl::Seconds(3), "sv-SE, en;q=0.5");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(event.time_zone(), "ANONYMOUS");
  EXPECT_EQ(event.venue().name(), "127.0.0.1");
  EXPECT_EQ(event.title().translations().at("accept-language"), "sv-SE, en;q=0.5");
  // gRPC rounds a deadline up a little on the wire; it is never lost or lengthened by more.
  EXPECT_GT(event.sequence(), 1000);
  EXPECT_LE(event.sequence(), 3100);

  HttpReply reply = gateway.Http("GET", "/v1/events/01j9", "",
                                 {{"Accept-Language", "pl"}, GatewayStack::AdminAuthorization()});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("timeZone":"ADMIN")"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find(R"("accept-language":"pl")"), std::string::npos) << reply.body;
}

TEST_F(GatewayBackendsTest, CapsPageSizesOnBothProtocols) {
  GatewayStack gateway(Backends());
  grpc::ClientContext context;
  ev::ListEventsRequest request;
  request.set_page_size(100000);
  ev::ListEventsResponse page;
  ASSERT_TRUE(
      ev::EventService::NewStub(gateway.channel())->ListEvents(&context, request, &page).ok());
  EXPECT_EQ(page.next_page_token(), "500");
  HttpReply reply = gateway.Http("GET", "/v1/events?pageSize=100000");
  EXPECT_EQ(reply.body, R"({"nextPageToken":"500"})");
  EXPECT_EQ(gateway.Http("GET", "/v1/events?pageSize=20").body, R"({"nextPageToken":"20"})");
}

TEST_F(GatewayBackendsTest, ACancelledCallIsCancelledAtTheBackend) {
  GatewayStack gateway(Backends());
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
  ev::WatchEventsRequest request;
  request.set_cursor("wait");
  auto watch = ev::EventService::NewStub(gateway.channel())->WatchEvents(&context, request);
  ASSERT_TRUE(events_.service().watching.WaitForNotificationWithTimeout(absl::Seconds(5)));
  context.TryCancel();
  EXPECT_TRUE(events_.service().cancelled.WaitForNotificationWithTimeout(absl::Seconds(5)));
}

TEST_F(GatewayBackendsTest, ServerStreamsComeOverHttpAsJsonLines) {
  GatewayStack gateway(Backends());
  HttpReply whole =
      gateway.Http("GET", "/v1/events:watch?cursor=two", "", {GatewayStack::AdminAuthorization()});
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(whole.body, "{\"cursor\":\"1\"}\n{\"cursor\":\"2\"}\n");

  HttpReply broken =
      gateway.Http("GET", "/v1/events:watch?cursor=fail", "", {GatewayStack::AdminAuthorization()});
  std::vector<std::string> lines = absl::StrSplit(broken.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << broken.body;
  EXPECT_EQ(lines[0], "{\"cursor\":\"1\"}");
  EXPECT_NE(lines[1].find(R"({"error":{"code":9,"message":"the stream broke")"), std::string::npos)
      << lines[1];
  EXPECT_EQ(gateway.Http("GET", "/v1/events:watch?cursor=two").status, 401);
}

TEST_F(GatewayBackendsTest, ABackendThatGoesAwayIsUnavailableAndCalledAgainWhenBack) {
  GatewayStack gateway(Backends());
  ev::Event event;
  ASSERT_TRUE(GetEvent(gateway, &event).ok());
  events_.Stop();

  const absl::Time start = absl::Now();
  grpc::Status down = GetEvent(gateway, &event, absl::Seconds(2));
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2) + absl::Milliseconds(500));
  EXPECT_EQ(gateway.Http("GET", "/v1/events/01j9").status, 503);
  const absl::Time not_serving_by = absl::Now() + absl::Seconds(5);
  while (gateway.gateway().serving() && absl::Now() < not_serving_by) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_FALSE(gateway.gateway().serving());

  events_.Start();
  grpc::Status back;
  const absl::Time back_by = absl::Now() + absl::Seconds(5);
  do {
    back = GetEvent(gateway, &event, absl::Seconds(1));
  } while (!back.ok() && absl::Now() < back_by);
  EXPECT_TRUE(back.ok()) << back.error_message();
  while (!gateway.gateway().serving() && absl::Now() < back_by)
    absl::SleepFor(absl::Milliseconds(20));
  EXPECT_TRUE(gateway.gateway().serving());
  EXPECT_EQ(gateway.Http("GET", "/v1/events/01j9").status, 200);
}

GatewayOptions Limited(const std::string& redis_address, const std::string& bucket_prefix) {
  GatewayOptions options;
  options.limits.address = {.rate = 0.01, .burst = 4};
  options.redis_address = redis_address;
  options.bucket_prefix = bucket_prefix;
  return options;
}

TEST_F(GatewayBackendsTest, ReplicasShareTheirRateLimitsThroughRedis) {
  const std::string prefix = testing::UniqueName("coopnet:gateway:bucket:") + ":";
  GatewayStack first(Backends(), Limited(testing::SharedRedisAddress(), prefix));
  GatewayStack second(Backends(), Limited(testing::SharedRedisAddress(), prefix));
  int allowed = 0;
  for (GatewayStack* gateway : {&first, &second, &first, &second, &first, &second}) {
    HttpReply reply = gateway->Http("GET", "/v1/events/01j9");
    if (reply.status == 200) {
      ++allowed;
    } else {
      EXPECT_EQ(reply.status, 429) << reply.body;
      EXPECT_NE(reply.body.find("RATE_LIMITED"), std::string::npos);
      int64_t seconds = 0;
      EXPECT_TRUE(absl::SimpleAtoi(reply.headers["retry-after"], &seconds));
      EXPECT_GE(seconds, 1);
    }
  }
  EXPECT_EQ(allowed, 4);

  ev::Event event;
  grpc::ClientContext context;
  ev::GetEventRequest request;
  request.set_name("events/01j9");
  grpc::Status s = ev::EventService::NewStub(first.channel())->GetEvent(&context, request, &event);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(context.GetServerTrailingMetadata().count("retry-after"), 1u);
}

TEST_F(GatewayBackendsTest, WithoutRedisEachReplicaLimitsOnItsOwn) {
  testing::RedisServer redis;
  GatewayStack gateway(Backends(), Limited(redis.address(), "coopnet:gateway:bucket:"));
  redis.Stop();
  int allowed = 0;
  for (int i = 0; i < 6; ++i) allowed += gateway.Http("GET", "/v1/events/01j9").status == 200;
  EXPECT_EQ(allowed, 4);
}

}  // namespace
}  // namespace coopnet::gateway
