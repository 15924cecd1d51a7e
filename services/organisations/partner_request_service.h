// coopnet.organisations.v1.PartnerRequestService: the gRPC handlers of partner requests,
// their search and MatchPartners. Each reads like DESIGN.md's four steps: validate,
// authorise (only the organisation's own key or an operator writes; anyone reads), act,
// answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_

#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/partner_requests.grpc.pb.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/partner_request_store.h"

namespace coopnet::organisations {

inline constexpr char kPartnerRequestServiceName[] =
    "coopnet.organisations.v1.PartnerRequestService";

// MatchPartners ranks at most this many candidates (see OrganisationStore::Candidates).
inline constexpr int kMaxMatchCandidates = 500;

class PartnerRequestService {
 public:
  // Requests are read from and written to `requests`; MatchPartners reads the requester
  // and the candidates from `organisations`.
  PartnerRequestService(server::Server& server, PartnerRequestStore& requests,
                        OrganisationStore& organisations);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreatePartnerRequest(const server::Call& call,
                                    const v1::CreatePartnerRequestRequest& request,
                                    PartnerRequest& response);
  absl::Status GetPartnerRequest(const server::Call&, const v1::GetPartnerRequestRequest& request,
                                 PartnerRequest& response);
  absl::Status ListPartnerRequests(const server::Call&,
                                   const v1::ListPartnerRequestsRequest& request,
                                   v1::ListPartnerRequestsResponse& response);
  absl::Status UpdatePartnerRequest(const server::Call& call,
                                    const v1::UpdatePartnerRequestRequest& request,
                                    PartnerRequest& response);
  absl::Status DeletePartnerRequest(const server::Call& call,
                                    const v1::DeletePartnerRequestRequest& request,
                                    google::protobuf::Empty&);
  absl::Status SearchPartnerRequests(const server::Call&,
                                     const v1::SearchPartnerRequestsRequest& request,
                                     v1::SearchPartnerRequestsResponse& response);
  absl::Status MatchPartners(const server::Call&, const v1::MatchPartnersRequest& request,
                             v1::MatchPartnersResponse& response);

  PartnerRequestStore& requests_;
  OrganisationStore& organisations_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_SERVICE_H_
