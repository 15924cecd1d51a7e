// The events process: `events` serves gRPC on :50052, `events migrate` applies the
// database migrations and exits (the Kubernetes Job).
#include "common/service/service_main.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/registration.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  // Filled in by the configuration before `start` runs.
  const std::string* organisations_address = nullptr;
  const absl::Duration* organisations_deadline = nullptr;
  return service::Run(argc, argv,
                      {.name = "events",
                       .error_domain = events::kErrorDomain,
                       .grpc_port = 50052,
                       .metrics_port = 9102,
                       .migrations = &events::Migrations(),
                       .configure =
                           [&](config::Loader& config) {
                             organisations_address =
                                 &config.String("organisations_address", "127.0.0.1:50051",
                                                "gRPC address of the organisations process");
                             organisations_deadline = &config.Duration(
                                 "organisations_deadline", absl::Seconds(2),
                                 "the longest a call to the organisations process may take");
                           },
                       .start =
                           [&](service::Context& context) {
                             events::Options options;
                             options.organisations_address = *organisations_address;
                             options.organisations_deadline = *organisations_deadline;
                             return events::RegisterServices(context, options);
                           }});
}
