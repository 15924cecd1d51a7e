// The registrations process: `registrations` serves gRPC on :50053, `registrations
// migrate` applies the database migrations and exits (the Kubernetes Job).
#include "common/service/service_main.h"
#include "services/registrations/registration.h"
#include "services/registrations/registration_service.h"
#include "services/registrations/registration_store.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  registrations::Options defaults;
  // Filled in by the configuration before `start` runs.
  const std::string* events_address = nullptr;
  const std::string* organisations_address = nullptr;
  const absl::Duration* peer_deadline = nullptr;
  const std::string* events_stream = nullptr;
  const absl::Duration* retention_interval = nullptr;
  return service::Run(
      argc, argv,
      {.name = "registrations",
       .error_domain = registrations::kErrorDomain,
       .grpc_port = 50053,
       .metrics_port = 9103,
       .migrations = &registrations::Migrations(),
       .configure =
           [&](config::Loader& config) {
             events_address = &config.String("events_address", defaults.events_address,
                                             "gRPC address of the events process");
             organisations_address =
                 &config.String("organisations_address", defaults.organisations_address,
                                "gRPC address of the organisations process");
             peer_deadline = &config.Duration(
                 "peer_deadline", defaults.peer_deadline,
                 "the longest a call to the events or organisations process may take");
             events_stream = &config.String(
                 "events_stream", defaults.events_stream,
                 "Redis stream of the events service's changes (cancellations, moves)");
             retention_interval = &config.Duration(
                 "retention_interval", defaults.retention_interval,
                 "how often participants of past events are checked for anonymisation");
           },
       .start = [&](service::Context& context) -> absl::Status {
         registrations::Options options;
         options.events_address = *events_address;
         options.organisations_address = *organisations_address;
         options.peer_deadline = *peer_deadline;
         options.events_stream = *events_stream;
         options.retention_interval = *retention_interval;
         return registrations::RegisterServices(context, options).status();
       }});
}
