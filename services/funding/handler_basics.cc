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

}  // namespace coopnet::funding
