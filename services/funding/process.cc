#include "services/funding/process.h"

#include "common/status/status.h"

namespace coopnet::funding {

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  cache::Cache& calls_cache = context.Cache({"funding", 1});
  cache::Cache& profiles_cache = context.Cache({"funding_profiles", 1});
  Process& p = context.Own(std::make_unique<Process>());
  p.store = std::make_unique<FundingStore>(context.pool(), options.stream);
  COOPNET_ASSIGN_OR_RETURN(p.organisations,
                           context.Channel("funding", "organisations", options.organisations));
  p.profiles = std::make_unique<OrganisationProfiles>(*p.organisations, profiles_cache);
  p.relay = std::make_unique<outbox::Relay>(context.pool(), context.streams_redis(), options.relay);
  p.relay->Start();
  p.service = std::make_unique<FundingService>(
      context.server(), *p.store, calls_cache, *p.profiles, *p.relay,
      ServiceOptions{
          .giving360_prefix = options.giving360_prefix,
          .watch = {.redis = context.streams_redis().options(), .stream = options.stream}});
  context.server().Register(p.service->table());
  return &p;
}

service::Definition Definition() {
  return {.name = "funding",
          .error_domain = kErrorDomain,
          .grpc_port = 50054,
          .metrics_port = 9104,
          .migrations = &Migrations(),
          .settings = [](config::Loader& config) -> service::Starter {
            const Options defaults;
            const service::PeerSetting organisations =
                service::DeclarePeer(config, "organisations", defaults.organisations);
            const std::string& giving360_prefix =
                config.String("giving360_prefix", defaults.giving360_prefix,
                              "360Giving publisher prefix of exported grant identifiers");
            return [organisations, &giving360_prefix](service::Context& context) {
              Options options;
              options.organisations = organisations.value();
              options.giving360_prefix = giving360_prefix;
              return Start(context, options).status();
            };
          }};
}

}  // namespace coopnet::funding
