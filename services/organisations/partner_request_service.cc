#include "services/organisations/partner_request_service.h"

#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/partner_match_rules.h"
#include "services/organisations/partner_request_rules.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";

// Only the organisation's own key (or an operator) writes its requests.
absl::StatusOr<std::optional<int64_t>> ExpectedRevision(absl::string_view field,
                                                        absl::string_view etag) {
  if (etag.empty()) return std::optional<int64_t>();
  COOPNET_ASSIGN_OR_RETURN(int64_t revision, resource::RevisionOfEtag(field, etag));
  return revision;
}

}  // namespace

PartnerRequestService::PartnerRequestService(server::Server& server, PartnerRequestStore& requests,
                                             OrganisationStore& organisations)
    : requests_(requests),
      organisations_(organisations),
      table_(server, kPartnerRequestServiceName) {
  table_.Unary("CreatePartnerRequest", this, &PartnerRequestService::CreatePartnerRequest)
      .Unary("GetPartnerRequest", this, &PartnerRequestService::GetPartnerRequest)
      .Unary("ListPartnerRequests", this, &PartnerRequestService::ListPartnerRequests)
      .Unary("UpdatePartnerRequest", this, &PartnerRequestService::UpdatePartnerRequest)
      .Unary("DeletePartnerRequest", this, &PartnerRequestService::DeletePartnerRequest)
      .Unary("SearchPartnerRequests", this, &PartnerRequestService::SearchPartnerRequests)
      .Unary("MatchPartners", this, &PartnerRequestService::MatchPartners);
}

absl::Status PartnerRequestService::CreatePartnerRequest(
    const server::Call& call, const v1::CreatePartnerRequestRequest& request,
    PartnerRequest& response) {
  validate::Violations v;
  v.Check(request::ValidateRequestId(request.request_id()));
  absl::StatusOr<std::string> organisation_id =
      resource::ParseName("parent", request.parent(), kOrganisations);
  v.Check(organisation_id.status());
  const PartnerRequest wanted = PrepareNew(request.partner_request());
  v.Check(ValidatePartnerRequest(wanted, absl::Now()));
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  COOPNET_RETURN_IF_ERROR(
      request::RequireActsFor(call.principal, request.parent(), type::v1::ORGANISATIONS_WRITE,
                              absl::StrCat("the partner requests of ", request.parent())));

  COOPNET_ASSIGN_OR_RETURN(
      response, requests_.Create(*organisation_id, wanted,
                                 request::RequestKeyOf(call.principal, "CreatePartnerRequest",
                                                       request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status PartnerRequestService::GetPartnerRequest(const server::Call&,
                                                      const v1::GetPartnerRequestRequest& request,
                                                      PartnerRequest& response) {
  COOPNET_ASSIGN_OR_RETURN(PartnerRequestName name,
                           ParsePartnerRequestName("name", request.name()));
  COOPNET_ASSIGN_OR_RETURN(response, requests_.Get(name));
  return absl::OkStatus();
}

absl::Status PartnerRequestService::ListPartnerRequests(
    const server::Call&, const v1::ListPartnerRequestsRequest& request,
    v1::ListPartnerRequestsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string organisation_id,
                           resource::ParseName("parent", request.parent(), kOrganisations));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string before,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  if (!before.empty() && !resource::IsId(before)) {
    return status::InvalidField("page_token", "is not a token this service made");
  }
  // One more than the page shows whether another page follows.
  COOPNET_ASSIGN_OR_RETURN(std::vector<PartnerRequest> found,
                           requests_.List(organisation_id, before, page_size + 1));
  const bool more = static_cast<int>(found.size()) > page_size;
  if (more) found.resize(page_size);
  for (PartnerRequest& r : found) *response.add_partner_requests() = std::move(r);
  if (more) {
    COOPNET_ASSIGN_OR_RETURN(
        PartnerRequestName last,
        ParsePartnerRequestName("name", response.partner_requests(page_size - 1).name()));
    response.set_next_page_token(resource::EncodePageToken(fingerprint, last.id));
  }
  return absl::OkStatus();
}

absl::Status PartnerRequestService::UpdatePartnerRequest(
    const server::Call& call, const v1::UpdatePartnerRequestRequest& request,
    PartnerRequest& response) {
  const PartnerRequest& patch = request.partner_request();
  COOPNET_ASSIGN_OR_RETURN(PartnerRequestName name,
                           ParsePartnerRequestName("partner_request.name", patch.name()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> expected_revision,
                           ExpectedRevision("partner_request.etag", patch.etag()));
  // Check the mask before touching the store, so a bad request changes nothing.
  COOPNET_RETURN_IF_ERROR(
      ApplyPartnerRequestMask(PartnerRequest(), patch, request.update_mask()).status());
  COOPNET_RETURN_IF_ERROR(
      request::RequireActsFor(call.principal, name.organisation(), type::v1::ORGANISATIONS_WRITE,
                              absl::StrCat("the partner requests of ", name.organisation())));

  const absl::Time now = absl::Now();
  COOPNET_ASSIGN_OR_RETURN(
      response,
      requests_.Update(name, expected_revision,
                       [&](const PartnerRequest& stored) -> absl::StatusOr<PartnerRequest> {
                         COOPNET_ASSIGN_OR_RETURN(
                             PartnerRequest changed,
                             ApplyPartnerRequestMask(stored, patch, request.update_mask()));
                         // A deadline that passed since may stay; a new one must be ahead.
                         std::optional<google::protobuf::Timestamp> kept;
                         if (stored.has_deadline()) kept = stored.deadline();
                         COOPNET_RETURN_IF_ERROR(ValidatePartnerRequest(changed, now, kept));
                         return changed;
                       }));
  return absl::OkStatus();
}

absl::Status PartnerRequestService::DeletePartnerRequest(
    const server::Call& call, const v1::DeletePartnerRequestRequest& request,
    google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(PartnerRequestName name,
                           ParsePartnerRequestName("name", request.name()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> expected_revision,
                           ExpectedRevision("etag", request.etag()));
  COOPNET_RETURN_IF_ERROR(
      request::RequireActsFor(call.principal, name.organisation(), type::v1::ORGANISATIONS_WRITE,
                              absl::StrCat("the partner requests of ", name.organisation())));
  return requests_.Delete(name, expected_revision);
}

absl::Status PartnerRequestService::SearchPartnerRequests(
    const server::Call&, const v1::SearchPartnerRequestsRequest& request,
    v1::SearchPartnerRequestsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(PartnerRequestFilters filters, ValidatePartnerRequestSearch(request));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));

  PartnerRequestQuery query;
  query.text = request.query();
  query.filters = std::move(filters);
  if (!after.empty()) {
    COOPNET_ASSIGN_OR_RETURN(query.after, ParseSearchPageKey(after));
  }
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<PartnerRequestHit> hits, requests_.Search(query));

  const bool more = static_cast<int>(hits.size()) > page_size;
  if (more) hits.resize(page_size);
  for (PartnerRequestHit& hit : hits) {
    *response.add_partner_requests() = std::move(hit.request);
  }
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, SearchPageKey(hits.back().position)));
  }
  return absl::OkStatus();
}

