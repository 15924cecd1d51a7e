#include "services/events/process.h"

#include "common/status/status.h"

namespace coopnet::events {

absl::StatusOr<Process*> Start(service::Context& context, const Options& options) {
  if (options.list_pages.max_entries < 1 || options.list_pages.max_bytes < 1) {
    return absl::InvalidArgumentError(
        "COOPNET_LIST_CACHE_ENTRIES and COOPNET_LIST_CACHE_BYTES must be at least 1");
  }
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
      context.server(), *p.store, events_cache, options.list_pages, *p.directory, *p.relay,
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
            const int64_t& list_cache_entries =
                config.Int("list_cache_entries", defaults.list_pages.max_entries,
                           "anonymous ListEvents pages kept in Redis at most");
            const int64_t& list_cache_bytes =
                config.Int("list_cache_bytes", defaults.list_pages.max_bytes,
                           "the most those pages take of Redis, keys and bookkeeping included; "
                           "past either bound the least recently read go");
            return
                [organisations, &list_cache_entries, &list_cache_bytes](service::Context& context) {
                  Options options;
                  options.organisations = organisations.value();
                  options.list_pages.max_entries = list_cache_entries;
                  options.list_pages.max_bytes = list_cache_bytes;
                  return Start(context, options).status();
                };
          }};
}

}  // namespace coopnet::events
