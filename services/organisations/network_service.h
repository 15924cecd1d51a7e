// coopnet.organisations.v1.NetworkService: the gRPC handlers of networks and their
// memberships. Each reads like DESIGN.md's four steps: validate, authorise (the rules of
// network_rules.h, judged in the store's transaction on the locked network), act,
// answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_

#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/networks.grpc.pb.h"
#include "services/organisations/network_store.h"

namespace coopnet::organisations {

inline constexpr char kNetworkServiceName[] = "coopnet.organisations.v1.NetworkService";

class NetworkService {
 public:
  NetworkService(server::Server& server, NetworkStore& store);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateNetwork(const server::Call& call, const v1::CreateNetworkRequest& request,
                             Network& response);
  absl::Status GetNetwork(const server::Call&, const v1::GetNetworkRequest& request,
                          Network& response);
  absl::Status ListNetworks(const server::Call&, const v1::ListNetworksRequest& request,
                            v1::ListNetworksResponse& response);
  absl::Status UpdateNetwork(const server::Call& call, const v1::UpdateNetworkRequest& request,
                             Network& response);
  absl::Status DeleteNetwork(const server::Call& call, const v1::DeleteNetworkRequest& request,
                             google::protobuf::Empty&);
  absl::Status AddMember(const server::Call& call, const v1::AddMemberRequest& request,
                         Membership& response);
  absl::Status AcceptMembership(const server::Call& call,
                                const v1::AcceptMembershipRequest& request, Membership& response);
  absl::Status ListMembers(const server::Call& call, const v1::ListMembersRequest& request,
                           v1::ListMembersResponse& response);
  absl::Status RemoveMember(const server::Call& call, const v1::RemoveMemberRequest& request,
                            google::protobuf::Empty&);
  absl::Status ListOrganisationNetworks(const server::Call& call,
                                        const v1::ListOrganisationNetworksRequest& request,
                                        v1::ListOrganisationNetworksResponse& response);

  NetworkStore& store_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_
