// coopnet.organisations.v1.OrganisationService: the gRPC handlers. Each reads like
// DESIGN.md's four steps: validate, authorise, act (store and cache), answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_

#include "common/cache/cache.h"
#include "common/outbox/relay.h"
#include "common/outbox/watch.h"
#include "common/server/server.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/organisations/organisation_store.h"

namespace coopnet::organisations {

inline constexpr char kServiceName[] = "coopnet.organisations.v1.OrganisationService";
inline constexpr char kErrorDomain[] = "organisations.coopnet";

class OrganisationService final : public v1::OrganisationService::CallbackService {
 public:
  // Reads go through `cache` (cache-aside; Redis down is a miss); writes invalidate it
  // after they commit and wake `relay` to publish the change they recorded, which
  // WatchOrganisations streams from the Redis stream of `watch`.
  OrganisationService(server::Server& server, OrganisationStore& store, cache::Cache& cache,
                      outbox::Relay& relay, outbox::WatchOptions watch);

  grpc::ServerUnaryReactor* CreateOrganisation(grpc::CallbackServerContext* context,
                                               const v1::CreateOrganisationRequest* request,
                                               Organisation* response) override;
  grpc::ServerUnaryReactor* GetOrganisation(grpc::CallbackServerContext* context,
                                            const v1::GetOrganisationRequest* request,
                                            Organisation* response) override;
  grpc::ServerUnaryReactor* ListOrganisations(grpc::CallbackServerContext* context,
                                              const v1::ListOrganisationsRequest* request,
                                              v1::ListOrganisationsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateOrganisation(grpc::CallbackServerContext* context,
                                               const v1::UpdateOrganisationRequest* request,
                                               Organisation* response) override;
  grpc::ServerUnaryReactor* DeleteOrganisation(grpc::CallbackServerContext* context,
                                               const v1::DeleteOrganisationRequest* request,
                                               google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* SearchOrganisations(grpc::CallbackServerContext* context,
                                                const v1::SearchOrganisationsRequest* request,
                                                v1::SearchOrganisationsResponse* response) override;
  grpc::ServerUnaryReactor* LookupOrganisation(grpc::CallbackServerContext* context,
                                               const v1::LookupOrganisationRequest* request,
                                               Organisation* response) override;
  grpc::ServerWriteReactor<v1::OrganisationChange>* WatchOrganisations(
      grpc::CallbackServerContext* context, const v1::WatchOrganisationsRequest* request) override;

 private:
  absl::Status Create(const server::Call& call, const v1::CreateOrganisationRequest& request,
                      Organisation& response);
  absl::Status Get(const server::Call& call, const v1::GetOrganisationRequest& request,
                   Organisation& response);
  absl::Status List(const server::Call& call, const v1::ListOrganisationsRequest& request,
                    v1::ListOrganisationsResponse& response);
  absl::Status Update(const server::Call& call, const v1::UpdateOrganisationRequest& request,
                      Organisation& response);
  absl::Status Delete(const server::Call& call, const v1::DeleteOrganisationRequest& request);
  absl::Status Search(const server::Call& call, const v1::SearchOrganisationsRequest& request,
                      v1::SearchOrganisationsResponse& response);
  absl::Status Lookup(const server::Call& call, const v1::LookupOrganisationRequest& request,
                      Organisation& response);
  // After a commit: the cached copy is stale, and a change waits in the outbox.
  void Wrote(absl::string_view id);

  server::Server& server_;
  OrganisationStore& store_;
  cache::Cache& cache_;
  outbox::Relay& relay_;
  outbox::Watchers<v1::OrganisationChange> watchers_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_SERVICE_H_
