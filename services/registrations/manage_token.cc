#include "services/registrations/manage_token.h"

#include <openssl/crypto.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace coopnet::registrations {
namespace {

constexpr char kPrefix[] = "cnr_";

// Sets these bytes apart from sealed principals, which the same secret signs: a
// serialized Principal never starts with this text.
constexpr char kPurpose[] = "coopnet.registrations.manage-token\n";

}  // namespace

std::string ManageToken(const principal::Signer& signer, absl::string_view registration_name) {
  return absl::StrCat(
      kPrefix, absl::WebSafeBase64Escape(signer.Sign(absl::StrCat(kPurpose, registration_name))));
}

bool IsManageToken(const principal::Signer& signer, absl::string_view registration_name,
                   absl::string_view token) {
  const std::string expected = ManageToken(signer, registration_name);
  return token.size() == expected.size() &&
         CRYPTO_memcmp(token.data(), expected.data(), expected.size()) == 0;
}

}  // namespace coopnet::registrations
