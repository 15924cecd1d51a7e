// coopnet.organisations.v1.NetworkService: the gRPC handlers of networks and their
// memberships. Each reads like DESIGN.md's four steps: validate, authorise (the rules of
// network_rules.h, judged in the store's transaction on the locked network), act,
// answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_

#include "common/server/server.h"
#include "coopnet/organisations/v1/networks.grpc.pb.h"
#include "services/organisations/network_store.h"

namespace coopnet::organisations {

inline constexpr char kNetworkServiceName[] = "coopnet.organisations.v1.NetworkService";

class NetworkService final : public v1::NetworkService::CallbackService {
 public:
  NetworkService(server::Server& server, NetworkStore& store);

  grpc::ServerUnaryReactor* CreateNetwork(grpc::CallbackServerContext* context,
                                          const v1::CreateNetworkRequest* request,
                                          Network* response) override;
  grpc::ServerUnaryReactor* GetNetwork(grpc::CallbackServerContext* context,
                                       const v1::GetNetworkRequest* request,
                                       Network* response) override;
  grpc::ServerUnaryReactor* ListNetworks(grpc::CallbackServerContext* context,
                                         const v1::ListNetworksRequest* request,
                                         v1::ListNetworksResponse* response) override;
  grpc::ServerUnaryReactor* UpdateNetwork(grpc::CallbackServerContext* context,
                                          const v1::UpdateNetworkRequest* request,
                                          Network* response) override;
  grpc::ServerUnaryReactor* DeleteNetwork(grpc::CallbackServerContext* context,
                                          const v1::DeleteNetworkRequest* request,
                                          google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* AddMember(grpc::CallbackServerContext* context,
                                      const v1::AddMemberRequest* request,
                                      Membership* response) override;
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* context,
                                        const v1::ListMembersRequest* request,
                                        v1::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* RemoveMember(grpc::CallbackServerContext* context,
                                         const v1::RemoveMemberRequest* request,
                                         google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListOrganisationNetworks(
      grpc::CallbackServerContext* context, const v1::ListOrganisationNetworksRequest* request,
      v1::ListOrganisationNetworksResponse* response) override;

 private:
  absl::Status Create(const server::Call& call, const v1::CreateNetworkRequest& request,
                      Network& response);
  absl::Status Get(const v1::GetNetworkRequest& request, Network& response);
  absl::Status List(const v1::ListNetworksRequest& request, v1::ListNetworksResponse& response);
  absl::Status Update(const server::Call& call, const v1::UpdateNetworkRequest& request,
                      Network& response);
  absl::Status Delete(const server::Call& call, const v1::DeleteNetworkRequest& request);
  absl::Status Add(const server::Call& call, const v1::AddMemberRequest& request,
                   Membership& response);
  absl::Status Members(const v1::ListMembersRequest& request, v1::ListMembersResponse& response);
  absl::Status Remove(const server::Call& call, const v1::RemoveMemberRequest& request);
  absl::Status OrganisationNetworks(const v1::ListOrganisationNetworksRequest& request,
                                    v1::ListOrganisationNetworksResponse& response);

  server::Server& server_;
  NetworkStore& store_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_SERVICE_H_
