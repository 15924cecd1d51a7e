#include "services/gateway/expiring_lru.h"

#include <openssl/sha.h>

namespace coopnet::gateway {

std::string Sha256(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace coopnet::gateway
