// The rules of partner requests, as pure functions: what a valid request is, how its
// name reads, how an update mask applies, and what a search of requests may ask.
//
//   COOPNET_ASSIGN_OR_RETURN(PartnerRequestName parent, ...);
//   PartnerRequest wanted = PrepareNew(request.partner_request());
//   COOPNET_RETURN_IF_ERROR(ValidatePartnerRequest(wanted, absl::Now()));
#ifndef COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/organisations/v1/partner_requests.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace coopnet::organisations {

using v1::PartnerRequest;

inline constexpr size_t kMaxPartnerRequestTitle = 200;
inline constexpr size_t kMaxPartnerRequestDescription = 10000;
// Every country of Europe, with room to spare.
inline constexpr int kMaxWantedCountries = 60;

// `organisations/{organisation_id}/partnerRequests/{id}`.
struct PartnerRequestName {
  std::string organisation_id;
  std::string id;

  // `organisations/{organisation_id}`: who owns the request.
  std::string organisation() const;
  std::string name() const;
};

// The ids in `name`, or INVALID_ARGUMENT naming `field`.
absl::StatusOr<PartnerRequestName> ParsePartnerRequestName(absl::string_view field,
                                                           absl::string_view name);

// A request as it is created: OPEN unless it says otherwise, output-only fields cleared.
PartnerRequest PrepareNew(const PartnerRequest& request);

// Every writable field of `request` keeps its rule; the error names each broken one under
// `prefix` (`partner_request.countries[1]`): a title in at least one language, distinct
// theme slugs, distinct ISO countries, distinct kinds, `call` empty or `calls/{id}`, a
// state OPEN or CLOSED, and a deadline after `now`, unless it is `kept_deadline` (the
// deadline the stored request already had, which may since have passed).
absl::Status ValidatePartnerRequest(
    const PartnerRequest& request, absl::Time now,
    const std::optional<google::protobuf::Timestamp>& kept_deadline = std::nullopt,
    absl::string_view prefix = "partner_request");

// `stored` with the fields named in `mask` taken from `patch` ("*" takes every writable
// field); name, etag and the times are output only. INVALID_ARGUMENT naming update_mask
// for an empty mask, an unknown or an output-only field. Not validated.
absl::StatusOr<PartnerRequest> ApplyPartnerRequestMask(const PartnerRequest& stored,
                                                       const PartnerRequest& patch,
                                                       const google::protobuf::FieldMask& mask);

// The filters of a search of open requests, as validated from the request.
struct PartnerRequestFilters {
  std::vector<std::string> countries;
  std::vector<std::string> themes;
  std::vector<std::string> kinds;  // Organisation::Kind names
  std::vector<std::string> requester_countries;
};

// The filters of `request`, or INVALID_ARGUMENT naming every bad field.
absl::StatusOr<PartnerRequestFilters> ValidatePartnerRequestSearch(
    const v1::SearchPartnerRequestsRequest& request);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_RULES_H_
