// The funding process: its settings, everything it serves and runs, built in one place so
// that the binary, the in-process test stacks and the benchmark serve exactly the same.
#ifndef COOPNET_SERVICES_FUNDING_PROCESS_H_
#define COOPNET_SERVICES_FUNDING_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client/service_channel.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"
#include "services/funding/funding_service.h"
#include "services/funding/funding_store.h"
#include "services/funding/organisation_profiles.h"

namespace coopnet::funding {

// The funding process's own settings, beside those every service has.
struct Options {
  // The organisations process, whose profiles funding judges.
  client::Peer organisations = {.address = "127.0.0.1:50051"};
  // The Redis stream the domain events go to and WatchFunding reads.
  std::string stream = "coopnet:funding:stream";
  // The publisher prefix of exported 360Giving identifiers.
  std::string giving360_prefix = "360G-coopnet";
  outbox::RelayOptions relay = {};
};

// What Start builds, in the order it is built: destroyed in reverse, so that the relay
// and the watches stop before what they use goes.
struct Process {
  std::unique_ptr<FundingStore> store;
  std::unique_ptr<client::ServiceChannel> organisations;
  std::unique_ptr<OrganisationProfiles> profiles;
  std::unique_ptr<outbox::Relay> relay;
  std::unique_ptr<FundingService> service;
};

// Builds the store, the organisations client, the outbox relay (started here) and the
// handlers, keeps them in `context` and registers FundingService with its server.
absl::StatusOr<Process*> Start(service::Context& context, const Options& options);

// The funding binary: `funding` serves gRPC on :50054, `funding migrate` applies the
// database migrations and exits (the Kubernetes Job).
service::Definition Definition();

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_PROCESS_H_
