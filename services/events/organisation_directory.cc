#include "services/events/organisation_directory.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::events {
namespace {

using organisations::v1::Network;

// The organisations service answered something that makes no sense for the question:
// our bug or theirs, not our caller's.
absl::Status Unexpected(const absl::Status& s, absl::string_view method) {
  log::Error("unexpected answer from the organisations service",
             {{"method", method}, {"error", std::string(s.message())}});
  return absl::InternalError(absl::StrCat("organisations ", method, ": ", s.message()));
}

// The most memberships read for one organisation (pages of 500).
constexpr int kMaxMembershipPages = 10;

}  // namespace

OrganisationDirectory::OrganisationDirectory(const client::ServiceChannel& channel,
                                             cache::Cache& cache)
    : channel_(channel),
      cache_(cache),
      organisations_(organisations::v1::OrganisationService::NewStub(channel.channel())),
      networks_(organisations::v1::NetworkService::NewStub(channel.channel())) {}

absl::Status OrganisationDirectory::RequireOrganisation(absl::string_view field,
                                                        absl::string_view name,
                                                        absl::Time deadline) {
  const std::string key = absl::StrCat("exists:", name);
  cache::LookupResult lookup = cache_.Lookup(key);
  if (lookup.hit) return absl::OkStatus();

  grpc::ClientContext context;
  channel_.Prepare(context, deadline);
  organisations::v1::GetOrganisationRequest request;
  request.set_name(std::string(name));
  organisations::v1::Organisation organisation;
  const grpc::Status answer = organisations_->GetOrganisation(&context, request, &organisation);
  if (!answer.ok()) {
    const absl::Status s = channel_.Failure(answer, "GetOrganisation");
    if (s.code() == absl::StatusCode::kNotFound) {
      return status::InvalidField(field, absl::StrCat(name, " does not exist"));
    }
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    return Unexpected(s, "GetOrganisation");
  }
  cache_.Fill(lookup, "1", kDirectoryTtl);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Network>> OrganisationDirectory::FindNetwork(absl::string_view name,
                                                                          absl::Time deadline) {
  const std::string key = absl::StrCat("network:", name);
  cache::LookupResult lookup = cache_.Lookup(key);
  Network network;
  if (lookup.hit && network.ParseFromString(*lookup.value)) return network;

  grpc::ClientContext context;
  channel_.Prepare(context, deadline);
  organisations::v1::GetNetworkRequest request;
  request.set_name(std::string(name));
  const grpc::Status answer = networks_->GetNetwork(&context, request, &network);
  if (!answer.ok()) {
    const absl::Status s = channel_.Failure(answer, "GetNetwork");
    if (s.code() == absl::StatusCode::kNotFound) return std::nullopt;
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    return Unexpected(s, "GetNetwork");
  }
  cache_.Fill(lookup, network.SerializeAsString(), kDirectoryTtl);
  return network;
}

absl::StatusOr<Network> OrganisationDirectory::RequireNetwork(absl::string_view field,
                                                              absl::string_view name,
                                                              absl::Time deadline) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<Network> network, FindNetwork(name, deadline));
  if (!network) return status::InvalidField(field, absl::StrCat(name, " does not exist"));
  return *std::move(network);
}

absl::StatusOr<std::string> OrganisationDirectory::CoordinatorOf(absl::string_view network,
                                                                 absl::Time deadline) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<Network> found, FindNetwork(network, deadline));
  return found ? found->coordinator() : "";
}

absl::StatusOr<std::vector<std::string>> OrganisationDirectory::NetworksOf(
    absl::string_view organisation, absl::Time deadline) {
  const std::string key = absl::StrCat("memberships:", organisation);
  cache::LookupResult lookup = cache_.Lookup(key);
  organisations::v1::ListOrganisationNetworksResponse all;
  if (!lookup.hit || !all.ParseFromString(*lookup.value)) {
    all.Clear();
    organisations::v1::ListOrganisationNetworksRequest request;
    request.set_organisation(std::string(organisation));
    request.set_page_size(500);
    for (int page = 0; page < kMaxMembershipPages; ++page) {
      grpc::ClientContext context;
      channel_.Prepare(context, deadline);
      organisations::v1::ListOrganisationNetworksResponse response;
      const grpc::Status answer = networks_->ListOrganisationNetworks(&context, request, &response);
      if (!answer.ok()) {
        const absl::Status s = channel_.Failure(answer, "ListOrganisationNetworks");
        // An organisation that is gone belongs to nothing.
        if (s.code() == absl::StatusCode::kNotFound) break;
        if (s.code() == absl::StatusCode::kUnavailable) return s;
        return Unexpected(s, "ListOrganisationNetworks");
      }
      for (auto& membership : *response.mutable_memberships()) {
        *all.add_memberships() = std::move(membership);
      }
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    cache_.Fill(lookup, all.SerializeAsString(), kDirectoryTtl);
  }
  std::vector<std::string> networks;
  for (const auto& membership : all.memberships()) {
    // A proposed membership grants nothing.
    if (membership.state() != organisations::v1::Membership::ACTIVE) continue;
    // `networks/{network}/members/{organisation}` names the network by its first two parts.
    const std::string& name = membership.name();
    const size_t members = name.find("/members/");
    networks.push_back(members == std::string::npos ? name : name.substr(0, members));
  }
  return networks;
}

}  // namespace coopnet::events
