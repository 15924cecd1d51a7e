// The organisations service: `organisations` serves gRPC on :50051, `organisations
// migrate` applies the database migrations and exits (the Kubernetes Job).
#include "common/service/service_main.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  using namespace coopnet::organisations;
  return service::Run(
      argc, argv,
      {.name = "organisations",
       .error_domain = kErrorDomain,
       .grpc_port = 50051,
       .metrics_port = 9101,
       .migrations = &Migrations(),
       .configure = nullptr,
       .start = [](service::Context& context) -> absl::Status {
         auto& store = context.Own(std::make_unique<OrganisationStore>(context.pool()));
         cache::Cache& cache = context.Cache({"organisations", 1});
         auto& handlers =
             context.Own(std::make_unique<OrganisationService>(context.server(), store, cache));
         context.server().Register(&handlers, kServiceName);
         return absl::OkStatus();
       }});
}
