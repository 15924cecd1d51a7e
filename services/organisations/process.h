// Everything the organisations process serves, built and registered in one place, so
// that the binary and the in-process test stacks serve exactly the same thing.
#ifndef COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_
#define COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_

#include <string>

#include "absl/status/status.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"

namespace coopnet::organisations {

// The organisations process's own settings, beside those every service has.
struct Options {
  // The Redis stream the organisation changes go to and WatchOrganisations reads.
  std::string stream = "coopnet:organisations:stream";
  outbox::RelayOptions relay = {};
};

// Builds the stores, the outbox relay (started here, stopped when `context` lets go of
// it) and the handlers of every service of the package on `context`'s pool and Redis,
// keeps them in `context`, and registers them with its server.
absl::Status RegisterServices(service::Context& context, const Options& options = {});

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_
