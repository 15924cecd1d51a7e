// coopnet::gateway::KeyAuthenticator — who a caller is, from its Authorization header.
//
// No header: an anonymous caller. `Bearer <COOPNET_ADMIN_KEY>`: an operator. `Bearer
// cnk_...`: an organisation's key, which the organisations service vouches for
// (AuthenticateApiKey, as the SERVICE principal `gateway`). Its answers, refusals
// included, are kept in memory for `cache_time` (seconds), so a busy key costs one call
// to organisations every few seconds and a revoked key is refused within that time.
// Keys are kept only as SHA-256 digests, and the answers are bounded in bytes
// (`max_bytes`), the least recently used going first.
//
//   if (auto known = authenticator.Lookup(header, address)) return Continue(*known);
//   authenticator.Ask(header, address, [](absl::StatusOr<Principal> caller) { ... });
#ifndef COOPNET_SERVICES_GATEWAY_KEY_AUTHENTICATOR_H_
#define COOPNET_SERVICES_GATEWAY_KEY_AUTHENTICATOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/client/service_channel.h"
#include "common/principal/principal.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "services/gateway/expiring_lru.h"

namespace coopnet::gateway {

class KeyAuthenticator {
 public:
  struct Options {
    // The operators' bootstrap key; empty for none.
    std::string admin_key;
    // How long an answer of the organisations service is trusted.
    absl::Duration cache_time = absl::Seconds(5);
    // The most its answers take, in bytes (digests and bookkeeping included).
    size_t max_bytes = 16 << 20;
    // Keys being checked with organisations at once; past that a new key is
    // UNAVAILABLE until a check ends, so unknown keys cannot pile up calls.
    int max_checks = 256;
  };

  using Done = std::function<void(absl::StatusOr<principal::Principal>)>;

  // `organisations` (signing as `gateway`) must outlive this.
  KeyAuthenticator(const client::ServiceChannel& organisations, Options options);
  // Waits for the calls to organisations still in flight (each ends by its deadline).
  ~KeyAuthenticator();

  // What can be said without asking organisations: the anonymous caller (empty header),
  // the operators, a malformed header or a cached answer, each stamped with
  // `client_address`. nullopt when organisations must be asked.
  std::optional<absl::StatusOr<principal::Principal>> Lookup(absl::string_view authorization,
                                                             absl::string_view client_address);

  // Asks organisations about the key in `authorization` and calls `done` (on one of
  // gRPC's threads) with the API_KEY principal; UNAUTHENTICATED (API_KEY_INVALID) for an
  // unknown, revoked or expired key; UNAVAILABLE when organisations cannot say, or while
  // `max_checks` keys are being checked. Callers asking about one key at the same time
  // share one call.
  void Ask(absl::string_view authorization, absl::string_view client_address, Done done);

  // What the kept answers take now, in bytes.
  size_t cache_bytes() const { return answers_.bytes(); }

 private:
  struct Waiter {
    std::string client_address;
    Done done;
  };
  struct Call;

  void Answered(Call* call, const grpc::Status& status);

  const client::ServiceChannel& organisations_;
  const Options options_;
  const std::string admin_digest_;
  const std::unique_ptr<organisations::v1::ApiKeyService::Stub> stub_;

  // By SHA-256 of the key.
  ExpiringLru<absl::StatusOr<principal::Principal>> answers_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Waiter>> waiting_ ABSL_GUARDED_BY(mu_);
  int calls_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_KEY_AUTHENTICATOR_H_
