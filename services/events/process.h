// Everything the events process serves, built and registered in one place, so that the
// binary and the in-process test stacks serve exactly the same thing.
#ifndef COOPNET_SERVICES_EVENTS_REGISTRATION_H_
#define COOPNET_SERVICES_EVENTS_REGISTRATION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"

namespace coopnet::events {

// The events process's own settings, beside those every service has.
struct Options {
  // gRPC target of the organisations process (organisations, networks).
  std::string organisations_address = "127.0.0.1:50051";
  // The longest a call to it may take.
  absl::Duration organisations_deadline = absl::Seconds(2);
  // The Redis stream the domain events go to and WatchEvents reads.
  std::string stream = "coopnet:events:stream";
  outbox::RelayOptions relay = {};
};

// Builds the store, the client of the organisations process, the outbox relay (started
// here, stopped when `context` lets go of it) and the handlers, keeps them in `context`
// and registers EventService with its server.
absl::Status RegisterServices(service::Context& context, const Options& options);

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_REGISTRATION_H_
