#include "services/organisations/partner_request_rules.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/geo/country_groups.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/time_util.h"
#include "services/organisations/field_mask.h"
#include "services/organisations/organisation_rules.h"
#include "services/organisations/search_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kOrganisations[] = "organisations";
constexpr char kPartnerRequests[] = "partnerRequests";

// Distinct ISO 3166-1 countries and country groups under `field`.
void CheckCountries(validate::Violations& v,
                    const google::protobuf::RepeatedPtrField<std::string>& countries,
                    const std::string& field) {
  validate::CheckCount(v, countries, field, kMaxWantedCountries);
  std::set<std::string> seen;
  for (int i = 0; i < countries.size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (v.Check(geo::CheckPlace(entry, countries[i])) && !seen.insert(countries[i]).second) {
      v.Add(entry, absl::StrCat("repeats ", countries[i]));
    }
  }
}

// Distinct kinds of organisation under `field`; their names go to `names` if given.
void CheckKinds(validate::Violations& v, const google::protobuf::RepeatedField<int>& kinds,
                const std::string& field, std::vector<std::string>* names = nullptr) {
  std::set<int> seen;
  for (int i = 0; i < kinds.size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (kinds[i] == v1::Organisation::KIND_UNSPECIFIED ||
        !v1::Organisation::Kind_IsValid(kinds[i])) {
      v.Add(entry, "must be a kind of organisation (NGO, MUNICIPALITY, ...)");
    } else if (!seen.insert(kinds[i]).second) {
      v.Add(entry, absl::StrCat("repeats ", v1::Organisation::Kind_Name(kinds[i])));
    } else if (names != nullptr) {
      names->push_back(v1::Organisation::Kind_Name(kinds[i]));
    }
  }
}

void CheckDeadline(validate::Violations& v, const PartnerRequest& request, absl::Time now,
                   const std::optional<google::protobuf::Timestamp>& kept_deadline,
                   const std::string& field) {
  if (!request.has_deadline()) return;
  const google::protobuf::Timestamp& deadline = request.deadline();
  if (deadline.seconds() < TimeUtil::kTimestampMinSeconds ||
      deadline.seconds() > TimeUtil::kTimestampMaxSeconds || deadline.nanos() < 0 ||
      deadline.nanos() > 999999999) {
    v.Add(field, "must be a time between the years 1 and 9999");
    return;
  }
  if (kept_deadline && *kept_deadline == deadline) return;
  if (FromTimestamp(deadline) <= now) {
    v.Add(field, absl::StrCat("must be in the future, got ", TimeUtil::ToString(deadline)));
  }
}

}  // namespace

std::string PartnerRequestName::organisation() const {
  return resource::Name(kOrganisations, organisation_id);
}

std::string PartnerRequestName::name() const {
  return absl::StrCat(organisation(), "/", kPartnerRequests, "/", id);
}

absl::StatusOr<PartnerRequestName> ParsePartnerRequestName(absl::string_view field,
                                                           absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(auto ids,
                           resource::ParseChildName(field, name, kOrganisations, kPartnerRequests));
  return PartnerRequestName{std::move(ids.first), std::move(ids.second)};
}

PartnerRequest PrepareNew(const PartnerRequest& request) {
  PartnerRequest prepared = request;
  prepared.clear_name();
  prepared.clear_etag();
  prepared.clear_create_time();
  prepared.clear_update_time();
  if (prepared.state() == PartnerRequest::STATE_UNSPECIFIED)
    prepared.set_state(PartnerRequest::OPEN);
  return prepared;
}

absl::Status ValidatePartnerRequest(const PartnerRequest& request, absl::Time now,
                                    const std::optional<google::protobuf::Timestamp>& kept_deadline,
                                    absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  validate::Violations v;
  if (request.title().translations().empty()) {
    v.Add(f("title"), "must have a translation in at least one language");
  }
  validate::CheckLocalizedText(v, request.title(), f("title"), kMaxPartnerRequestTitle);
  validate::CheckLocalizedText(v, request.description(), f("description"),
                               kMaxPartnerRequestDescription);
  validate::CheckThemes(v, request.themes(), f("themes"), kMaxListEntries);
  CheckCountries(v, request.countries(), f("countries"));
  CheckKinds(v, request.kinds(), f("kinds"));
  if (!request.call().empty()) {
    v.Check(resource::ParseName(f("call"), request.call(), "calls").status());
  }
  if (request.state() != PartnerRequest::OPEN && request.state() != PartnerRequest::CLOSED) {
    v.Add(f("state"), "must be OPEN or CLOSED");
  }
  CheckDeadline(v, request, now, kept_deadline, f("deadline"));
  return v.ToStatus();
}

absl::StatusOr<PartnerRequest> ApplyPartnerRequestMask(const PartnerRequest& stored,
                                                       const PartnerRequest& patch,
                                                       const google::protobuf::FieldMask& mask) {
  PartnerRequest result = stored;
  COOPNET_RETURN_IF_ERROR(
      ApplyFieldMask(patch, mask, {"name", "etag", "create_time", "update_time"}, result));
  return result;
}

absl::StatusOr<PartnerRequestFilters> ValidatePartnerRequestSearch(
    const v1::SearchPartnerRequestsRequest& request) {
  validate::Violations v;
  PartnerRequestFilters filters;
  v.Check(validate::Utf8Text("query", request.query(), 0, kMaxQueryChars));
  CheckCountries(v, request.countries(), "countries");
  filters.countries.assign(request.countries().begin(), request.countries().end());
  validate::CheckThemes(v, request.themes(), "themes", kMaxListEntries);
  filters.themes.assign(request.themes().begin(), request.themes().end());
  CheckKinds(v, request.kinds(), "kinds", &filters.kinds);
  CheckCountries(v, request.requester_countries(), "requester_countries");
  filters.requester_countries.assign(request.requester_countries().begin(),
                                     request.requester_countries().end());
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  return filters;
}

}  // namespace coopnet::organisations
