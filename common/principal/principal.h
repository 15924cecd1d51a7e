// coopnet::principal — who is calling, vouched for with an HMAC.
//
// The gateway verifies API keys and sends the verified caller to services as a
// coopnet.type.v1.Principal in metadata, signed with HMAC-SHA256 under a secret every
// process shares. Services refuse a missing, forged or expired principal, so nobody who
// reaches a service port directly can claim to be someone else. Services sign their own
// principal when they call each other.
//
//   principal::Signer signer(secret);
//   signer.Attach(principal::Admin(), context);                    // client side
//   absl::StatusOr<Principal> caller = signer.Verify(metadata);   // server side
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
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::principal {

using type::v1::DelegationScope;
using type::v1::Principal;
using type::v1::Scope;

// Metadata keys; `-bin` makes gRPC carry the bytes as they are.
inline constexpr char kPrincipalKey[] = "coopnet-principal-bin";
inline constexpr char kSignatureKey[] = "coopnet-principal-sig-bin";

// The shortest secret we accept: HMAC-SHA256 keys shorter than this are guessable.
inline constexpr size_t kMinSecretBytes = 32;

// How long a signed principal stays valid: long enough for a slow call's retries, short
// enough that a captured one is soon worthless.
inline constexpr absl::Duration kLifetime = absl::Minutes(5);

// Signs and verifies principals with one shared secret. Thread-safe.
class Signer {
 public:
  // `secret` must be at least kMinSecretBytes long (config checks it first).
  explicit Signer(std::string secret);

  // `principal` stamped with issue and expiry times, serialised, and its signature: the
  // two metadata values.
  struct Sealed {
    std::string bytes;
    std::string signature;
  };
  Sealed Seal(Principal principal, absl::Time now = absl::Now()) const;

  // Adds `principal`, sealed, to the metadata of an outgoing call.
  void Attach(Principal principal, grpc::ClientContext& context,
              absl::Time now = absl::Now()) const;

  // The principal of an incoming call: UNAUTHENTICATED (reason PRINCIPAL_MISSING,
  // PRINCIPAL_INVALID or PRINCIPAL_EXPIRED) unless it is present, signed with our
  // secret and within its lifetime.
  absl::StatusOr<Principal> Verify(
      const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
      absl::Time now = absl::Now()) const;

  // The HMAC-SHA256 of `bytes` under the secret.
  std::string Sign(absl::string_view bytes) const;

 private:
  // The secret taken into an HMAC context once; each signature starts from a copy.
  class Key;
  std::shared_ptr<const Key> key_;
};

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
