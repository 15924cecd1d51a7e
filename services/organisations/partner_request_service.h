// coopnet.organisations.v1.PartnerRequestService: the gRPC handlers of partner requests,
// their search and MatchPartners. Each reads like DESIGN.md's four steps: validate,
// authorise (only the organisation's own key or an operator writes; anyone reads), act,
// answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_

#include "common/server/server.h"
#include "coopnet/organisations/v1/partner_requests.grpc.pb.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/partner_request_store.h"

namespace coopnet::organisations {

inline constexpr char kPartnerRequestServiceName[] =
    "coopnet.organisations.v1.PartnerRequestService";

// MatchPartners ranks at most this many candidates (see OrganisationStore::Candidates).
inline constexpr int kMaxMatchCandidates = 500;

class PartnerRequestService final : public v1::PartnerRequestService::CallbackService {
 public:
  // Requests are read from and written to `requests`; MatchPartners reads the requester
  // and the candidates from `organisations`.
  PartnerRequestService(server::Server& server, PartnerRequestStore& requests,
                        OrganisationStore& organisations);

  grpc::ServerUnaryReactor* CreatePartnerRequest(grpc::CallbackServerContext* context,
                                                 const v1::CreatePartnerRequestRequest* request,
                                                 PartnerRequest* response) override;
  grpc::ServerUnaryReactor* GetPartnerRequest(grpc::CallbackServerContext* context,
                                              const v1::GetPartnerRequestRequest* request,
                                              PartnerRequest* response) override;
  grpc::ServerUnaryReactor* ListPartnerRequests(grpc::CallbackServerContext* context,
                                                const v1::ListPartnerRequestsRequest* request,
                                                v1::ListPartnerRequestsResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePartnerRequest(grpc::CallbackServerContext* context,
                                                 const v1::UpdatePartnerRequestRequest* request,
                                                 PartnerRequest* response) override;
  grpc::ServerUnaryReactor* DeletePartnerRequest(grpc::CallbackServerContext* context,
                                                 const v1::DeletePartnerRequestRequest* request,
                                                 google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* SearchPartnerRequests(
      grpc::CallbackServerContext* context, const v1::SearchPartnerRequestsRequest* request,
      v1::SearchPartnerRequestsResponse* response) override;
  grpc::ServerUnaryReactor* MatchPartners(grpc::CallbackServerContext* context,
                                          const v1::MatchPartnersRequest* request,
                                          v1::MatchPartnersResponse* response) override;

 private:
  absl::Status Create(const server::Call& call, const v1::CreatePartnerRequestRequest& request,
                      PartnerRequest& response);
  absl::Status Get(const v1::GetPartnerRequestRequest& request, PartnerRequest& response);
  absl::Status List(const v1::ListPartnerRequestsRequest& request,
                    v1::ListPartnerRequestsResponse& response);
  absl::Status Update(const server::Call& call, const v1::UpdatePartnerRequestRequest& request,
                      PartnerRequest& response);
  absl::Status Delete(const server::Call& call, const v1::DeletePartnerRequestRequest& request);
  absl::Status Search(const v1::SearchPartnerRequestsRequest& request,
                      v1::SearchPartnerRequestsResponse& response);
  absl::Status Match(const v1::MatchPartnersRequest& request, v1::MatchPartnersResponse& response);

  server::Server& server_;
  PartnerRequestStore& requests_;
  OrganisationStore& organisations_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_
