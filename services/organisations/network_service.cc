#include "services/organisations/network_service.h"

#include "absl/strings/str_cat.h"
#include "common/geo/country_groups.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/network_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kNetworks[] = "networks";
constexpr char kOrganisations[] = "organisations";

absl::Status ValidateListFilters(const v1::ListNetworksRequest& request) {
  validate::Violations v;
  for (int i = 0; i < request.countries_size(); ++i) {
    v.Check(geo::CheckPlace(absl::StrCat("countries[", i, "]"), request.countries(i)));
  }
  if (!request.nuts_prefix().empty()) {
    v.Check(validate::NutsPrefix("nuts_prefix", request.nuts_prefix()));
  }
  // Themes only filter: a slug that no network has simply matches nothing.
  for (int i = 0; i < request.themes_size(); ++i) {
    v.Check(validate::Utf8Text(absl::StrCat("themes[", i, "]"), request.themes(i), 1, 64));
  }
  return v.ToStatus();
}

absl::StatusOr<std::vector<Membership::Role>> RolesFilter(
    const google::protobuf::RepeatedField<int>& roles) {
  validate::Violations v;
  std::vector<Membership::Role> parsed;
  for (int i = 0; i < roles.size(); ++i) {
    if (roles[i] == Membership::ROLE_UNSPECIFIED || !Membership::Role_IsValid(roles[i])) {
      v.Add(absl::StrCat("roles[", i, "]"), "must be COORDINATOR, MEMBER or MENTOR");
    } else {
      parsed.push_back(static_cast<Membership::Role>(roles[i]));
    }
  }
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  return parsed;
}

// The first page (nullopt) or the place a page token of `fingerprint` points after.
absl::StatusOr<std::optional<JoinCursor>> JoinCursorOf(absl::string_view token,
                                                       absl::string_view fingerprint) {
  COOPNET_ASSIGN_OR_RETURN(std::string after, resource::DecodePageToken(token, fingerprint));
  if (after.empty()) return std::optional<JoinCursor>();
  COOPNET_ASSIGN_OR_RETURN(JoinCursor cursor, ParseJoinCursorKey(after));
  return cursor;
}

// Which id orders memberships that joined at the same time: the organisation's in a
// network's list, the network's in an organisation's.
enum class SameTimeOrder { kByOrganisation, kByNetwork };

// The memberships of one page and the token of the next, if any.
template <typename Response>
void AnswerMemberPage(std::vector<Membership> found, int page_size, absl::string_view fingerprint,
                      SameTimeOrder order, Response& response) {
  if (request::TrimToPage(found, page_size)) {
    const Membership& last = found.back();
    // The name is ours (networks/{network}/members/{organisation}), so it parses.
    const auto ids = *resource::ParseChildName("name", last.name(), kNetworks, "members");
    const JoinCursor cursor{FromTimestamp(last.join_time()),
                            order == SameTimeOrder::kByNetwork ? ids.first : ids.second};
    response.set_next_page_token(resource::EncodePageToken(fingerprint, JoinCursorKey(cursor)));
  }
  for (Membership& membership : found) *response.add_memberships() = std::move(membership);
}

}  // namespace

NetworkService::NetworkService(server::Server& server, NetworkStore& store)
    : store_(store), table_(server, kNetworkServiceName) {
  table_.Unary("CreateNetwork", this, &NetworkService::CreateNetwork)
      .Unary("GetNetwork", this, &NetworkService::GetNetwork)
      .Unary("ListNetworks", this, &NetworkService::ListNetworks)
      .Unary("UpdateNetwork", this, &NetworkService::UpdateNetwork)
      .Unary("DeleteNetwork", this, &NetworkService::DeleteNetwork)
      .Unary("AddMember", this, &NetworkService::AddMember)
      .Unary("AcceptMembership", this, &NetworkService::AcceptMembership)
      .Unary("ListMembers", this, &NetworkService::ListMembers)
      .Unary("RemoveMember", this, &NetworkService::RemoveMember)
      .Unary("ListOrganisationNetworks", this, &NetworkService::ListOrganisationNetworks);
}

absl::Status NetworkService::CreateNetwork(const server::Call& call,
                                           const v1::CreateNetworkRequest& request,
                                           Network& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateNetwork(request.network()));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_RETURN_IF_ERROR(MayCreate(call.principal, request.network()));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.Create(request.network(), request::RequestKeyOf(call.principal, "CreateNetwork",
                                                             request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status NetworkService::GetNetwork(const server::Call&, const v1::GetNetworkRequest& request,
                                        Network& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kNetworks));
  COOPNET_ASSIGN_OR_RETURN(response, store_.Get(id));
  return absl::OkStatus();
}

absl::Status NetworkService::ListNetworks(const server::Call&,
                                          const v1::ListNetworksRequest& request,
                                          v1::ListNetworksResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateListFilters(request));
  const std::string fingerprint = request::ListFingerprint(request);
  NetworkListQuery query;
  COOPNET_ASSIGN_OR_RETURN(query.after_id,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  // Stored lists may name groups: a network working in the EEA works in Norway.
  if (!request.countries().empty()) {
    query.countries = geo::Places(request.countries()).MeetingEntries();
  }
  query.nuts_prefix = request.nuts_prefix();
  query.themes.assign(request.themes().begin(), request.themes().end());
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Network> found, store_.List(query));

  if (request::TrimToPage(found, page_size)) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, found.back().name().substr(sizeof(kNetworks))));
  }
  for (Network& network : found) *response.add_networks() = std::move(network);
  return absl::OkStatus();
}

