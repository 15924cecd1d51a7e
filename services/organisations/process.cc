#include "services/organisations/registration.h"

#include "services/organisations/api_key_service.h"
#include "services/organisations/network_service.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/partner_request_service.h"

namespace coopnet::organisations {

absl::Status RegisterServices(service::Context& context, const Options& options) {
  auto& store = context.Own(std::make_unique<OrganisationStore>(context.pool(), options.stream));
  cache::Cache& cache = context.Cache({"organisations", 1});
  auto& relay =
      context.Own(std::make_unique<outbox::Relay>(context.pool(), context.redis(), options.relay));
  relay.Start();
  auto& organisations = context.Own(std::make_unique<OrganisationService>(
      context.server(), store, cache, relay,
      outbox::WatchOptions{.redis_address = context.redis().options().address,
                           .stream = options.stream}));
  context.server().Register(&organisations, kServiceName);

  auto& network_store = context.Own(std::make_unique<NetworkStore>(context.pool()));
  auto& networks = context.Own(std::make_unique<NetworkService>(context.server(), network_store));
  context.server().Register(&networks, kNetworkServiceName);

  auto& key_store = context.Own(std::make_unique<ApiKeyStore>(context.pool()));
  auto& keys = context.Own(std::make_unique<ApiKeyService>(context.server(), key_store));
  context.server().Register(&keys, kApiKeyServiceName);

  auto& request_store = context.Own(std::make_unique<PartnerRequestStore>(context.pool()));
  auto& requests =
      context.Own(std::make_unique<PartnerRequestService>(context.server(), request_store, store));
  context.server().Register(&requests, kPartnerRequestServiceName);
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
