// coopnet::principal::ReplayCache — the ids of the principals a process has accepted,
// each kept until its principal expires, so that none is accepted twice.
//
// Bounded: when `capacity` ids are kept and none has expired, a new one is refused
// rather than an unexpired one forgotten (forgetting would let that one be replayed).
// At the principals' lifetime of ten seconds, the default holds some 26,000 calls a second
// in about 30 MiB at most.
//
//   ReplayCache seen;
//   switch (seen.Remember(principal.id(), expire_time, absl::Now())) { ... }
#ifndef COOPNET_COMMON_PRINCIPAL_REPLAY_CACHE_H_
#define COOPNET_COMMON_PRINCIPAL_REPLAY_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::principal {

class ReplayCache {
 public:
  static constexpr size_t kDefaultCapacity = 1 << 18;
  // The size of an id: kept as one 128-bit number, so an entry costs some 60 bytes.
  static constexpr size_t kIdBytes = 16;

  explicit ReplayCache(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  enum class Outcome {
    kNew,       // remembered until `expire_time`
    kReplayed,  // remembered already: refuse it
    kFull,      // `capacity` unexpired ids are kept: refuse it, and retry later
  };

  // Records `id` (kIdBytes), valid until `expire_time`, at `now`. Thread-safe.
  Outcome Remember(absl::string_view id, absl::Time expire_time, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Expiry = std::pair<int64_t, absl::uint128>;  // unix nanoseconds, id

  void ForgetExpired(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<absl::uint128, int64_t> expiry_of_ ABSL_GUARDED_BY(mu_);
  // Soonest expiry on top: what is forgotten first.
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> by_expiry_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::principal

#endif  // COOPNET_COMMON_PRINCIPAL_REPLAY_CACHE_H_
