#include "tests/harness/events_stack.h"

#include "absl/strings/str_cat.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/process.h"
#include "tests/harness/servers.h"

namespace coopnet::testing {

EventsStack::EventsStack(const std::string& organisations_dsn, const std::string& events_dsn,
                         const std::string& redis_address, events::Options options)
    : organisations_(std::make_unique<OrganisationsStack>(organisations_dsn, redis_address)),
      stream_(UniqueName("coopnet:events:stream")),
      redis_address_(redis_address) {
  options.organisations.address = absl::StrCat("127.0.0.1:", organisations_->port());
  options.stream = stream_;
  options.relay.poll_interval = absl::Milliseconds(50);
  process_ = std::make_unique<ServiceProcess>(
      ServiceProcess::Spec{.name = "events",
                           .error_domain = events::kErrorDomain,
                           .pg_dsn = events_dsn,
                           .redis_address = redis_address,
                           .migrations = &events::Migrations(),
                           .start = [options](service::Context& context) {
                             return events::Start(context, options).status();
                           }});
}

EventsStack::~EventsStack() = default;

std::unique_ptr<events::v1::EventService::Stub> EventsStack::Stub() const {
  return events::v1::EventService::NewStub(channel());
}

}  // namespace coopnet::testing
