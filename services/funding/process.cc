#include "services/funding/registration.h"

#include "common/client/service_channel.h"
#include "services/funding/funding_service.h"
#include "services/funding/funding_store.h"
#include "services/funding/organisation_profiles.h"

namespace coopnet::funding {

absl::Status RegisterServices(service::Context& context, const Options& options) {
  auto& store = context.Own(std::make_unique<FundingStore>(context.pool(), options.stream));
  cache::Cache& calls_cache = context.Cache({"funding", 1});
  cache::Cache& profiles_cache = context.Cache({"funding_profiles", 1});
  auto& organisations = context.Own(std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = options.organisations_address,
                             .caller = "funding",
                             .callee = "organisations",
                             .deadline = options.organisations_deadline},
      context.server().signer()));
  auto& profiles =
      context.Own(std::make_unique<OrganisationProfiles>(organisations, profiles_cache));
  auto& relay =
      context.Own(std::make_unique<outbox::Relay>(context.pool(), context.redis(), options.relay));
  relay.Start();
  auto& funding = context.Own(std::make_unique<FundingService>(
      context.server(), store, calls_cache, profiles, relay,
      ServiceOptions{.giving360_prefix = options.giving360_prefix,
                     .watch = {.redis_address = context.redis().options().address,
                               .stream = options.stream}}));
  context.server().Register(&funding, kServiceName);
  return absl::OkStatus();
}

}  // namespace coopnet::funding
