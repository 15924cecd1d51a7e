#include "common/principal/principal.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"
#include "common/time/time.h"

namespace coopnet::principal {
namespace {

// Random bytes of a principal's id: as unlikely to repeat as to be guessed.
constexpr int kIdBytes = ReplayCache::kIdBytes;

absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return status::Error(absl::StatusCode::kUnauthenticated, reason, message);
}

absl::optional<absl::string_view> Find(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return absl::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

std::string NewId() {
  std::string id(kIdBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(id.data()), kIdBytes) != 1) {
    std::abort();  // no randomness: an id could repeat, and be refused as a replay
  }
  return id;
}

}  // namespace

Signer::Signer(const Key& key, std::string issuer)
    : key_id_(key.id), issuer_(std::move(issuer)), hmac_(key.hmac) {}

Signer::Sealed Signer::Seal(Principal principal, absl::string_view audience, absl::Time now) const {
  principal.set_issuer(issuer_);
  principal.set_key_id(key_id_);
  principal.set_audience(std::string(audience));
  principal.set_id(NewId());
  *principal.mutable_issue_time() = ToTimestamp(now);
  *principal.mutable_expire_time() = ToTimestamp(now + kLifetime);
  Sealed sealed;
  sealed.bytes = principal.SerializeAsString();
  sealed.signature = hmac_.Sign(sealed.bytes);
  return sealed;
}

void Signer::Attach(Principal principal, absl::string_view audience, grpc::ClientContext& context,
                    absl::Time now) const {
  Sealed sealed = Seal(std::move(principal), audience, now);
  context.AddMetadata(kPrincipalKey, std::move(sealed.bytes));
  context.AddMetadata(kSignatureKey, std::move(sealed.signature));
}

Verifier::Verifier(KeySet keys, std::string audience, size_t replay_capacity)
    : keys_(std::move(keys)),
      audience_(std::move(audience)),
      seen_(std::make_unique<ReplayCache>(replay_capacity)) {}

absl::StatusOr<Principal> Verifier::Verify(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time now) {
  absl::optional<absl::string_view> bytes = Find(metadata, kPrincipalKey);
  absl::optional<absl::string_view> signature = Find(metadata, kSignatureKey);
  if (!bytes || !signature) {
    return Unauthenticated("PRINCIPAL_MISSING",
                           "the call carries no signed principal: call through the gateway");
  }
  // Read before it is trusted, to learn which key to check it with; gRPC bounds the size.
  Principal principal;
  if (!principal.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      principal.kind() == Principal::KIND_UNSPECIFIED) {
    return Unauthenticated("PRINCIPAL_INVALID", "the principal cannot be read");
  }
  const Key* key = keys_.Find(principal.key_id());
  if (key == nullptr) {
    return Unauthenticated("PRINCIPAL_INVALID",
                           absl::StrCat("the principal is signed with key \"", principal.key_id(),
                                        "\", which ", audience_, " does not hold (retired?)"));
  }
  if (key->issuer != principal.issuer() || !key->hmac.Signed(*bytes, *signature)) {
    return Unauthenticated("PRINCIPAL_INVALID", "the principal's signature is not valid");
  }
  // A service's key vouches for calls it makes, never for another service's.
  if (principal.kind() == Principal::SERVICE && principal.service() != principal.issuer()) {
    return Unauthenticated("PRINCIPAL_INVALID", "a service principal must be signed by itself");
  }
  if (principal.audience() != audience_) {
    return Unauthenticated(
        "PRINCIPAL_WRONG_AUDIENCE",
        absl::StrCat("the principal is for \"", principal.audience(), "\", not for ", audience_));
  }
  const absl::Time issued = ToTime(principal.issue_time());
  const absl::Time expires = ToTime(principal.expire_time());
  if (now > expires || issued > now + kClockSkew || expires - issued > kLifetime) {
    return Unauthenticated("PRINCIPAL_EXPIRED", "the principal is expired or not yet valid");
  }
  if (principal.id().size() != kIdBytes) {
    return Unauthenticated("PRINCIPAL_INVALID", "the principal has no id");
  }
  switch (seen_->Remember(principal.id(), expires, now)) {
    case ReplayCache::Outcome::kNew:
      return principal;
    case ReplayCache::Outcome::kReplayed:
      return Unauthenticated("PRINCIPAL_REPLAYED",
                             "the principal was used before: every call needs its own");
    case ReplayCache::Outcome::kFull:
      break;
  }
  return status::Error(absl::StatusCode::kResourceExhausted, "SERVER_BUSY",
                       "the server is at capacity; retry with backoff");
}

std::string AudienceOf(absl::string_view method_or_package) {
  absl::ConsumePrefix(&method_or_package, "/");
  const std::vector<absl::string_view> parts = absl::StrSplit(method_or_package, '.');
  return parts.size() >= 2 ? std::string(parts[1]) : std::string(method_or_package);
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
