// Everything the organisations process serves, built and registered in one place, so
// that the binary and the in-process test stacks serve exactly the same thing.
#ifndef COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_
#define COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_

#include "absl/status/status.h"
#include "common/service/service_main.h"

namespace coopnet::organisations {

// Builds the stores and handlers of every service of the package on `context`'s pool
// and Redis, keeps them in `context`, and registers them with its server.
absl::Status RegisterServices(service::Context& context);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_REGISTRATION_H_
