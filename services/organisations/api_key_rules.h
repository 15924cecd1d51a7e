// The rules of API keys, as pure functions: the key's text form `cnk_<prefix>_<secret>`,
// how its secret is kept (SHA-256 only) and compared (constant time), its state, what a
// new key must be, how long the gateway may cache an authentication, how often the last
// use is written, and who manages keys and who authenticates them.
//
//   std::optional<PresentedKey> presented = ParseKey(request.key());
//   if (!presented || !SecretMatches(presented->secret, stored.secret_hash)) return InvalidKey();
#ifndef COOPNET_SERVICES_ORGANISATIONS_API_KEY_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_API_KEY_RULES_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/organisations/v1/api_keys.pb.h"
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::organisations {

using v1::ApiKey;

// Every key starts with this, so that leaked keys are easy to find in code and logs.
inline constexpr char kKeyMark[] = "cnk_";
// Random bytes of a prefix (8 base32 characters) and of a secret (64 hex digits).
inline constexpr size_t kPrefixBytes = 5;
inline constexpr size_t kSecretBytes = 32;
inline constexpr size_t kMaxApiKeyDisplayName = 200;
// How long the gateway may trust an authentication: a revoked key is refused within it.
inline constexpr absl::Duration kAuthenticationCacheTime = absl::Seconds(60);

// A key as presented, split into its public prefix (8 characters) and its secret (the
// 32 bytes, decoded).
struct PresentedKey {
  std::string prefix;
  std::string secret;
};

// The prefix of `random` (kPrefixBytes bytes): 8 characters of lower-case Crockford
// base32, the alphabet of resource ids.
std::string EncodePrefix(absl::string_view random);

// `cnk_<prefix>_<secret>` with the secret (kSecretBytes bytes) in lower-case hex.
std::string FormatKey(absl::string_view prefix, absl::string_view secret);

// The parts of a key FormatKey could have made; nullopt for anything else (wrong mark,
// lengths, alphabet or case), so that only one spelling of a secret authenticates.
std::optional<PresentedKey> ParseKey(absl::string_view key);

// What is stored of a secret: its SHA-256 (32 bytes).
std::string SecretHash(absl::string_view secret);

// True when `secret` hashes to `stored_hash`, compared in constant time.
bool SecretMatches(absl::string_view secret, absl::string_view stored_hash);

// REVOKED once revoked, else EXPIRED from its expiry on, else ACTIVE.
ApiKey::State StateOf(std::optional<absl::Time> revoke_time, std::optional<absl::Time> expire_time,
                      absl::Time now);

// The writable fields of a new key keep their rules, each broken one named under
// `api_key.`: a display name, one or more distinct scopes, an expiry (when set) after
// `now`. Output-only fields are not looked at.
absl::Status ValidateNewApiKey(const ApiKey& key, absl::Time now);

// Until when the gateway may cache an authentication made at `now`: the key's expiry,
// at most kAuthenticationCacheTime ahead.
absl::Time AuthenticationCacheUntil(std::optional<absl::Time> expire_time, absl::Time now);

// The last use recorded for an authentication at `now`: the minute it falls in.
absl::Time LastUseMark(absl::Time now);

// True when an authentication at `now` must write the last use: at most once a minute
// per key, so that authenticating is a read nearly always.
bool LastUseDue(std::optional<absl::Time> recorded, absl::Time now);

// OK when `caller` manages the keys of `organisation` (`organisations/{id}`): its own key
// with the admin scope, or an operator. PERMISSION_DENIED (reason NOT_KEY_ADMIN)
// otherwise.
absl::Status MayManageKeys(const type::v1::Principal& caller, absl::string_view organisation);

// OK when `caller` may authenticate keys: the gateway (a SERVICE principal named
// `gateway`) or an operator. PERMISSION_DENIED (reason NOT_GATEWAY) otherwise.
absl::Status MayAuthenticate(const type::v1::Principal& caller);

// UNAUTHENTICATED (reason API_KEY_INVALID) with one message for every refused key, so
// that a caller cannot tell an unknown key from a revoked or expired one.
absl::Status InvalidKey();

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_API_KEY_RULES_H_
