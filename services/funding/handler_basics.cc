#include "services/funding/handler_basics.h"

#include "common/resource/resource.h"
#include "common/status/status.h"

namespace coopnet::funding {

bool IsPrivileged(const principal::Principal& caller) {
  return principal::IsAdmin(caller) || caller.kind() == principal::Principal::SERVICE;
}

std::string CallerOrganisation(const principal::Principal& caller) {
  return caller.kind() == principal::Principal::API_KEY ? caller.organisation() : "";
}

bool SpeaksFor(const principal::Principal& caller, absl::string_view organisation) {
  return IsPrivileged(caller) || principal::ActsFor(caller, organisation, type::v1::FUNDING_WRITE);
}

bool SpeaksForConsortium(const principal::Principal& caller, const v1::Application& application) {
  for (const auto& p : application.participants()) {
    if (SpeaksFor(caller, p.organisation())) return true;
  }
  return IsPrivileged(caller);
}

}  // namespace coopnet::funding
