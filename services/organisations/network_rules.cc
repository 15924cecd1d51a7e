#include "services/organisations/network_rules.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/geo/country_groups.h"
#include "common/principal/principal.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "services/organisations/field_mask.h"
#include "services/organisations/organisation_rules.h"

namespace coopnet::organisations {
namespace {

void CheckTitle(validate::Violations& v, const type::v1::LocalizedText& title,
                const std::string& field) {
  if (title.translations().empty()) {
    v.Add(absl::StrCat(field, ".translations"),
          "must hold the network's name in at least one language");
    return;
  }
  validate::CheckLocalizedText(v, title, field, kMaxNetworkTitle);
}

void CheckCountries(validate::Violations& v, const Network& n, const std::string& field) {
  if (n.countries_size() > kMaxNetworkCountries) {
    v.Add(field, absl::StrCat("must have at most ", kMaxNetworkCountries, " entries, got ",
                              n.countries_size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < n.countries_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (v.Check(geo::CheckPlace(entry, n.countries(i))) && !seen.insert(n.countries(i)).second) {
      v.Add(entry, absl::StrCat("repeats ", n.countries(i)));
    }
  }
}

// Each region must lie in one of the network's countries or groups, found by its NUTS
// prefix (EL is Greece, UK the United Kingdom).
void CheckRegions(validate::Violations& v, const Network& n, const std::string& field,
                  const std::string& countries_field) {
  if (n.nuts_regions_size() > kMaxNetworkRegions) {
    v.Add(field, absl::StrCat("must have at most ", kMaxNetworkRegions, " entries, got ",
                              n.nuts_regions_size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < n.nuts_regions_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string& region = n.nuts_regions(i);
    if (!v.Check(validate::NutsPrefix(entry, region))) continue;
    // In a country of the list, or in the part of one a group of the list covers.
    const std::string country = geo::CountryOfNuts(region);
    if (!geo::Places(n.countries()).Holds(country, region)) {
      v.Add(entry,
            absl::StrCat(region, " is not in any of ", countries_field, ": add its country"));
    } else if (v.Check(validate::NutsCode(entry, region, country)) && !seen.insert(region).second) {
      v.Add(entry, absl::StrCat("repeats ", region));
    }
  }
}

absl::Status NotCoordinator(const Network& network) {
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_COORDINATOR",
                       absl::StrCat("only the coordinator of ", network.name(), " (",
                                    network.coordinator(), ") or an operator may do this"));
}

}  // namespace

std::string JoinCursorKey(const JoinCursor& cursor) {
  return absl::StrCat(absl::ToUnixMicros(cursor.join_time), "/", cursor.id);
}

absl::StatusOr<JoinCursor> ParseJoinCursorKey(absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  int64_t micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) || !resource::IsId(parts[1])) {
    return status::InvalidField("page_token", "is not a token this service made");
  }
  return JoinCursor{absl::FromUnixMicros(micros), std::string(parts[1])};
}

absl::Status ValidateNetwork(const Network& n, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  validate::Violations v;
  CheckTitle(v, n.title(), f("title"));
  validate::CheckLocalizedText(v, n.description(), f("description"), kMaxNetworkDescription);
  v.Check(resource::ParseName(f("coordinator"), n.coordinator(), "organisations").status());
  CheckCountries(v, n, f("countries"));
  CheckRegions(v, n, f("nuts_regions"), f("countries"));
  validate::CheckThemes(v, n.themes(), f("themes"), kMaxListEntries);
  if (n.admission() == Network::ADMISSION_UNSPECIFIED ||
      !Network::Admission_IsValid(n.admission())) {
    v.Add(f("admission"), "must be OPEN or BY_INVITATION");
  }
  return v.ToStatus();
}

absl::StatusOr<Network> ApplyNetworkMask(const Network& stored, const Network& patch,
                                         const google::protobuf::FieldMask& mask) {
  Network result = stored;
  COOPNET_RETURN_IF_ERROR(ApplyFieldMask(
      patch, mask, {"name", "member_count", "etag", "create_time", "update_time"}, result));
  return result;
}

absl::Status ValidateNewMembership(const Membership& membership) {
  validate::Violations v;
  v.Check(resource::ParseName("membership.organisation", membership.organisation(), "organisations")
              .status());
  if (membership.role() == Membership::COORDINATOR) {
    v.Add("membership.role",
          "must be MEMBER or MENTOR: the coordinator's role comes with being the network's "
          "coordinator (UpdateNetwork)");
  } else if (membership.role() != Membership::MEMBER && membership.role() != Membership::MENTOR) {
    v.Add("membership.role", "must be MEMBER or MENTOR");
  }
  return v.ToStatus();
}

absl::Status MayCreate(const type::v1::Principal& caller, const Network& network) {
  if (principal::ActsFor(caller, network.coordinator(), type::v1::ORGANISATIONS_WRITE))
    return absl::OkStatus();
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_COORDINATOR",
                       absl::StrCat("a network is created by its coordinator's own key or an "
                                    "operator; the caller does not act for ",
                                    network.coordinator()));
}

absl::Status MayManage(const type::v1::Principal& caller, const Network& network) {
  if (principal::ActsFor(caller, network.coordinator(), type::v1::ORGANISATIONS_WRITE))
    return absl::OkStatus();
  return NotCoordinator(network);
}

absl::StatusOr<std::optional<ProposedBy>> MayAddMember(const type::v1::Principal& caller,
                                                       const Network& network,
                                                       const Membership& membership) {
  const bool for_network = SeesProposals(caller, network.coordinator());
  const bool for_member = SeesProposals(caller, membership.organisation());
  if (for_network && for_member) return std::optional<ProposedBy>();
  if (for_network) return std::optional<ProposedBy>(ProposedBy::kNetwork);
  if (!for_member) return NotCoordinator(network);
  if (network.admission() == Network::OPEN) return std::optional<ProposedBy>();
  return std::optional<ProposedBy>(ProposedBy::kOrganisation);
}

std::string Awaiting(const Network& network, absl::string_view organisation, ProposedBy side) {
  return side == ProposedBy::kNetwork ? std::string(organisation) : network.coordinator();
}

absl::Status MayAcceptMember(const type::v1::Principal& caller, const Network& network,
                             absl::string_view organisation, ProposedBy side) {
  const std::string awaited = Awaiting(network, organisation, side);
  if (SeesProposals(caller, awaited)) return absl::OkStatus();
  return status::Error(
      absl::StatusCode::kPermissionDenied, "NOT_ACTING_FOR_ORGANISATION",
      absl::StrCat("the membership of ", organisation, " in ", network.name(), " awaits ", awaited,
                   ", which the caller does not act for: use that organisation's own "
                   "key, or a key of an organisation it delegated ORGANISATIONS_WRITE to"),
      {{"organisation", awaited}});
}

absl::Status MayHandOver(const type::v1::Principal& caller, const Network& stored,
                         const Network& next) {
  if (next.coordinator() == stored.coordinator()) return absl::OkStatus();
  return principal::MayActFor(caller, next.coordinator(), type::v1::ORGANISATIONS_WRITE,
                              "network.coordinator");
}

bool SeesProposals(const type::v1::Principal& caller, absl::string_view organisation) {
  return principal::ActsFor(caller, organisation, type::v1::ORGANISATIONS_WRITE);
}

absl::Status MayRemoveMember(const type::v1::Principal& caller, const Network& network,
                             absl::string_view organisation) {
  if (!principal::ActsFor(caller, network.coordinator(), type::v1::ORGANISATIONS_WRITE) &&
      !principal::ActsFor(caller, organisation, type::v1::ORGANISATIONS_WRITE)) {
    return NotCoordinator(network);
  }
  if (organisation == network.coordinator()) {
    return status::Error(
        absl::StatusCode::kFailedPrecondition, "COORDINATOR_MEMBERSHIP",
        absl::StrCat(organisation, " coordinates ", network.name(),
                     " and cannot leave it: make another organisation its coordinator first"));
  }
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
