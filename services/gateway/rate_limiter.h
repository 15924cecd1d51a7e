// coopnet::gateway::RateLimiter — token buckets shared by every gateway replica through
// Redis, falling back to buckets of this replica's own while Redis cannot answer.
//
// Asking Redis for every call would cost a round trip per call and put blocking I/O on
// the request path, so a replica takes tokens from the shared bucket in small leases (at
// most a twentieth of a second's worth, one at low rates) and hands them out from
// memory; only a call that finds no leased token waits for Redis, on a worker thread.
// One question per bucket is in flight at a time: calls that find no token meanwhile
// wait for its answer, and the next lease is sized for them, so a crowd arriving at once
// takes from the shared bucket about what it uses, not a lease each. Leased tokens not
// used within a second are dropped, so a replica never sits on tokens another one needs.
// Redis down never fails a call: a bucket in this replica's memory, with the same policy,
// decides instead.
//
//   limiter.Take("address:203.0.113.9", {.rate = 20, .burst = 40}, [](Admission a) {
//     if (!a.allowed) ...  // 429, Retry-After: RetryAfterSeconds(a.retry_after)
//   });
#ifndef COOPNET_SERVICES_GATEWAY_RATE_LIMITER_H_
#define COOPNET_SERVICES_GATEWAY_RATE_LIMITER_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/client.h"
#include "common/server/worker_pool.h"
#include "services/gateway/token_bucket.h"

namespace coopnet::gateway {

class RateLimiter {
 public:
  struct Options {
    // Put before every bucket's Redis key; replicas sharing buckets share the prefix.
    std::string key_prefix = "coopnet:gateway:bucket:";
    // How long leased tokens stay usable here.
    absl::Duration lease_time = absl::Seconds(1);
    // How much of the rate one lease takes at most.
    absl::Duration lease_share = absl::Milliseconds(50);
  };

  // `redis` and `workers` must outlive the limiter; `workers` runs the Redis calls.
  RateLimiter(redis::Client& redis, server::WorkerPool& workers, Options options);

  // Takes one token of `bucket` and calls `done` with the outcome: at once when this
  // replica holds a leased token (or the policy is unlimited), otherwise on a worker
  // thread after asking Redis.
  void Take(const std::string& bucket, const BucketPolicy& policy,
            std::function<void(Admission)> done);

  // Decisions made by the local buckets because Redis could not answer: for metrics.
  int64_t local_decisions() const { return local_decisions_.load(); }

 private:
  using Done = std::function<void(Admission)>;
  struct Lease {
    double tokens = 0;
    absl::Time until;
    // Calls waiting for the answer of the question in flight to Redis, if any.
    bool asking = false;
    std::vector<Done> waiting;
  };

  // Asks Redis (on a worker) for tokens for the calls waiting on `bucket`, or decides
  // here when no worker is free.
  void Ask(const std::string& bucket, const BucketPolicy& policy);
  // Hands the `taken` tokens (with the wait Redis named when none) to the waiting calls;
  // asks again for those left while Redis still gives.
  void Answered(const std::string& bucket, const BucketPolicy& policy, int64_t taken,
                absl::Duration retry_after);
  // Decides for every waiting call with this replica's own bucket.
  void DecideLocally(const std::string& bucket, const BucketPolicy& policy);
  Admission TakeLocally(const std::string& bucket, const BucketPolicy& policy);
  void ForgetIdle(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  redis::Client& redis_;
  server::WorkerPool& workers_;
  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Lease> leases_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::pair<TokenBucket, BucketPolicy>> local_
      ABSL_GUARDED_BY(mu_);
  // Buckets and leases remembered before idle ones are looked for and forgotten.
  static constexpr size_t kForgetAbove = 4096;
  size_t forget_above_ ABSL_GUARDED_BY(mu_) = kForgetAbove;
  std::atomic<int64_t> local_decisions_{0};
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_RATE_LIMITER_H_
