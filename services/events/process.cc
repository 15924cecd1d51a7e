#include "services/events/process.h"

#include "common/status/status.h"

namespace coopnet::events {

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  cache::Cache& events_cache = context.Cache({"events", 1});
  cache::Cache& directory_cache = context.Cache({"events_directory", 1});
  Process& p = context.Own(std::make_unique<Process>());
  p.store = std::make_unique<EventStore>(context.pool(), options.stream);
  COOPNET_ASSIGN_OR_RETURN(p.organisations,
                           context.Channel("events", "organisations", options.organisations));
  p.directory = std::make_unique<OrganisationDirectory>(*p.organisations, directory_cache);
  p.relay = std::make_unique<outbox::Relay>(context.pool(), context.streams_redis(), options.relay);
  p.relay->Start();
  p.service = std::make_unique<EventService>(
      context.server(), *p.store, events_cache, *p.directory, *p.relay,
      outbox::WatchOptions{.redis = context.streams_redis().options(), .stream = options.stream});
  context.server().Register(p.service->table());
  return &p;
}

service::Definition Definition() {
  return {.name = "events",
          .error_domain = kErrorDomain,
          .grpc_port = 50052,
          .metrics_port = 9102,
          .migrations = &Migrations(),
          .settings = [](config::Loader& config) -> service::Starter {
            const Options defaults;
            const service::PeerSetting organisations =
                service::DeclarePeer(config, "organisations", defaults.organisations);
            return [organisations](service::Context& context) {
              Options options;
              options.organisations = organisations.value();
              return Start(context, options).status();
            };
          }};
}

}  // namespace coopnet::events
