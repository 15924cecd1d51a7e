#include "common/principal/principal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/time/time.h"

namespace coopnet::principal {
namespace {

// Principals a little from the future are fine: clocks of two pods differ.
constexpr absl::Duration kClockSkew = absl::Minutes(1);

absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return status::Error(absl::StatusCode::kUnauthenticated, reason, message);
}

absl::optional<absl::string_view> Find(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return absl::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

class Signer::Key {
 public:
  explicit Key(const std::string& secret) {
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    context_ = EVP_MAC_CTX_new(hmac);  // holds its own reference to `hmac`
    EVP_MAC_free(hmac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (context_ == nullptr ||
        EVP_MAC_init(context_, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     params) != 1) {
      std::abort();  // OpenSSL without HMAC-SHA256: nothing can be signed or verified
    }
  }
  ~Key() { EVP_MAC_CTX_free(context_); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // Copying a keyed context only reads it: threads may sign at once.
  std::string Sign(absl::string_view bytes) const {
    EVP_MAC_CTX* context = EVP_MAC_CTX_dup(context_);
    unsigned char digest[EVP_MAX_MD_SIZE];
    size_t length = 0;
    if (context == nullptr ||
        EVP_MAC_update(context, reinterpret_cast<const unsigned char*>(bytes.data()),
                       bytes.size()) != 1 ||
        EVP_MAC_final(context, digest, &length, sizeof digest) != 1) {
      std::abort();  // out of memory
    }
    EVP_MAC_CTX_free(context);
    return std::string(reinterpret_cast<const char*>(digest), length);
  }

 private:
  EVP_MAC_CTX* context_ = nullptr;
};

Signer::Signer(std::string secret) : key_(std::make_shared<const Key>(secret)) {}

std::string Signer::Sign(absl::string_view bytes) const { return key_->Sign(bytes); }

Signer::Sealed Signer::Seal(Principal principal, absl::Time now) const {
  *principal.mutable_issue_time() = ToTimestamp(now);
  *principal.mutable_expire_time() = ToTimestamp(now + kLifetime);
  Sealed sealed;
  sealed.bytes = principal.SerializeAsString();
  sealed.signature = Sign(sealed.bytes);
  return sealed;
}

void Signer::Attach(Principal principal, grpc::ClientContext& context, absl::Time now) const {
  Sealed sealed = Seal(std::move(principal), now);
  context.AddMetadata(kPrincipalKey, std::move(sealed.bytes));
  context.AddMetadata(kSignatureKey, std::move(sealed.signature));
}

absl::StatusOr<Principal> Signer::Verify(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time now) const {
  absl::optional<absl::string_view> bytes = Find(metadata, kPrincipalKey);
  absl::optional<absl::string_view> signature = Find(metadata, kSignatureKey);
  if (!bytes || !signature) {
    return Unauthenticated("PRINCIPAL_MISSING",
                           "the call carries no signed principal: call through the gateway");
  }
  const std::string expected = Sign(*bytes);
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("PRINCIPAL_INVALID", "the principal's signature is not valid");
  }
  Principal principal;
  if (!principal.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      principal.kind() == Principal::KIND_UNSPECIFIED) {
    return Unauthenticated("PRINCIPAL_INVALID", "the principal cannot be read");
  }
  if (ToTime(principal.expire_time()) < now || ToTime(principal.issue_time()) > now + kClockSkew) {
    return Unauthenticated("PRINCIPAL_EXPIRED", "the principal is expired or not yet valid");
  }
  return principal;
}

Principal Anonymous(absl::string_view client_address) {
  Principal p;
  p.set_kind(Principal::ANONYMOUS);
  p.set_client_address(std::string(client_address));
  return p;
}

Principal Admin() {
  Principal p;
  p.set_kind(Principal::ADMIN);
  p.add_scopes(type::v1::SCOPE_ADMIN);
  return p;
}

Principal Service(absl::string_view service) {
  Principal p;
  p.set_kind(Principal::SERVICE);
  p.set_service(std::string(service));
  return p;
}

Principal ApiKey(absl::string_view organisation, absl::string_view api_key,
                 const std::vector<Scope>& scopes) {
  Principal p;
  p.set_kind(Principal::API_KEY);
  p.set_organisation(std::string(organisation));
  p.set_api_key(std::string(api_key));
  for (Scope scope : scopes) p.add_scopes(scope);
  return p;
}

bool IsAdmin(const Principal& principal) { return principal.kind() == Principal::ADMIN; }

bool HasScope(const Principal& principal, Scope scope) {
  if (IsAdmin(principal) || principal.kind() == Principal::SERVICE) return true;
  if (principal.kind() != Principal::API_KEY) return false;
  for (int held : principal.scopes()) {
    if (held == scope || held == type::v1::SCOPE_ADMIN) return true;
  }
  return false;
}

bool ActsFor(const Principal& principal, absl::string_view organisation) {
  if (IsAdmin(principal)) return true;
  return principal.kind() == Principal::API_KEY && principal.organisation() == organisation;
}

bool ActsFor(const Principal& principal, absl::string_view organisation, DelegationScope scope,
             absl::Time now) {
  if (ActsFor(principal, organisation)) return true;
  if (principal.kind() != Principal::API_KEY) return false;
  for (const Principal::Delegation& delegation : principal.delegations()) {
    if (delegation.organisation() != organisation) continue;
    if (delegation.has_expire_time() && ToTime(delegation.expire_time()) <= now) continue;
    for (int held : delegation.scopes()) {
      if (held == scope) return true;
    }
  }
  return false;
}

absl::Status MayActFor(const Principal& principal, absl::string_view organisation,
                       DelegationScope scope, absl::string_view field) {
  if (ActsFor(principal, organisation, scope)) return absl::OkStatus();
  return status::Error(
      absl::StatusCode::kPermissionDenied, "NOT_ACTING_FOR_ORGANISATION",
      absl::StrCat(field, " names ", organisation,
                   ", which the caller does not act for: use that organisation's own key, or "
                   "a key of an organisation it delegated ",
                   type::v1::DelegationScope_Name(scope), " to"),
      {{"organisation", std::string(organisation)}});
}

std::string Subject(const Principal& principal) {
  switch (principal.kind()) {
    case Principal::ADMIN:
      return "admin";
    case Principal::SERVICE:
      return absl::StrCat("service:", principal.service());
    case Principal::API_KEY:
      return principal.api_key().empty() ? principal.organisation() : principal.api_key();
    default:
      return "anonymous";
  }
}

}  // namespace coopnet::principal
