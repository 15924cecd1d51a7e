// The events process: its settings, everything it serves and runs, built in one place so
// that the binary, the in-process test stacks and the benchmark serve exactly the same.
#ifndef COOPNET_SERVICES_EVENTS_PROCESS_H_
#define COOPNET_SERVICES_EVENTS_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client/service_channel.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/organisation_directory.h"

namespace coopnet::events {

// The events process's own settings, beside those every service has.
struct Options {
  // The organisations process (organisations, networks).
  client::Peer organisations = {.address = "127.0.0.1:50051"};
  // The Redis stream the domain events go to and WatchEvents reads.
  std::string stream = "coopnet:events:stream";
  outbox::RelayOptions relay = {};
  // What the anonymous list pages may take of the caches' Redis.
  cache::Budget list_pages = {.name = "list_pages", .max_entries = 5000, .max_bytes = 32 << 20};
};

// What Start builds, in the order it is built: destroyed in reverse, so that the relay
// and the watches stop before what they use goes.
struct Process {
  std::unique_ptr<EventStore> store;
  std::unique_ptr<client::ServiceChannel> organisations;
  std::unique_ptr<OrganisationDirectory> directory;
  std::unique_ptr<outbox::Relay> relay;
  std::unique_ptr<EventService> service;
};

// Builds the store, the client of the organisations process, the outbox relay (started
// here) and the handlers, keeps them in `context` and registers EventService with its
// server.
absl::StatusOr<Process*> Start(service::Context& context, const Options& options);

// The events binary: `events` serves gRPC on :50052, `events migrate` applies the
// database migrations and exits (the Kubernetes Job).
service::Definition Definition();

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_PROCESS_H_
