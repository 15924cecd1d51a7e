#include "services/organisations/organisation_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/geo/country_groups.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/interest_rules.h"
#include "services/organisations/network_rules.h"
#include "services/organisations/organisation_rules.h"
#include "services/organisations/search_rules.h"

namespace coopnet::organisations {
namespace {

constexpr char kCollection[] = "organisations";
constexpr absl::Duration kCacheTtl = absl::Minutes(10);

// The change a stream entry holds, its cursor set; nullopt for what this version does not
// know.
std::optional<v1::OrganisationChange> DecodeChange(const outbox::StreamEntry& entry) {
  v1::OrganisationChange change;
  if (entry.type != v1::OrganisationChange::descriptor()->full_name() ||
      !change.ParseFromString(entry.payload)) {
    return std::nullopt;
  }
  change.set_cursor(entry.id);
  return change;
}

absl::Status RequireWrite(const server::Call& call) {
  return request::RequireScope(call.principal, type::v1::SCOPE_WRITE);
}

absl::Status ValidateListFilters(const v1::ListOrganisationsRequest& request) {
  validate::Violations v;
  for (int i = 0; i < request.countries_size(); ++i) {
    v.Check(geo::CheckPlace(absl::StrCat("countries[", i, "]"), request.countries(i)));
  }
  if (!request.nuts_prefix().empty()) {
    v.Check(validate::NutsPrefix("nuts_prefix", request.nuts_prefix()));
  }
  for (int i = 0; i < request.kinds_size(); ++i) {
    if (request.kinds(i) == Organisation::KIND_UNSPECIFIED ||
        !Organisation::Kind_IsValid(request.kinds(i))) {
      v.Add(absl::StrCat("kinds[", i, "]"), "must be a kind of organisation");
    }
  }
  return v.ToStatus();
}

}  // namespace

OrganisationService::OrganisationService(server::Server& server, OrganisationStore& store,
                                         cache::Cache& cache, outbox::Relay& relay,
                                         outbox::WatchOptions watch)
    : store_(store),
      cache_(cache),
      relay_(relay),
      // The directory is public: whoever may read may watch every change, but a proposed
      // membership or an expression of interest only those who act for a side of it.
      watchers_(server, std::move(watch), DecodeChange,
                [](const server::Call& call, const v1::OrganisationChange& change) {
                  if (change.has_interest()) return MaySee(call.principal, change.interest()).ok();
                  if (change.type() != v1::OrganisationChange::MEMBERSHIP_PROPOSED) return true;
                  const v1::Membership& m = change.membership();
                  return SeesProposals(call.principal, m.organisation()) ||
                         SeesProposals(call.principal, m.awaiting());
                }),
      table_(server, kServiceName) {
  table_.Unary("CreateOrganisation", this, &OrganisationService::CreateOrganisation)
      .Unary("GetOrganisation", this, &OrganisationService::GetOrganisation)
      .Unary("ListOrganisations", this, &OrganisationService::ListOrganisations)
      .Unary("UpdateOrganisation", this, &OrganisationService::UpdateOrganisation)
      .Unary("DeleteOrganisation", this, &OrganisationService::DeleteOrganisation)
      .Unary("SearchOrganisations", this, &OrganisationService::SearchOrganisations)
      .Unary("LookupOrganisation", this, &OrganisationService::LookupOrganisation)
      .Unary("ListCountryGroups", this, &OrganisationService::ListCountryGroups)
      .Unary("VerifyIdentifier", this, &OrganisationService::VerifyIdentifier)
      .Unary("UnverifyIdentifier", this, &OrganisationService::UnverifyIdentifier)
      .ServerStream("WatchOrganisations", this, &OrganisationService::WatchOrganisations);
}

grpc::ServerWriteReactor<v1::OrganisationChange>* OrganisationService::WatchOrganisations(
    grpc::CallbackServerContext* context, const v1::WatchOrganisationsRequest* request) {
  return watchers_.Start(context, request->cursor());
}

void OrganisationService::Wrote(absl::string_view id) {
  cache_.Invalidate(id);
  relay_.Wake();
}

absl::Status OrganisationService::CreateOrganisation(const server::Call& call,
                                                     const v1::CreateOrganisationRequest& request,
                                                     Organisation& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateOrganisation(request.organisation()));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));

  COOPNET_ASSIGN_OR_RETURN(response,
                           store_.Create(request.organisation(),
                                         request::RequestKeyOf(call.principal, "CreateOrganisation",
                                                               request.request_id(), request)));
  relay_.Wake();
  return absl::OkStatus();
}

absl::Status OrganisationService::GetOrganisation(const server::Call& call,
                                                  const v1::GetOrganisationRequest& request,
                                                  Organisation& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kCollection));
  cache::LookupResult lookup = cache_.Lookup(id);
  if (lookup.hit && response.ParseFromString(*lookup.value)) return absl::OkStatus();
  COOPNET_ASSIGN_OR_RETURN(response, store_.Get(id));
  cache_.Fill(lookup, response.SerializeAsString(), kCacheTtl);
  return absl::OkStatus();
}

absl::Status OrganisationService::ListOrganisations(const server::Call& call,
                                                    const v1::ListOrganisationsRequest& request,
                                                    v1::ListOrganisationsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateListFilters(request));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));

  ListQuery query;
  query.countries = geo::Places(request.countries()).SqlPatterns();
  query.nuts_prefix = request.nuts_prefix();
  for (int kind : request.kinds()) query.kinds.push_back(static_cast<Organisation::Kind>(kind));
  query.after_id = after;
  // One more than the page shows whether another page follows.
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Organisation> found, store_.List(query));

  const bool more = static_cast<int>(found.size()) > page_size;
  if (more) found.resize(page_size);
  for (Organisation& organisation : found) *response.add_organisations() = std::move(organisation);
  if (more) {
    const std::string& last = response.organisations(page_size - 1).name();
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, last.substr(sizeof(kCollection))));
  }
  return absl::OkStatus();
}

