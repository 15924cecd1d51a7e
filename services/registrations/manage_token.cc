#include "services/registrations/manage_token.h"

#include <openssl/crypto.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace coopnet::registrations {
namespace {

constexpr char kPrefix[] = "cnr_";

// Sets these bytes apart from anything else an operator might sign with the same secret
// (such as a former principal secret).
constexpr char kPurpose[] = "coopnet.registrations.manage-token\n";

}  // namespace

std::string ManageToken(const principal::HmacKey& key, absl::string_view registration_name) {
  return absl::StrCat(
      kPrefix, absl::WebSafeBase64Escape(key.Sign(absl::StrCat(kPurpose, registration_name))));
}

bool IsManageToken(const principal::HmacKey& key, absl::string_view registration_name,
                   absl::string_view token) {
  const std::string expected = ManageToken(key, registration_name);
  return token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

}  // namespace coopnet::registrations
