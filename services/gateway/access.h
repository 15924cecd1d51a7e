// coopnet::gateway::Access — whether a call may go on, and as whom: authentication,
// the method's policy, and the rate limits, in that order, for both protocols.
//
// Anonymous callers may call only methods whose policy allows them (reads of public
// data) and are limited per address (an IPv6 address per /64). A key's caller needs the
// method's scope (any key will do for methods open to anonymous callers) and is limited
// by its key's bucket only, from its first call: a key not yet known is checked before
// any bucket is charged. Operators are not limited. A key organisations refuses costs a
// token of its address's bucket, and an address out of tokens has its next unknown keys
// refused without asking, so guessing keys is as slow as anonymous reading.
//
//   access.Admit(method, {.authorization = header, .client_address = "203.0.113.9"},
//                [](absl::StatusOr<principal::Principal> caller) { ... });
#ifndef COOPNET_SERVICES_GATEWAY_ACCESS_H_
#define COOPNET_SERVICES_GATEWAY_ACCESS_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/principal/principal.h"
#include "coopnet/api/v1/annotations.pb.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/client_address.h"
#include "services/gateway/expiring_lru.h"
#include "services/gateway/key_authenticator.h"
#include "services/gateway/rate_limiter.h"

namespace coopnet::gateway {

// The ErrorInfo domain of the errors the gateway makes itself.
inline constexpr char kErrorDomain[] = "gateway.coopnet";

// OK when `caller` may call a method with `policy`: UNAUTHENTICATED (API_KEY_REQUIRED)
// for an anonymous caller of a method that needs a key, PERMISSION_DENIED
// (SCOPE_MISSING, naming the scope) for a key without the method's scope.
absl::Status Authorise(const api::v1::MethodPolicy& policy, const principal::Principal& caller);

// The seconds to wait that a RESOURCE_EXHAUSTED of Access carries (ErrorInfo metadata
// `retry_after_seconds`); 0 for any other status.
int64_t RetryAfterOf(const absl::Status& status);

struct Credentials {
  // The Authorization header (`authorization` metadata); "" when none came.
  std::string authorization;
  // The caller's IP address, as the gateway saw it.
  std::string client_address;
};

struct Limits {
  // Per address, for anonymous callers and for keys organisations refused.
  BucketPolicy address{.rate = 20, .burst = 40};
  // Per API key.
  BucketPolicy key{.rate = 100, .burst = 200};
};

class Access {
 public:
  // `authenticator` and `limiter` must outlive this.
  Access(KeyAuthenticator& authenticator, RateLimiter& limiter, Limits limits);
  // Waits until every admission under way has called its `done`.
  ~Access();

  using Done = std::function<void(absl::StatusOr<principal::Principal>)>;

  // Calls `done` with the verified caller, or with why the call may not go on
  // (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED with RetryAfterOf, or
  // UNAVAILABLE when keys cannot be checked). `done` runs at once when nothing had to be
  // asked, else on a gRPC or worker thread.
  void Admit(const ApiMethod& method, const Credentials& credentials, Done done);

 private:
  void Limit(const api::v1::MethodPolicy& policy, absl::StatusOr<principal::Principal> caller,
             Done done);
  // Charges the address of a refused key; refuses its next unknown keys while it has no
  // tokens.
  void ChargeRefusedKey(const std::string& client_address, absl::Status refusal, Done done);

  KeyAuthenticator& authenticator_;
  RateLimiter& limiter_;
  const Limits limits_;
  // Addresses out of tokens for refused keys, until they have one again.
  ExpiringLru<bool> guessing_{1 << 20};
  // Admissions under way; the destructor waits on `mu_` for none to be left.
  std::atomic<int> admitting_{0};
  absl::Mutex mu_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_ACCESS_H_
