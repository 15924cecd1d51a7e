// The organisations process: `organisations` serves gRPC on :50051, `organisations
// migrate` applies the database migrations and exits (the Kubernetes Job).
#include "common/service/service_main.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/registration.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  return service::Run(argc, argv,
                      {.name = "organisations",
                       .error_domain = organisations::kErrorDomain,
                       .grpc_port = 50051,
                       .metrics_port = 9101,
                       .migrations = &organisations::Migrations(),
                       .configure = nullptr,
                       .start = [](service::Context& context) {
                         return organisations::RegisterServices(context);
                       }});
}
