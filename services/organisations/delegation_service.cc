#include "services/organisations/delegation_service.h"

#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/delegation_rules.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";
constexpr char kDelegations[] = "delegations";
// The parent that lists across grantors: `organisations/-` (AIP-159).
constexpr char kAnyOrganisation[] = "organisations/-";

}  // namespace

DelegationService::DelegationService(server::Server& server, DelegationStore& store)
    : store_(store), table_(server, kDelegationServiceName) {
  table_.Unary("CreateDelegation", this, &DelegationService::CreateDelegation)
      .Unary("GetDelegation", this, &DelegationService::GetDelegation)
      .Unary("ListDelegations", this, &DelegationService::ListDelegations)
      .Unary("RevokeDelegation", this, &DelegationService::RevokeDelegation);
}

absl::Status DelegationService::CreateDelegation(const server::Call& call,
                                                 const v1::CreateDelegationRequest& request,
                                                 Delegation& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string grantor_id,
                           resource::ParseName("parent", request.parent(), kOrganisations));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(
      ValidateNewDelegation(request.parent(), request.delegation(), absl::Now()));
  COOPNET_RETURN_IF_ERROR(MayGrant(call.principal, request.parent()));
  COOPNET_ASSIGN_OR_RETURN(response,
                           store_.Create(grantor_id, request.delegation(),
                                         request::RequestKeyOf(call.principal, "CreateDelegation",
                                                               request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status DelegationService::GetDelegation(const server::Call& call,
                                              const v1::GetDelegationRequest& request,
                                              Delegation& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", request.name(), kOrganisations, kDelegations));
  COOPNET_ASSIGN_OR_RETURN(Delegation found, store_.Get(ids.first, ids.second));
  COOPNET_RETURN_IF_ERROR(MaySee(call.principal, found));
  response = std::move(found);
  return absl::OkStatus();
}

absl::Status DelegationService::ListDelegations(const server::Call& call,
                                                const v1::ListDelegationsRequest& request,
                                                v1::ListDelegationsResponse& response) {
  std::string grantor_id;
  if (request.parent() != kAnyOrganisation) {
    COOPNET_ASSIGN_OR_RETURN(grantor_id,
                             resource::ParseName("parent", request.parent(), kOrganisations));
  }
  std::string delegate_id;
  if (!request.delegate().empty()) {
    COOPNET_ASSIGN_OR_RETURN(delegate_id,
                             resource::ParseName("delegate", request.delegate(), kOrganisations));
  } else if (grantor_id.empty()) {
    return status::InvalidField("delegate",
                                "is required with parent organisations/-: the organisation whose "
                                "delegations to list");
  }
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  COOPNET_RETURN_IF_ERROR(
      MayList(call.principal, grantor_id.empty() ? "" : request.parent(), request.delegate()));
  COOPNET_ASSIGN_OR_RETURN(std::vector<Delegation> found,
                           store_.List(grantor_id, delegate_id, after, page_size + 1));
  if (request::TrimToPage(found, page_size)) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, resource::IdOf(found.back().name())));
  }
  for (Delegation& d : found) *response.add_delegations() = std::move(d);
  return absl::OkStatus();
}

absl::Status DelegationService::RevokeDelegation(const server::Call& call,
                                                 const v1::RevokeDelegationRequest& request,
                                                 Delegation& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", request.name(), kOrganisations, kDelegations));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_ASSIGN_OR_RETURN(Delegation found, store_.Get(ids.first, ids.second));
  COOPNET_RETURN_IF_ERROR(MayRevoke(call.principal, found));
  COOPNET_ASSIGN_OR_RETURN(response,
                           store_.Revoke(ids.first, ids.second,
                                         request::RequestKeyOf(call.principal, "RevokeDelegation",
                                                               request.request_id(), request)));
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
