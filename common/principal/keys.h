// coopnet::principal keys — the HMAC keys that sign principals, one or more per issuer.
//
// Every process that signs (the gateway, a service calling another) has keys of its own,
// each named by a key id, and every process that verifies holds the keys of those that
// call it. COOPNET_PRINCIPAL_KEYS (or the file COOPNET_PRINCIPAL_KEYS_FILE) lists them as
// `kid:issuer:secret` entries separated by commas, spaces or new lines:
//
//   gateway-2026-12:gateway:3f9c...e1 events-1:events:a1b2...9f
//
// A process signs with the first entry of its own issuer and accepts every entry, so a
// key is replaced with an overlap: add the new key after the old one everywhere, then put
// it first, then remove the old one (see deploy/README.md).
//
//   COOPNET_ASSIGN_OR_RETURN(principal::KeySet keys, principal::KeySet::Parse(text));
//   const principal::HmacKey* key = keys.Find("gateway-2026-12");
#ifndef COOPNET_COMMON_PRINCIPAL_KEYS_H_
#define COOPNET_COMMON_PRINCIPAL_KEYS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace coopnet::principal {

// The shortest secret we accept: HMAC-SHA256 keys shorter than this are guessable.
inline constexpr size_t kMinSecretBytes = 32;

// One secret taken into an HMAC-SHA256 context once; each signature starts from a copy,
// so threads may sign at once. Copies share the context.
class HmacKey {
 public:
  explicit HmacKey(absl::string_view secret);

  // The HMAC-SHA256 of `bytes`.
  std::string Sign(absl::string_view bytes) const;

  // Whether `signature` is the HMAC-SHA256 of `bytes`; compared in constant time.
  bool Signed(absl::string_view bytes, absl::string_view signature) const;

 private:
  class Context;
  std::shared_ptr<const Context> context_;
};

// One entry of COOPNET_PRINCIPAL_KEYS.
struct Key {
  std::string id;
  std::string issuer;
  HmacKey hmac;
};

// Every key a process holds. Cheap to copy.
class KeySet {
 public:
  // INVALID_ARGUMENT naming the entry (never its secret) and the rule it breaks: the form
  // `kid:issuer:secret`, ids and issuers of letters, digits, `.`, `_` and `-`, secrets
  // of kMinSecretBytes or more, every id once, at least one entry.
  static absl::StatusOr<KeySet> Parse(absl::string_view text);

  // The key `id`, or null.
  const Key* Find(absl::string_view id) const;

  // The key `issuer` signs with (its first), or null when it has none.
  const Key* SigningKey(absl::string_view issuer) const;

  const std::vector<Key>& keys() const { return *keys_; }

 private:
  std::shared_ptr<const std::vector<Key>> keys_ = std::make_shared<const std::vector<Key>>();
};

}  // namespace coopnet::principal

#endif  // COOPNET_COMMON_PRINCIPAL_KEYS_H_
