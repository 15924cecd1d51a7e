#include "tests/harness/registrations_stack.h"

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/pg/migrate.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/registrations/registration_service.h"
#include "services/registrations/registration_store.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "registrations stack: " << what << std::endl;
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

RegistrationsStack::RegistrationsStack(const std::string& organisations_dsn,
                                       const std::string& events_dsn,
                                       const std::string& registrations_dsn,
                                       const std::string& redis_address,
                                       RegistrationsStackOptions options)
    : events_(std::make_unique<EventsStack>(organisations_dsn, events_dsn, redis_address)),
      stream_(UniqueName("coopnet:registrations:stream")),
      redis_address_(redis_address) {
  pg::PoolOptions pool_options;
  pool_options.dsn = registrations_dsn;
  pool_options.size = options.workers;
  pool_options.connect_timeout = absl::Seconds(2);
  auto pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) Fail(std::string(pool.status().message()));
  pool_ = *std::move(pool);
  if (absl::Status s = pg::Migrate(*pool_, registrations::Migrations()); !s.ok()) {
    Fail(std::string(s.message()));
  }

  redis::ClientOptions redis_options;
  redis_options.address = redis_address;
  redis_ = redis::Client::Create(redis_options);

  server::ServerOptions server_options;
  server_options.service_name = "registrations";
  server_options.error_domain = registrations::kErrorDomain;
  server_options.listen_address = "127.0.0.1:0";
  server_options.workers = options.workers;
  server_options.queue_capacity = options.queue_capacity;
  server_options.readiness_interval = absl::Milliseconds(50);
  server_options.drain_timeout = absl::Seconds(2);
  server_ = std::make_unique<server::Server>(server_options, TestKeys());
  context_ = std::make_unique<service::Context>(*server_, *pool_, *redis_, *redis_,
                                                /*keyspace_prefix=*/UniqueName("t"));
  registrations::Options registrations_options;
  registrations_options.events.address = absl::StrCat("127.0.0.1:", events_->port());
  registrations_options.organisations.address =
      absl::StrCat("127.0.0.1:", events_->organisations()->port());
  registrations_options.stream = stream_;
  registrations_options.manage_token_secret = kTestManageTokenSecret;
  registrations_options.events_stream = events_->stream();
  registrations_options.relay.poll_interval = absl::Milliseconds(50);
  registrations_options.feed_block = absl::Milliseconds(100);
  absl::StatusOr<registrations::Process*> process =
      registrations::Start(*context_, registrations_options);
  if (!process.ok()) Fail(std::string(process.status().message()));
  process_ = *process;
  server_->SetReadinessCheck(service::MigratedDatabase(*pool_, registrations::Migrations()));
  if (absl::Status s = server_->Start(); !s.ok()) Fail(std::string(s.message()));
  channel_ = SigningChannel(absl::StrCat("127.0.0.1:", server_->port()));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Serving(channel_)) {
    if (absl::Now() > deadline) Fail("not SERVING within 20 s");
    absl::SleepFor(absl::Milliseconds(20));
  }
}

RegistrationsStack::~RegistrationsStack() { server_->Shutdown(); }

std::unique_ptr<registrations::v1::RegistrationService::Stub> RegistrationsStack::Stub() const {
  return registrations::v1::RegistrationService::NewStub(channel_);
}

std::unique_ptr<registrations::v1::RegistrationService::Stub> RegistrationsStack::NewClient()
    const {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return registrations::v1::RegistrationService::NewStub(
      SigningChannel(absl::StrCat("127.0.0.1:", server_->port()), args));
}

std::string RegistrationsStack::CreateOrganisation(
    const organisations::v1::Organisation& organisation) {
  grpc::ClientContext context;
  Sign(context, principal::Admin());
  organisations::v1::CreateOrganisationRequest request;
  *request.mutable_organisation() = organisation;
  organisations::v1::Organisation created;
  const grpc::Status s = organisations().Stub()->CreateOrganisation(&context, request, &created);
  if (!s.ok()) Fail("CreateOrganisation: " + s.error_message());
  return created.name();
}

std::string RegistrationsStack::PublishMeeting(const std::string& organiser, int days_ahead,
                                               const std::string& network) {
  using google::protobuf::util::TimeUtil;
  events::v1::Event meeting = seeds::CopenhagenInfoMeeting(organiser);
  const absl::Time start = absl::Now() + absl::Hours(24 * days_ahead);
  *meeting.mutable_start_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start));
  *meeting.mutable_end_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start + absl::Hours(2)));
  if (!network.empty()) {
    meeting.set_network(network);
    meeting.set_visibility(events::v1::Event::NETWORK);
  }
  return Publish(meeting);
}

std::string RegistrationsStack::Publish(const events::v1::Event& event) {
  events::v1::Event created;
  {
    grpc::ClientContext context;
    Sign(context, principal::Admin());
    events::v1::CreateEventRequest request;
    *request.mutable_event() = event;
    const grpc::Status s = events_->Stub()->CreateEvent(&context, request, &created);
    if (!s.ok()) Fail("CreateEvent: " + s.error_message());
  }
  grpc::ClientContext context;
  Sign(context, principal::Admin());
  events::v1::PublishEventRequest request;
  request.set_name(created.name());
  events::v1::Event published;
  const grpc::Status s = events_->Stub()->PublishEvent(&context, request, &published);
  if (!s.ok()) Fail("PublishEvent: " + s.error_message());
  return published.name();
}

registrations::v1::RegistrationPolicy RegistrationsStack::SetPolicy(
    const std::string& event, const registrations::v1::RegistrationPolicy& policy) {
  grpc::ClientContext context;
  Sign(context, principal::Admin());
  registrations::v1::UpdateRegistrationPolicyRequest request;
  *request.mutable_policy() = policy;
  request.mutable_policy()->set_name(event + "/registrationPolicy");
  request.mutable_update_mask()->add_paths("*");
  registrations::v1::RegistrationPolicy updated;
  const grpc::Status s = Stub()->UpdateRegistrationPolicy(&context, request, &updated);
  if (!s.ok()) Fail("UpdateRegistrationPolicy: " + s.error_message());
  return updated;
}

}  // namespace coopnet::testing
