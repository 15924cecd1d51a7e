#include "services/organisations/process.h"

namespace coopnet::organisations {

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  cache::Cache& cache = context.Cache({"organisations", 1});
  Process& p = context.Own(std::make_unique<Process>());
  server::Server& server = context.server();
  p.store = std::make_unique<OrganisationStore>(context.pool(), options.stream);
  p.network_store = std::make_unique<NetworkStore>(context.pool(), options.stream);
  p.key_store = std::make_unique<ApiKeyStore>(context.pool());
  p.delegation_store = std::make_unique<DelegationStore>(context.pool());
  p.request_store = std::make_unique<PartnerRequestStore>(context.pool());
  p.interest_store = std::make_unique<InterestStore>(context.pool(), options.stream);
  p.relay = std::make_unique<outbox::Relay>(context.pool(), context.streams_redis(), options.relay);
  p.relay->Start();
  p.organisations = std::make_unique<OrganisationService>(
      server, *p.store, cache, *p.relay,
      outbox::WatchOptions{.redis = context.streams_redis().options(), .stream = options.stream});
  p.networks = std::make_unique<NetworkService>(server, *p.network_store);
  p.keys = std::make_unique<ApiKeyService>(server, *p.key_store, *p.delegation_store);
  p.delegations = std::make_unique<DelegationService>(server, *p.delegation_store);
  p.requests = std::make_unique<PartnerRequestService>(server, *p.request_store, *p.store);
  p.interests = std::make_unique<InterestService>(server, *p.interest_store);
  server.Register(p.organisations->table());
  server.Register(p.networks->table());
  server.Register(p.keys->table());
  server.Register(p.delegations->table());
  server.Register(p.requests->table());
  server.Register(p.interests->table());
  return &p;
}

service::Definition Definition() {
  return {.name = "organisations",
          .error_domain = kErrorDomain,
          .grpc_port = 50051,
          .metrics_port = 9101,
          .migrations = &Migrations(),
          .settings = [](config::Loader&) -> service::Starter {
            return [](service::Context& context) { return Start(context).status(); };
          }};
}

}  // namespace coopnet::organisations
