// coopnet.organisations.v1.DelegationService: the gRPC handlers of delegations, each in
// DESIGN.md's four steps: validate, authorise (delegation_rules.h), act, answer. What a
// delegation lets its holder do is checked where the write happens (principal::ActsFor).
#ifndef COOPNET_SERVICES_ORGANISATIONS_DELEGATION_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_DELEGATION_SERVICE_H_

#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/delegations.grpc.pb.h"
#include "services/organisations/delegation_store.h"

namespace coopnet::organisations {

inline constexpr char kDelegationServiceName[] = "coopnet.organisations.v1.DelegationService";

class DelegationService {
 public:
  DelegationService(server::Server& server, DelegationStore& store);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateDelegation(const server::Call& call,
                                const v1::CreateDelegationRequest& request, Delegation& response);
  absl::Status GetDelegation(const server::Call& call, const v1::GetDelegationRequest& request,
                             Delegation& response);
  absl::Status ListDelegations(const server::Call& call, const v1::ListDelegationsRequest& request,
                               v1::ListDelegationsResponse& response);
  absl::Status RevokeDelegation(const server::Call& call,
                                const v1::RevokeDelegationRequest& request, Delegation& response);

  DelegationStore& store_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_DELEGATION_SERVICE_H_