absl::Status NetworkService::UpdateNetwork(const server::Call& call,
                                           const v1::UpdateNetworkRequest& request,
                                           Network& response) {
  const Network& patch = request.network();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("network.name", patch.name(), kNetworks));
  std::optional<int64_t> expected_revision;
  if (!patch.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision,
                             resource::RevisionOfEtag("network.etag", patch.etag()));
  }
  // Check the mask before touching the store, so a bad request changes nothing.
  COOPNET_RETURN_IF_ERROR(ApplyNetworkMask(Network(), patch, request.update_mask()).status());
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));

  COOPNET_ASSIGN_OR_RETURN(
      response, store_.Update(
                    id, expected_revision,
                    [&](const Network& stored) { return MayManage(call.principal, stored); },
                    [&](const Network& stored) -> absl::StatusOr<Network> {
                      COOPNET_ASSIGN_OR_RETURN(
                          Network changed, ApplyNetworkMask(stored, patch, request.update_mask()));
                      COOPNET_RETURN_IF_ERROR(ValidateNetwork(changed));
                      COOPNET_RETURN_IF_ERROR(MayHandOver(call.principal, stored, changed));
                      return changed;
                    }));
  return absl::OkStatus();
}

absl::Status NetworkService::DeleteNetwork(const server::Call& call,
                                           const v1::DeleteNetworkRequest& request,
                                           google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kNetworks));
  std::optional<int64_t> expected_revision;
  if (!request.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision, resource::RevisionOfEtag("etag", request.etag()));
  }
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  return store_.Delete(id, expected_revision,
                       [&](const Network& stored) { return MayManage(call.principal, stored); });
}

absl::Status NetworkService::AddMember(const server::Call& call,
                                       const v1::AddMemberRequest& request, Membership& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("parent", request.parent(), kNetworks));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateNewMembership(request.membership()));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.AddMember(
          id, request.membership(),
          [&](const Network& network) {
            return MayAddMember(call.principal, network, request.membership());
          },
          request::RequestKeyOf(call.principal, "AddMember", request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status NetworkService::AcceptMembership(const server::Call& call,
                                              const v1::AcceptMembershipRequest& request,
                                              Membership& response) {
  COOPNET_ASSIGN_OR_RETURN(auto ids,
                           resource::ParseChildName("name", request.name(), kNetworks, "members"));
  const auto& [network_id, organisation_id] = ids;
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  const std::string organisation = resource::Name(kOrganisations, organisation_id);
  COOPNET_ASSIGN_OR_RETURN(
      response, store_.AcceptMember(
                    network_id, organisation_id, [&](const Network& network, ProposedBy side) {
                      return MayAcceptMember(call.principal, network, organisation, side);
                    }));
  return absl::OkStatus();
}

absl::Status NetworkService::ListMembers(const server::Call& call,
                                         const v1::ListMembersRequest& request,
                                         v1::ListMembersResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("parent", request.parent(), kNetworks));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  MemberListQuery query;
  if (call.principal.kind() != type::v1::Principal::ANONYMOUS) {
    COOPNET_ASSIGN_OR_RETURN(Network network, store_.Get(id));
    query.with_proposed = SeesProposals(call.principal, network.coordinator());
  }
  COOPNET_ASSIGN_OR_RETURN(query.roles, RolesFilter(request.roles()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(query.after, JoinCursorOf(request.page_token(), fingerprint));
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Membership> found, store_.ListMembers(id, query));
  AnswerMemberPage(std::move(found), page_size, fingerprint, SameTimeOrder::kByOrganisation,
                   response);
  return absl::OkStatus();
}

absl::Status NetworkService::RemoveMember(const server::Call& call,
                                          const v1::RemoveMemberRequest& request,
                                          google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(auto ids,
                           resource::ParseChildName("name", request.name(), kNetworks, "members"));
  const auto& [network_id, organisation_id] = ids;
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  const std::string organisation = resource::Name(kOrganisations, organisation_id);
  return store_.RemoveMember(network_id, organisation_id, [&](const Network& network) {
    return MayRemoveMember(call.principal, network, organisation);
  });
}

absl::Status NetworkService::ListOrganisationNetworks(
    const server::Call& call, const v1::ListOrganisationNetworksRequest& request,
    v1::ListOrganisationNetworksResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(
      std::string id, resource::ParseName("organisation", request.organisation(), kOrganisations));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  MemberListQuery query;
  COOPNET_ASSIGN_OR_RETURN(query.after, JoinCursorOf(request.page_token(), fingerprint));
  query.limit = page_size + 1;
  query.with_proposed = SeesProposals(call.principal, request.organisation());
  COOPNET_ASSIGN_OR_RETURN(std::vector<Membership> found,
                           store_.ListOrganisationNetworks(id, query));
  AnswerMemberPage(std::move(found), page_size, fingerprint, SameTimeOrder::kByNetwork, response);
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
