// coopnet.organisations.v1.OrganisationService: the gRPC handlers. Each reads like
// DESIGN.md's four steps: validate, authorise, act (store and cache), answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_

#include "common/cache/cache.h"
#include "common/outbox/relay.h"
#include "common/outbox/watch.h"
#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/organisations/organisation_store.h"

namespace coopnet::organisations {

inline constexpr char kServiceName[] = "coopnet.organisations.v1.OrganisationService";
inline constexpr char kErrorDomain[] = "organisations.coopnet";

class OrganisationService {
 public:
  // Reads go through `cache` (cache-aside; Redis down is a miss); writes invalidate it
  // after they commit and wake `relay` to publish the change they recorded, which
  // WatchOrganisations streams from the Redis stream of `watch`.
  OrganisationService(server::Server& server, OrganisationStore& store, cache::Cache& cache,
                      outbox::Relay& relay, outbox::WatchOptions watch);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateOrganisation(const server::Call& call,
                                  const v1::CreateOrganisationRequest& request,
                                  Organisation& response);
  absl::Status GetOrganisation(const server::Call& call, const v1::GetOrganisationRequest& request,
                               Organisation& response);
  absl::Status ListOrganisations(const server::Call& call,
                                 const v1::ListOrganisationsRequest& request,
                                 v1::ListOrganisationsResponse& response);
  absl::Status UpdateOrganisation(const server::Call& call,
                                  const v1::UpdateOrganisationRequest& request,
                                  Organisation& response);
  absl::Status DeleteOrganisation(const server::Call& call,
                                  const v1::DeleteOrganisationRequest& request,
                                  google::protobuf::Empty&);
  absl::Status SearchOrganisations(const server::Call& call,
                                   const v1::SearchOrganisationsRequest& request,
                                   v1::SearchOrganisationsResponse& response);
  absl::Status LookupOrganisation(const server::Call& call,
                                  const v1::LookupOrganisationRequest& request,
                                  Organisation& response);
  absl::Status ListCountryGroups(const server::Call& call,
                                 const v1::ListCountryGroupsRequest& request,
                                 v1::ListCountryGroupsResponse& response);
  absl::Status VerifyIdentifier(const server::Call& call,
                                const v1::VerifyIdentifierRequest& request, Organisation& response);
  absl::Status UnverifyIdentifier(const server::Call& call,
                                  const v1::UnverifyIdentifierRequest& request,
                                  Organisation& response);
  // Both of the above: a request naming the organisation and its claim, with etag and
  // request_id.
  template <typename Request>
  absl::Status SetIdentifierState(const server::Call& call, absl::string_view method,
                                  const Request& request, v1::Identifier::State state,
                                  Organisation& response);
  grpc::ServerWriteReactor<v1::OrganisationChange>* WatchOrganisations(
      grpc::CallbackServerContext* context, const v1::WatchOrganisationsRequest* request);
  // After a commit: the cached copy is stale, and a change waits in the outbox.
  void Wrote(absl::string_view id);

  OrganisationStore& store_;
  cache::Cache& cache_;
  outbox::Relay& relay_;
  outbox::Watchers<v1::OrganisationChange> watchers_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_
