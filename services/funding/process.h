// Everything the funding process serves, built and registered in one place, so that the
// binary and the in-process test stacks serve exactly the same thing.
#ifndef COOPNET_SERVICES_FUNDING_REGISTRATION_H_
#define COOPNET_SERVICES_FUNDING_REGISTRATION_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"

namespace coopnet::funding {

// The funding process's own settings, beside those every service has.
struct Options {
  // gRPC target of the organisations process, whose profiles funding judges.
  std::string organisations_address = "127.0.0.1:50051";
  // The longest a call to it may take.
  absl::Duration organisations_deadline = absl::Seconds(2);
  // The Redis stream the domain events go to and WatchFunding reads.
  std::string stream = "coopnet:funding:stream";
  // The publisher prefix of exported 360Giving identifiers.
  std::string giving360_prefix = "360G-coopnet";
  outbox::RelayOptions relay = {};
};

// Builds the store, the organisations client, the outbox relay (started here, stopped
// when `context` lets go of it) and the handlers, keeps them in `context` and registers
// FundingService with its server.
absl::Status RegisterServices(service::Context& context, const Options& options);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_REGISTRATION_H_
