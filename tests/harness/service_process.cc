#include "tests/harness/service_process.h"

#include <grpcpp/support/client_interceptor.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {
namespace {

// Where Sign leaves the caller for SealingInterceptor to seal.
constexpr char kCallerKey[] = "coopnet-test-caller-bin";

class SealingInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit SealingInterceptor(std::string audience) : audience_(std::move(audience)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      std::multimap<std::string, std::string>* metadata = methods->GetSendInitialMetadata();
      auto it = metadata->find(kCallerKey);
      if (it != metadata->end()) {
        principal::Principal caller;
        caller.ParseFromString(it->second);
        metadata->erase(it);
        // A service's own principal is signed by that service, as only it may; any other
        // by the gateway.
        const std::string issuer =
            caller.kind() == principal::Principal::SERVICE ? caller.service() : "gateway";
        principal::Signer::Sealed sealed =
            principal::Signer(*TestKeys().SigningKey(issuer), issuer).Seal(caller, audience_);
        metadata->emplace(principal::kPrincipalKey, std::move(sealed.bytes));
        metadata->emplace(principal::kSignatureKey, std::move(sealed.signature));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string audience_;
};

class SealingInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new SealingInterceptor(principal::AudienceOf(info->method()));
  }
};

bool Serving(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

bool AwaitServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!Serving(channel)) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

const principal::KeySet& TestKeys() {
  static const principal::KeySet* keys =
      new principal::KeySet(*principal::KeySet::Parse(kTestKeys));
  return *keys;
}

void Sign(grpc::ClientContext& context, const principal::Principal& caller) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.AddMetadata(kCallerKey, caller.SerializeAsString());
}

std::shared_ptr<grpc::Channel> SigningChannel(const std::string& address,
                                              grpc::ChannelArguments args) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<SealingInterceptorFactory>());
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, grpc::InsecureChannelCredentials(), args, std::move(factories));
}

ServiceProcess::ServiceProcess(const Spec& spec) {
  auto fail = [&](absl::string_view what) {
    std::cerr << spec.name << " process: " << what << std::endl;
    std::abort();
  };
  pg::PoolOptions pool_options;
  pool_options.dsn = spec.pg_dsn;
  pool_options.size = 4;
  pool_options.connect_timeout = absl::Seconds(2);
  auto pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) fail(pool.status().message());
  pool_ = *std::move(pool);
  if (absl::Status s = pg::Migrate(*pool_, *spec.migrations); !s.ok()) fail(s.message());

  redis::ClientOptions redis_options;
  redis_options.address = spec.redis_address;
  redis_ = redis::Client::Create(redis_options);

  server::ServerOptions options;
  options.service_name = spec.name;
  options.error_domain = spec.error_domain;
  options.listen_address = "127.0.0.1:0";
  options.workers = 4;
  options.readiness_interval = absl::Milliseconds(50);
  options.drain_timeout = absl::Seconds(2);
  server_ = std::make_unique<server::Server>(options, TestKeys());
  context_ = std::make_unique<service::Context>(*server_, *pool_, *redis_, *redis_,
                                                /*keyspace_prefix=*/UniqueName("t"));
  if (absl::Status s = spec.start(*context_); !s.ok()) fail(s.message());
  server_->SetReadinessCheck(service::MigratedDatabase(*pool_, *spec.migrations));
  if (absl::Status s = server_->Start(); !s.ok()) fail(s.message());
  channel_ = SigningChannel(absl::StrCat("127.0.0.1:", server_->port()));
  if (!AwaitServing(channel_)) fail("not SERVING within 20 s");
}

ServiceProcess::~ServiceProcess() { server_->Shutdown(); }

}  // namespace coopnet::testing
