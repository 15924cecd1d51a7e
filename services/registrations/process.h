// The registrations process: its settings, everything it serves and runs, built in one
// place so that the binary, the in-process test stacks and the benchmark serve exactly
// the same.
#ifndef COOPNET_SERVICES_REGISTRATIONS_PROCESS_H_
#define COOPNET_SERVICES_REGISTRATIONS_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/background/loop.h"
#include "common/client/service_channel.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"
#include "services/registrations/directory.h"
#include "services/registrations/event_feed.h"
#include "services/registrations/personal_data_store.h"
#include "services/registrations/registration_desk.h"
#include "services/registrations/registration_service.h"
#include "services/registrations/registration_store.h"

namespace coopnet::registrations {

// The registrations process's own settings, beside those every service has.
struct Options {
  // The events and organisations processes.
  client::Peer events = {.address = "127.0.0.1:50052"};
  client::Peer organisations = {.address = "127.0.0.1:50051"};
  // The Redis stream our domain events go to and WatchRegistrations reads.
  std::string stream = "coopnet:registrations:stream";
  // The events service's stream, read in the consumer group `consumer_group`.
  std::string events_stream = "coopnet:events:stream";
  std::string consumer_group = "registrations";
  // How long one read of that stream waits for changes (also how long stopping waits).
  absl::Duration feed_block = absl::Seconds(1);
  // How often the retention job looks for events whose participants are due to be
  // anonymised.
  absl::Duration retention_interval = absl::Hours(1);
  // Derives the manage tokens handed to registrants: 32+ bytes, the same in every replica,
  // and never changed while tokens handed out should work.
  std::string manage_token_secret;
  // How CreateRegistration calls are batched into transactions.
  DeskOptions desk = {};
  // Every new registration wakes the relay, which passes at most every 50 ms: at 2,000
  // registrations a second a pass moves a hundred, and watchers hear of each within a
  // tenth of a second.
  outbox::RelayOptions relay = {.poll_interval = absl::Milliseconds(100),
                                .min_interval = absl::Milliseconds(50)};
};

// What Start builds, in the order it is built: destroyed in reverse, so that
// the threads (feed, retention, relay, watches, exports) stop before what they use goes.
struct Process {
  std::unique_ptr<RegistrationStore> store;
  std::unique_ptr<PersonalDataStore> personal_data;
  std::unique_ptr<client::ServiceChannel> events;
  std::unique_ptr<client::ServiceChannel> organisations;
  std::unique_ptr<Directory> directory;
  std::unique_ptr<outbox::Relay> relay;
  std::unique_ptr<RegistrationDesk> desk;
  std::unique_ptr<RegistrationService> service;
  std::unique_ptr<EventFeed> feed;
  std::unique_ptr<background::Loop> retention;
};

// Builds the stores, the clients of the events and organisations processes, the outbox
// relay, the events feed and the retention job (started here), and the handlers; keeps
// them in `context` and registers RegistrationService with its server.
absl::StatusOr<Process*> Start(service::Context& context, const Options& options);

// The registrations binary: `registrations` serves gRPC on :50053, `registrations
// migrate` applies the database migrations and exits (the Kubernetes Job).
service::Definition Definition();

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_PROCESS_H_