absl::Status PartnerRequestService::MatchPartners(const server::Call&,
                                                  const v1::MatchPartnersRequest& request,
                                                  v1::MatchPartnersResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(PartnerRequestName name,
                           ParsePartnerRequestName("name", request.name()));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_ASSIGN_OR_RETURN(PartnerRequest wanted, requests_.Get(name));
  COOPNET_ASSIGN_OR_RETURN(Organisation requester, organisations_.Get(name.organisation_id));
  // A page token is good while neither the request nor the requester changes, since
  // either changes the ranking.
  const std::string fingerprint =
      absl::StrCat(request::ListFingerprint(request), "|", wanted.etag(), "|", requester.etag());
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  std::optional<MatchPosition> position;
  if (!after.empty()) {
    COOPNET_ASSIGN_OR_RETURN(position, ParseMatchPageKey(after));
  }

  CandidateQuery candidates;
  candidates.requester_id = name.organisation_id;
  candidates.countries.assign(wanted.countries().begin(), wanted.countries().end());
  for (int kind : wanted.kinds()) candidates.kinds.push_back(static_cast<Organisation::Kind>(kind));
  candidates.themes.assign(wanted.themes().begin(), wanted.themes().end());
  candidates.limit = kMaxMatchCandidates;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Organisation> found, organisations_.Candidates(candidates));

  const std::vector<ScoredMatch> ranked = RankMatches(wanted, requester, found);
  const size_t first = position ? FirstAfter(ranked, *position) : 0;
  const size_t end = std::min(ranked.size(), first + page_size);
  for (size_t i = first; i < end; ++i) *response.add_matches() = ranked[i].match;
  if (end < ranked.size()) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, MatchPageKey(ranked[end - 1])));
  }
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