absl::Status OrganisationService::UpdateOrganisation(const server::Call& call,
                                                     const v1::UpdateOrganisationRequest& request,
                                                     Organisation& response) {
  const Organisation& patch = request.organisation();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("organisation.name", patch.name(), kCollection));
  std::optional<int64_t> expected_revision;
  if (!patch.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision,
                             resource::RevisionOfEtag("organisation.etag", patch.etag()));
  }
  // Check the mask before touching the store, so a bad request changes nothing.
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(Organisation(), patch, request.update_mask()).status());
  COOPNET_RETURN_IF_ERROR(request::RequireActsFor(call.principal, patch.name(),
                                                  type::v1::ORGANISATIONS_WRITE, patch.name()));

  COOPNET_ASSIGN_OR_RETURN(
      response, store_.Update(id, expected_revision,
                              [&](const Organisation& stored) -> absl::StatusOr<Organisation> {
                                absl::StatusOr<Organisation> changed =
                                    ApplyUpdateMask(stored, patch, request.update_mask());
                                if (changed.ok())
                                  COOPNET_RETURN_IF_ERROR(ValidateOrganisation(*changed));
                                return changed;
                              }));
  Wrote(id);
  return absl::OkStatus();
}

absl::Status OrganisationService::DeleteOrganisation(const server::Call& call,
                                                     const v1::DeleteOrganisationRequest& request,
                                                     google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kCollection));
  std::optional<int64_t> expected_revision;
  if (!request.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision, resource::RevisionOfEtag("etag", request.etag()));
  }
  COOPNET_RETURN_IF_ERROR(request::RequireActsFor(call.principal, request.name(), request.name()));
  COOPNET_RETURN_IF_ERROR(store_.Delete(id, expected_revision));
  Wrote(id);
  return absl::OkStatus();
}

absl::Status OrganisationService::SearchOrganisations(const server::Call& call,
                                                      const v1::SearchOrganisationsRequest& request,
                                                      v1::SearchOrganisationsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(SearchFilters filters, ValidateSearch(request));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));

  SearchQuery query;
  query.text = request.query();
  query.filters = std::move(filters);
  if (!after.empty()) {
    COOPNET_ASSIGN_OR_RETURN(query.after, ParseSearchPageKey(after));
  }
  // One more than the page shows whether another page follows.
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, store_.Search(query));

  const bool more = static_cast<int>(hits.size()) > page_size;
  if (more) hits.resize(page_size);
  for (SearchHit& hit : hits) {
    v1::OrganisationHit* result = response.add_results();
    double relevance = 0;
    if (!hit.position.relevance.empty()) (void)absl::SimpleAtod(hit.position.relevance, &relevance);
    result->set_relevance(relevance);
    *result->mutable_organisation() = std::move(hit.organisation);
  }
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, SearchPageKey(hits.back().position)));
  }
  return absl::OkStatus();
}

absl::Status OrganisationService::LookupOrganisation(const server::Call& call,
                                                     const v1::LookupOrganisationRequest& request,
                                                     Organisation& response) {
  COOPNET_RETURN_IF_ERROR(ValidateIdentifier("identifier", request.identifier()));
  COOPNET_ASSIGN_OR_RETURN(response, store_.Lookup(request.identifier()));
  return absl::OkStatus();
}

absl::Status OrganisationService::ListCountryGroups(const server::Call&,
                                                    const v1::ListCountryGroupsRequest&,
                                                    v1::ListCountryGroupsResponse& response) {
  response.set_version(std::string(geo::kCountryGroupsVersion));
  for (const geo::CountryGroup& group : geo::CountryGroups()) {
    v1::CountryGroup& out = *response.add_country_groups();
    out.set_code(std::string(group.code));
    out.set_display_name(std::string(group.name));
    out.set_basis(std::string(group.basis));
    for (absl::string_view country : group.countries) out.add_countries(std::string(country));
    for (absl::string_view region : group.regions) out.add_regions(std::string(region));
  }
  return absl::OkStatus();
}

template <typename Request>
absl::Status OrganisationService::SetIdentifierState(const server::Call& call,
                                                     absl::string_view method,
                                                     const Request& request,
                                                     v1::Identifier::State state,
                                                     Organisation& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kCollection));
  COOPNET_RETURN_IF_ERROR(ValidateIdentifier("identifier", request.identifier()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> expected_revision,
                           resource::ExpectedRevision("etag", request.etag()));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(RequireOperator(call.principal));

  COOPNET_ASSIGN_OR_RETURN(
      response, store_.SetIdentifierState(
                    id, request.identifier(), state, expected_revision,
                    request::RequestKeyOf(call.principal, method, request.request_id(), request)));
  Wrote(id);
  return absl::OkStatus();
}

absl::Status OrganisationService::VerifyIdentifier(const server::Call& call,
                                                   const v1::VerifyIdentifierRequest& request,
                                                   Organisation& response) {
  return SetIdentifierState(call, "VerifyIdentifier", request, v1::Identifier::VERIFIED, response);
}

absl::Status OrganisationService::UnverifyIdentifier(const server::Call& call,
                                                     const v1::UnverifyIdentifierRequest& request,
                                                     Organisation& response) {
  return SetIdentifierState(call, "UnverifyIdentifier", request, v1::Identifier::UNVERIFIED,
                            response);
}

}  // namespace coopnet::organisations
