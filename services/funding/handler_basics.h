// What the handler files of FundingService share: ids from names, etags to revisions,
// who is privileged, and the checks of list filters.
#ifndef COOPNET_SERVICES_FUNDING_HANDLER_BASICS_H_
#define COOPNET_SERVICES_FUNDING_HANDLER_BASICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/principal/principal.h"
#include "common/validate/validate.h"
#include "coopnet/funding/v1/funding.pb.h"
#include "google/protobuf/repeated_field.h"

namespace coopnet::funding {

// An administrator or a coopnet service: sees and may read everything.
bool IsPrivileged(const principal::Principal& caller);

// The organisation the caller's key belongs to; "" for anybody else.
std::string CallerOrganisation(const principal::Principal& caller);

// Whether the caller speaks for `organisation` in funding: privileged, its own key, or a
// key holding its FUNDING_WRITE delegation (a portal reads what it may act on).
bool SpeaksFor(const principal::Principal& caller, absl::string_view organisation);

// Whether the caller speaks for one of the application's participants.
bool SpeaksForConsortium(const principal::Principal& caller, const v1::Application& application);

// The enum values of a filter, as names; a violation for UNSPECIFIED or unknown ones.
template <typename Enum>
std::vector<std::string> EnumFilter(validate::Violations& v, absl::string_view field,
                                    const google::protobuf::RepeatedField<int>& values,
                                    bool (*is_valid)(int), const std::string& (*name)(Enum)) {
  std::vector<std::string> names;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      v.Add(absl::StrCat(field, "[", i, "]"), "must be one of the enum's named values");
    } else {
      names.push_back(name(static_cast<Enum>(values[i])));
    }
  }
  return names;
}

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_HANDLER_BASICS_H_
