// The organisations process: its settings, everything it serves and runs, built in one
// place so that the binary, the in-process test stacks and the benchmark serve exactly
// the same.
#ifndef COOPNET_SERVICES_ORGANISATIONS_PROCESS_H_
#define COOPNET_SERVICES_ORGANISATIONS_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/outbox/relay.h"
#include "common/service/service_main.h"
#include "services/organisations/api_key_service.h"
#include "services/organisations/api_key_store.h"
#include "services/organisations/delegation_service.h"
#include "services/organisations/delegation_store.h"
#include "services/organisations/interest_service.h"
#include "services/organisations/interest_store.h"
#include "services/organisations/network_service.h"
#include "services/organisations/network_store.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/partner_request_service.h"
#include "services/organisations/partner_request_store.h"

namespace coopnet::organisations {

// The organisations process's own settings, beside those every service has.
struct Options {
  // The Redis stream the organisation changes go to and WatchOrganisations reads.
  std::string stream = "coopnet:organisations:stream";
  outbox::RelayOptions relay = {};
};

// What Start builds, in the order it is built: destroyed in reverse, so that the relay
// and the watches stop before what they use goes.
struct Process {
  std::unique_ptr<OrganisationStore> store;
  std::unique_ptr<NetworkStore> network_store;
  std::unique_ptr<ApiKeyStore> key_store;
  std::unique_ptr<DelegationStore> delegation_store;
  std::unique_ptr<PartnerRequestStore> request_store;
  std::unique_ptr<InterestStore> interest_store;
  std::unique_ptr<outbox::Relay> relay;
  std::unique_ptr<OrganisationService> organisations;
  std::unique_ptr<NetworkService> networks;
  std::unique_ptr<ApiKeyService> keys;
  std::unique_ptr<DelegationService> delegations;
  std::unique_ptr<PartnerRequestService> requests;
  std::unique_ptr<InterestService> interests;
};

// Builds the stores, the outbox relay (started here) and the handlers of every service of
// the package on `context`'s pool and Redis, keeps them in `context`, and registers them
// with its server.
absl::StatusOr<Process*> Start(service::Context& context, const Options& options = {});

// The organisations binary: `organisations` serves gRPC on :50051, `organisations
// migrate` applies the database migrations and exits (the Kubernetes Job).
service::Definition Definition();

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PROCESS_H_
