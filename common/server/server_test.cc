#include "common/server/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::server {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using organisations::v1::GetOrganisationRequest;
using organisations::v1::Organisation;
using organisations::v1::OrganisationService;

// The test server's audience is `test`; its callers sign as the gateway.
const principal::KeySet kKeys = *principal::KeySet::Parse("gw:gateway:" + std::string(32, 'k'));
const principal::Signer kGateway(*kKeys.SigningKey("gateway"), "gateway");
constexpr char kServiceName[] = "coopnet.organisations.v1.OrganisationService";

// A service whose GetOrganisation blocks until released, to fill workers and queues.
class BlockingService final : public OrganisationService::CallbackService {
 public:
  explicit BlockingService(Server& server) : server_(server) {}

  grpc::ServerUnaryReactor* GetOrganisation(grpc::CallbackServerContext* context,
                                            const GetOrganisationRequest* request,
                                            Organisation* response) override {
    return server_.Unary(context, [this, request, response](const Call& call) {
      ++started;
      if (request->name() == "block") release.WaitForNotification();
      response->set_name(request->name());
      response->set_display_name(principal::Subject(call.principal));
      return absl::OkStatus();
    });
  }

  std::atomic<int> started{0};
  absl::Notification release;

 private:
  Server& server_;
};

ServerOptions TestOptions(int workers, int queue) {
  ServerOptions options;
  options.service_name = "test";
  options.error_domain = "test.coopnet";
  options.listen_address = "127.0.0.1:0";
  options.workers = workers;
  options.queue_capacity = queue;
  options.readiness_interval = absl::Milliseconds(20);
  options.drain_timeout = absl::Seconds(5);
  return options;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(int workers, int queue, std::function<absl::Status()> readiness = nullptr) {
    server_ = std::make_unique<Server>(TestOptions(workers, queue), kKeys);
    service_ = std::make_unique<BlockingService>(*server_);
    server_->Register(service_.get(), kServiceName);
    if (readiness) server_->SetReadinessCheck(std::move(readiness));
    ASSERT_TRUE(server_->Start().ok());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = OrganisationService::NewStub(channel_);
  }

  void TearDown() override {
    if (service_ && !service_->release.HasBeenNotified()) service_->release.Notify();
    server_.reset();
  }

  grpc::Status Get(const std::string& name, bool sign = true,
                   absl::Duration timeout = absl::Seconds(10), Organisation* out = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (sign) kGateway.Attach(principal::Admin(), "test", context);
    GetOrganisationRequest request;
    request.set_name(name);
    Organisation response;
    grpc::Status status = stub_->GetOrganisation(&context, request, &response);
    if (out != nullptr) *out = response;
    return status;
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    grpc::ClientContext context;
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status status =
        grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response);
    return status.ok() ? response.status() : HealthCheckResponse::UNKNOWN;
  }

  // Polls `condition` every 5 ms for up to 10 s.
  static bool Eventually(const std::function<bool()>& condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return condition();
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<BlockingService> service_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<OrganisationService::Stub> stub_;
};

TEST_F(ServerTest, HealthIsNotServingUntilReadinessPasses) {
  std::atomic<bool> database_up{false};
  StartServer(1, 1, [&] {
    return database_up ? absl::OkStatus() : absl::UnavailableError("database unreachable");
  });
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(kServiceName), HealthCheckResponse::NOT_SERVING);
  database_up = true;
  EXPECT_TRUE(Eventually([&] { return Health(kServiceName) == HealthCheckResponse::SERVING; }));
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  database_up = false;
  EXPECT_TRUE(Eventually([&] { return Health("") == HealthCheckResponse::NOT_SERVING; }));
}

// A liveness probe must not restart a process for its database's outage.
TEST_F(ServerTest, LivenessFollowsTheProcessNotItsDependencies) {
  StartServer(1, 1, [] { return absl::UnavailableError("database unreachable"); });
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(kLivenessService), HealthCheckResponse::SERVING);
  // Draining, it says NOT_SERVING to whoever watches (the server closes soon after).
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service(kLivenessService);
  auto watch = grpc::health::v1::Health::NewStub(channel_)->Watch(&context, request);
  HealthCheckResponse seen;
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.status(), HealthCheckResponse::SERVING);
  std::thread drain([&] { server_->Shutdown(); });
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.status(), HealthCheckResponse::NOT_SERVING);
  drain.join();
}

TEST_F(ServerTest, HealthOfAnUnknownServiceIsNotFound) {
  StartServer(1, 1);
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service("coopnet.nothing.v1.Nothing");
  HealthCheckResponse response;
  EXPECT_EQ(
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, UnsignedCallIsUnauthenticatedAndNotStarted) {
  StartServer(1, 1);
  grpc::Status status = Get("organisations/x", /*sign=*/false);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_->started.load(), 0);
}

TEST_F(ServerTest, HandlerSeesTheVerifiedCaller) {
  StartServer(1, 1);
  Organisation out;
  ASSERT_TRUE(Get("organisations/x", true, absl::Seconds(10), &out).ok());
  EXPECT_EQ(out.display_name(), "admin");
}

TEST_F(ServerTest, FullQueueAnswersResourceExhaustedAtOnce) {
  StartServer(/*workers=*/1, /*queue=*/1);
  std::thread first([&] { EXPECT_TRUE(Get("block").ok()); });
  ASSERT_TRUE(Eventually([&] { return service_->started.load() == 1; }));
  std::thread second([&] { EXPECT_TRUE(Get("queued").ok()); });
  ASSERT_TRUE(Eventually([&] { return server_->queued_calls() == 1; }));
  const absl::Time before = absl::Now();
  EXPECT_EQ(Get("refused").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
  service_->release.Notify();
  first.join();
  second.join();
  EXPECT_TRUE(Get("after").ok());
}

TEST_F(ServerTest, CallWhoseDeadlinePassedInTheQueueIsNotStarted) {
  StartServer(/*workers=*/1, /*queue=*/4);
  std::thread first([&] { EXPECT_TRUE(Get("block").ok()); });
  ASSERT_TRUE(Eventually([&] { return service_->started.load() == 1; }));
  EXPECT_EQ(Get("late", true, absl::Milliseconds(100)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // The client gave up by its own clock; the server's deadline for the call counts from
  // when the request arrived. Release the worker only once the call waits in the queue
  // and its deadline there has passed too.
  ASSERT_TRUE(Eventually([&] { return server_->queued_calls() == 1; }));
  // Not a wait for readiness: the 100 ms are the call's deadline, which must pass.
  absl::SleepFor(absl::Milliseconds(100));
  service_->release.Notify();
  first.join();
  // The worker is free again; the late call's work must have been skipped.
  ASSERT_TRUE(Get("after").ok());
  EXPECT_EQ(service_->started.load(), 2);
}

TEST_F(ServerTest, DrainLetsTheCallInFlightFinishAndTurnsHealthNotServing) {
  StartServer(1, 4);
  ASSERT_TRUE(Eventually([&] { return Health("") == HealthCheckResponse::SERVING; }));
  grpc::Status in_flight;
  std::thread first([&] { in_flight = Get("block"); });
  ASSERT_TRUE(Eventually([&] { return service_->started.load() == 1; }));
  std::thread drain([&] { server_->Shutdown(); });
  ASSERT_TRUE(Eventually([&] { return !server_->health().serving(); }));
  service_->release.Notify();
  first.join();
  drain.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
}

}  // namespace
}  // namespace coopnet::server
