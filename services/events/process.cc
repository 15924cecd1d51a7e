#include "services/events/registration.h"

#include "common/client/service_channel.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/organisation_directory.h"

namespace coopnet::events {

absl::Status RegisterServices(service::Context& context, const Options& options) {
  auto& store = context.Own(std::make_unique<EventStore>(context.pool(), options.stream));
  cache::Cache& events_cache = context.Cache({"events", 1});
  cache::Cache& directory_cache = context.Cache({"events_directory", 1});
  auto& organisations = context.Own(std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = options.organisations_address,
                             .caller = "events",
                             .callee = "organisations",
                             .deadline = options.organisations_deadline},
      context.server().signer()));
  auto& directory =
      context.Own(std::make_unique<OrganisationDirectory>(organisations, directory_cache));
  auto& relay =
      context.Own(std::make_unique<outbox::Relay>(context.pool(), context.redis(), options.relay));
  relay.Start();
  auto& events = context.Own(std::make_unique<EventService>(
      context.server(), store, events_cache, directory, relay,
      outbox::WatchOptions{.redis_address = context.redis().options().address,
                           .stream = options.stream}));
  context.server().Register(&events, kServiceName);
  return absl::OkStatus();
}

}  // namespace coopnet::events
