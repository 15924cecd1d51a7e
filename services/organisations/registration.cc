#include "services/organisations/registration.h"

#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"

namespace coopnet::organisations {

absl::Status RegisterServices(service::Context& context) {
  auto& store = context.Own(std::make_unique<OrganisationStore>(context.pool()));
  cache::Cache& cache = context.Cache({"organisations", 1});
  auto& organisations =
      context.Own(std::make_unique<OrganisationService>(context.server(), store, cache));
  context.server().Register(&organisations, kServiceName);
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
