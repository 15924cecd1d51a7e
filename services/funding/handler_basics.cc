#include "services/funding/handler_basics.h"

#include "common/resource/resource.h"
#include "common/status/status.h"

namespace coopnet::funding {

std::string IdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<std::optional<int64_t>> RevisionOf(absl::string_view field, absl::string_view etag) {
  if (etag.empty()) return std::nullopt;
  COOPNET_ASSIGN_OR_RETURN(int64_t revision, resource::RevisionOfEtag(field, etag));
  return revision;
}

bool IsPrivileged(const principal::Principal& caller) {
  return principal::IsAdmin(caller) || caller.kind() == principal::Principal::SERVICE;
}

std::string CallerOrganisation(const principal::Principal& caller) {
  return caller.kind() == principal::Principal::API_KEY ? caller.organisation() : "";
}

void CheckNameFilter(validate::Violations& v, absl::string_view field, absl::string_view name,
                     absl::string_view collection) {
  if (!name.empty()) v.Check(resource::ParseName(field, name, collection).status());
}

}  // namespace coopnet::funding
