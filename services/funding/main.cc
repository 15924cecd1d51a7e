// The funding process: `funding` serves gRPC on :50054, `funding migrate` applies the
// database migrations and exits (the Kubernetes Job).
#include "common/service/service_main.h"
#include "services/funding/funding_service.h"
#include "services/funding/funding_store.h"
#include "services/funding/registration.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  // Filled in by the configuration before `start` runs.
  const std::string* organisations_address = nullptr;
  const absl::Duration* organisations_deadline = nullptr;
  const std::string* giving360_prefix = nullptr;
  return service::Run(
      argc, argv,
      {.name = "funding",
       .error_domain = funding::kErrorDomain,
       .grpc_port = 50054,
       .metrics_port = 9104,
       .migrations = &funding::Migrations(),
       .configure =
           [&](config::Loader& config) {
             organisations_address = &config.String("organisations_address", "127.0.0.1:50051",
                                                    "gRPC address of the organisations process");
             organisations_deadline =
                 &config.Duration("organisations_deadline", absl::Seconds(2),
                                  "the longest a call to the organisations process may take");
             giving360_prefix =
                 &config.String("giving360_prefix", "360G-coopnet",
                                "360Giving publisher prefix of exported grant identifiers");
           },
       .start =
           [&](service::Context& context) {
             funding::Options options;
             options.organisations_address = *organisations_address;
             options.organisations_deadline = *organisations_deadline;
             options.giving360_prefix = *giving360_prefix;
             return funding::RegisterServices(context, options);
           }});
}
