#include "services/organisations/api_key_rules.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr absl::string_view kPrefixAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr size_t kPrefixLength = 8;
constexpr size_t kSecretLength = 2 * kSecretBytes;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string EncodePrefix(absl::string_view random) {
  uint64_t bits = 0;
  for (unsigned char byte : random.substr(0, kPrefixBytes)) bits = (bits << 8) | byte;
  std::string prefix(kPrefixLength, '0');
  for (size_t i = 0; i < kPrefixLength; ++i) {
    prefix[kPrefixLength - 1 - i] = kPrefixAlphabet[(bits >> (5 * i)) & 31];
  }
  return prefix;
}

std::string FormatKey(absl::string_view prefix, absl::string_view secret) {
  return absl::StrCat(kKeyMark, prefix, "_", absl::BytesToHexString(secret));
}

std::optional<PresentedKey> ParseKey(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, kKeyMark)) return std::nullopt;
  if (key.size() != kPrefixLength + 1 + kSecretLength || key[kPrefixLength] != '_') {
    return std::nullopt;
  }
  const absl::string_view prefix = key.substr(0, kPrefixLength);
  const absl::string_view secret = key.substr(kPrefixLength + 1);
  for (char c : prefix) {
    if (kPrefixAlphabet.find(c) == absl::string_view::npos) return std::nullopt;
  }
  for (char c : secret) {
    if (!IsLowerHex(c)) return std::nullopt;
  }
  return PresentedKey{std::string(prefix), absl::HexStringToBytes(secret)};
}

std::string SecretHash(absl::string_view secret) { return request::Sha256(secret); }

bool SecretMatches(absl::string_view secret, absl::string_view stored_hash) {
  const std::string hash = SecretHash(secret);
  return stored_hash.size() == hash.size() &&
         CRYPTO_memcmp(hash.data(), stored_hash.data(), hash.size()) == 0;
}

ApiKey::State StateOf(std::optional<absl::Time> revoke_time, std::optional<absl::Time> expire_time,
                      absl::Time now) {
  if (revoke_time) return ApiKey::REVOKED;
  if (expire_time && *expire_time <= now) return ApiKey::EXPIRED;
  return ApiKey::ACTIVE;
}

absl::Status ValidateNewApiKey(const ApiKey& key, absl::Time now) {
  validate::Violations v;
  v.Check(validate::Utf8Text("api_key.display_name", key.display_name(), 1, kMaxApiKeyDisplayName));
  if (key.scopes().empty()) {
    v.Add("api_key.scopes",
          "must hold at least one of SCOPE_READ, SCOPE_WRITE, "
          "SCOPE_REGISTRATIONS, SCOPE_ADMIN");
  }
  std::set<int> seen;
  for (int i = 0; i < key.scopes_size(); ++i) {
    const std::string field = absl::StrCat("api_key.scopes[", i, "]");
    const int scope = key.scopes(i);
    if (scope == type::v1::SCOPE_UNSPECIFIED || !type::v1::Scope_IsValid(scope)) {
      v.Add(field, "must be SCOPE_READ, SCOPE_WRITE, SCOPE_REGISTRATIONS or SCOPE_ADMIN");
    } else if (!seen.insert(scope).second) {
      v.Add(field, absl::StrCat("repeats ", type::v1::Scope_Name(key.scopes(i))));
    }
  }
  if (key.has_expire_time()) {
    const absl::Time expire = FromTimestamp(key.expire_time());
    if (expire <= now) {
      v.Add("api_key.expire_time",
            absl::StrCat("must be in the future, got ", absl::FormatTime(expire)));
    }
  }
  return v.ToStatus();
}

absl::Time AuthenticationCacheUntil(std::optional<absl::Time> expire_time, absl::Time now) {
  const absl::Time cache_until = now + kAuthenticationCacheTime;
  return expire_time ? std::min(*expire_time, cache_until) : cache_until;
}

absl::Time LastUseMark(absl::Time now) {
  return absl::UnixEpoch() + absl::Floor(now - absl::UnixEpoch(), absl::Minutes(1));
}

bool LastUseDue(std::optional<absl::Time> recorded, absl::Time now) {
  return !recorded || *recorded < LastUseMark(now);
}

absl::Status MayManageKeys(const type::v1::Principal& caller, absl::string_view organisation) {
  if (principal::HasScope(caller, type::v1::SCOPE_ADMIN) &&
      principal::ActsFor(caller, organisation)) {
    return absl::OkStatus();
  }
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_KEY_ADMIN",
                       absl::StrCat("only a key of ", organisation,
                                    " with the admin scope, or an operator, manages its API keys"));
}

absl::Status MayAuthenticate(const type::v1::Principal& caller) {
  if (principal::IsAdmin(caller) ||
      (caller.kind() == type::v1::Principal::SERVICE && caller.service() == "gateway")) {
    return absl::OkStatus();
  }
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_GATEWAY",
                       "only the gateway authenticates API keys");
}

absl::Status InvalidKey() {
  return status::Error(absl::StatusCode::kUnauthenticated, "API_KEY_INVALID",
                       "the API key is not valid");
}

}  // namespace coopnet::organisations
