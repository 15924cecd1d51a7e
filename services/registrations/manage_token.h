// A registration's manage token: what lets a registrant without an API key read and
// cancel their own registration. It is derived from the registration's name with a
// secret of its own (COOPNET_MANAGE_TOKEN_SECRET, HMAC-SHA256 under a purpose of its own),
// so it is never stored: a retried CreateRegistration can show it again, and a database
// dump reveals none. Its secret is not a principal key: those rotate, and a registrant
// keeps a token for as long as the registration.
//
//   registration.set_manage_token(ManageToken(key, registration.name()));
//   if (!IsManageToken(key, request.name(), request.manage_token())) ...
#ifndef COOPNET_SERVICES_REGISTRATIONS_MANAGE_TOKEN_H_
#define COOPNET_SERVICES_REGISTRATIONS_MANAGE_TOKEN_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/principal/principal.h"

namespace coopnet::registrations {

// `cnr_` and 43 URL-safe base64 characters.
std::string ManageToken(const principal::HmacKey& key, absl::string_view registration_name);

// Whether `token` is the manage token of `registration_name`; compared in constant time.
bool IsManageToken(const principal::HmacKey& key, absl::string_view registration_name,
                   absl::string_view token);

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_MANAGE_TOKEN_H_
