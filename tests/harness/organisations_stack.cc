#include "tests/harness/organisations_stack.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/pg/migrate.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/registration.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "organisations stack: " << what << std::endl;
  std::abort();
}

bool Serving(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

OrganisationsStack::OrganisationsStack(const std::string& pg_dsn, const std::string& redis_address)
    : stream_(UniqueName("coopnet:organisations:stream")) {
  pg::PoolOptions pool_options;
  pool_options.dsn = pg_dsn;
  pool_options.size = 4;
  pool_options.connect_timeout = absl::Seconds(2);
  auto pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) Fail(std::string(pool.status().message()));
  pool_ = *std::move(pool);
  if (absl::Status s = pg::Migrate(*pool_, organisations::Migrations()); !s.ok()) {
    Fail(std::string(s.message()));
  }

  redis::ClientOptions redis_options;
  redis_options.address = redis_address;
  redis_ = redis::Client::Create(redis_options);

  server::ServerOptions options;
  options.service_name = "organisations";
  options.error_domain = organisations::kErrorDomain;
  options.listen_address = "127.0.0.1:0";
  options.workers = 4;
  options.readiness_interval = absl::Milliseconds(50);
  options.drain_timeout = absl::Seconds(2);
  server_ = std::make_unique<server::Server>(options, principal::Signer(kTestSecret));
  context_ = std::make_unique<service::Context>(*server_, *pool_, *redis_,
                                                /*keyspace_prefix=*/UniqueName("t"));
  organisations::Options organisations_options;
  organisations_options.stream = stream_;
  organisations_options.relay.poll_interval = absl::Milliseconds(50);
  if (absl::Status s = organisations::RegisterServices(*context_, organisations_options); !s.ok()) {
    Fail(std::string(s.message()));
  }
  server_->SetReadinessCheck([this]() -> absl::Status {
    absl::StatusOr<bool> migrated = pg::IsMigrated(*pool_, organisations::Migrations());
    if (!migrated.ok()) return migrated.status();
    return *migrated ? absl::OkStatus() : absl::UnavailableError("not migrated");
  });
  if (absl::Status s = server_->Start(); !s.ok()) Fail(std::string(s.message()));
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                 grpc::InsecureChannelCredentials());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Serving(channel_)) {
    if (absl::Now() > deadline) Fail("not SERVING within 20 s");
    absl::SleepFor(absl::Milliseconds(20));
  }
}

OrganisationsStack::~OrganisationsStack() { server_->Shutdown(); }

std::unique_ptr<organisations::v1::OrganisationService::Stub> OrganisationsStack::Stub() const {
  return organisations::v1::OrganisationService::NewStub(channel_);
}

std::unique_ptr<organisations::v1::NetworkService::Stub> OrganisationsStack::NetworkStub() const {
  return organisations::v1::NetworkService::NewStub(channel_);
}

std::unique_ptr<organisations::v1::PartnerRequestService::Stub>
OrganisationsStack::PartnerRequestStub() const {
  return organisations::v1::PartnerRequestService::NewStub(channel_);
}

std::unique_ptr<organisations::v1::ApiKeyService::Stub> OrganisationsStack::ApiKeyStub() const {
  return organisations::v1::ApiKeyService::NewStub(channel_);
}

void OrganisationsStack::Sign(grpc::ClientContext& context, const principal::Principal& caller) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  principal::Signer(kTestSecret).Attach(caller, context);
}

}  // namespace coopnet::testing
