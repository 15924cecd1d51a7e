// coopnet::principal — who is calling, vouched for with an HMAC, for one call to one
// service.
//
// The gateway verifies API keys and sends the verified caller to services as a
// coopnet.type.v1.Principal in metadata, signed with HMAC-SHA256 under one of its own
// keys (keys.h). Services sign their own principal when they call each other. A sealed
// principal names its issuer and key, its audience (the one service it is for), a lifetime
// of seconds and a random id: the audience refuses it when missing, forged, expired,
// addressed to another service or seen before, so one captured on the wire is worth
// nothing elsewhere, later or again.
//
//   principal::Signer signer(*keys.SigningKey("gateway"), "gateway");
//   signer.Attach(principal::Admin(), "events", context);             // client side
//   principal::Verifier verifier(keys, "events");
//   absl::StatusOr<Principal> caller = verifier.Verify(metadata);      // server side
#ifndef COOPNET_COMMON_PRINCIPAL_PRINCIPAL_H_
#define COOPNET_COMMON_PRINCIPAL_PRINCIPAL_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal/keys.h"
#include "common/principal/replay_cache.h"
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::principal {

using type::v1::DelegationScope;
using type::v1::Principal;
using type::v1::Scope;

// Metadata keys; `-bin` makes gRPC carry the bytes as they are.
inline constexpr char kPrincipalKey[] = "coopnet-principal-bin";
inline constexpr char kSignatureKey[] = "coopnet-principal-sig-bin";

// How long a sealed principal stays valid. It is checked once, when the call arrives
// (a stream's whole life is one call), and every call gets a principal of its own, so it
// needs to cover only the trip to the service and the clocks' difference; the audience
// remembers every id for this long.
inline constexpr absl::Duration kLifetime = absl::Seconds(10);

// How far ahead of the verifier's clock a signer's may be.
inline constexpr absl::Duration kClockSkew = absl::Seconds(5);

// Seals principals as one issuer, with its signing key. Thread-safe; cheap to copy.
class Signer {
 public:
  // `key` is the issuer's (KeySet::SigningKey(issuer)); it is copied.
  Signer(const Key& key, std::string issuer);

  // `principal` stamped with issuer, key, `audience`, a new id, issue and expiry times,
  // serialised, and its signature: the two metadata values.
  struct Sealed {
    std::string bytes;
    std::string signature;
  };
  Sealed Seal(Principal principal, absl::string_view audience, absl::Time now = absl::Now()) const;

  // Adds `principal`, sealed for `audience`, to the metadata of an outgoing call. A
  // context is one call, so every call (and every retry of it by our code, which makes
  // a new context) carries a principal of its own that the audience accepts once.
  void Attach(Principal principal, absl::string_view audience, grpc::ClientContext& context,
              absl::Time now = absl::Now()) const;

  const std::string& issuer() const { return issuer_; }

 private:
  std::string key_id_;
  std::string issuer_;
  HmacKey hmac_;
};

// Verifies the principals sent to one service. Thread-safe.
class Verifier {
 public:
  // Accepts principals signed with any of `keys` for `audience` (the service's name).
  Verifier(KeySet keys, std::string audience,
           size_t replay_capacity = ReplayCache::kDefaultCapacity);

  // The principal of an incoming call, remembered until it expires. UNAUTHENTICATED
  // unless it is present (reason PRINCIPAL_MISSING), signed with a key we hold by that
  // key's issuer (PRINCIPAL_INVALID), within its lifetime (PRINCIPAL_EXPIRED), for us
  // (PRINCIPAL_WRONG_AUDIENCE) and not seen before (PRINCIPAL_REPLAYED);
  // RESOURCE_EXHAUSTED when too many unexpired ones are remembered to take another.
  absl::StatusOr<Principal> Verify(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
      absl::Time now = absl::Now());

  const std::string& audience() const { return audience_; }
  const ReplayCache& seen() const { return *seen_; }

 private:
  KeySet keys_;
  std::string audience_;
  std::unique_ptr<ReplayCache> seen_;
};

// The service a gRPC method or package is served by, which principals for it name as
// their audience: `events` for `/coopnet.events.v1.EventService/GetEvent` and for
// `coopnet.events.v1`.
std::string AudienceOf(absl::string_view method_or_package);

// Principals for the common callers.
Principal Anonymous(absl::string_view client_address = "");
Principal Admin();
Principal Service(absl::string_view service);
Principal ApiKey(absl::string_view organisation, absl::string_view api_key,
                 const std::vector<Scope>& scopes);

// True when `principal` holds `scope`: an operator (ADMIN) and a service calling on its
// own behalf hold every scope; a key holds its scopes, SCOPE_ADMIN implying the others;
// anonymous callers hold none.
bool HasScope(const Principal& principal, Scope scope);

// True for the operators' key (never for an organisation's key, whatever its scopes).
bool IsAdmin(const Principal& principal);

// True when `principal` speaks as `organisation` (`organisations/{id}`): its own key, or
// an administrator. What only the organisation itself may do (its keys, its
// delegations) asks this; a delegation never counts.
bool ActsFor(const Principal& principal, absl::string_view organisation);

// True when `principal` may act for `organisation` in `scope`: as above, or holding the
// organisation's delegation of `scope` unexpired at `now`.
bool ActsFor(const Principal& principal, absl::string_view organisation, DelegationScope scope,
             absl::Time now = absl::Now());

// OK when ActsFor(principal, organisation, scope); otherwise PERMISSION_DENIED (reason
// NOT_ACTING_FOR_ORGANISATION, metadata `organisation`) saying that `field` names an
// organisation the caller does not act for, and how it could.
absl::Status MayActFor(const Principal& principal, absl::string_view organisation,
                       DelegationScope scope, absl::string_view field);

// Who the caller is, for logs and request scoping: `admin`, `anonymous`,
// `service:events`, or the API key's name.
std::string Subject(const Principal& principal);

}  // namespace coopnet::principal

#endif  // COOPNET_COMMON_PRINCIPAL_PRINCIPAL_H_
