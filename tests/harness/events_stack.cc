#include "tests/harness/events_stack.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/pg/migrate.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/registration.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "events stack: " << what << std::endl;
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

EventsStack::EventsStack(const std::string& organisations_dsn, const std::string& events_dsn,
                         const std::string& redis_address)
    : organisations_(std::make_unique<OrganisationsStack>(organisations_dsn, redis_address)),
      stream_(UniqueName("coopnet:events:stream")),
      redis_address_(redis_address) {
  pg::PoolOptions pool_options;
  pool_options.dsn = events_dsn;
  pool_options.size = 4;
  pool_options.connect_timeout = absl::Seconds(2);
  auto pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) Fail(std::string(pool.status().message()));
  pool_ = *std::move(pool);
  if (absl::Status s = pg::Migrate(*pool_, events::Migrations()); !s.ok()) {
    Fail(std::string(s.message()));
  }

  redis::ClientOptions redis_options;
  redis_options.address = redis_address;
  redis_ = redis::Client::Create(redis_options);

  server::ServerOptions options;
  options.service_name = "events";
  options.error_domain = events::kErrorDomain;
  options.listen_address = "127.0.0.1:0";
  options.workers = 4;
  options.readiness_interval = absl::Milliseconds(50);
  options.drain_timeout = absl::Seconds(2);
  server_ = std::make_unique<server::Server>(options, principal::Signer(kTestSecret));
  context_ = std::make_unique<service::Context>(*server_, *pool_, *redis_,
                                                /*keyspace_prefix=*/UniqueName("t"));
  events::Options events_options;
  events_options.organisations_address = absl::StrCat("127.0.0.1:", organisations_->port());
  events_options.stream = stream_;
  events_options.relay.poll_interval = absl::Milliseconds(50);
  if (absl::Status s = events::RegisterServices(*context_, events_options); !s.ok()) {
    Fail(std::string(s.message()));
  }
  server_->SetReadinessCheck([this]() -> absl::Status {
    absl::StatusOr<bool> migrated = pg::IsMigrated(*pool_, events::Migrations());
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

EventsStack::~EventsStack() { server_->Shutdown(); }

std::unique_ptr<events::v1::EventService::Stub> EventsStack::Stub() const {
  return events::v1::EventService::NewStub(channel_);
}

}  // namespace coopnet::testing
