// The gateway's rate limiter against the real Redis its replicas share: a crowd arriving
// at once must take from the shared bucket about what it uses, so that the callers'
// allowance is not spent on tokens leased here and dropped unused.
#include <gtest/gtest.h>

#include <atomic>

#include "absl/strings/numbers.h"
#include "absl/synchronization/blocking_counter.h"
#include "common/redis/client.h"
#include "common/server/worker_pool.h"
#include "services/gateway/rate_limiter.h"
#include "tests/harness/servers.h"

namespace coopnet::gateway {
namespace {

TEST(RateLimiter, ACrowdArrivingAtOnceTakesFromTheSharedBucketAboutWhatItUses) {
  auto redis = redis::Client::Create({.address = testing::SharedRedisAddress()});
  server::WorkerPool workers(4, 4096);
  const std::string prefix = testing::UniqueName("coopnet:gateway:bucket:") + ":";
  RateLimiter limiter(*redis, workers, {.key_prefix = prefix});
  // A lease is a twentieth of a second's worth: 10 tokens.
  const BucketPolicy policy{.rate = 200, .burst = 1000};

  constexpr int kCrowd = 64;
  std::atomic<int> allowed{0};
  absl::BlockingCounter answered(kCrowd);
  const absl::Time start = absl::Now();
  for (int i = 0; i < kCrowd; ++i) {
    limiter.Take("address:203.0.113.9", policy, [&](Admission admission) {
      allowed += admission.allowed;
      answered.DecrementCount();
    });
  }
  answered.Wait();
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(allowed.load(), kCrowd);

  absl::StatusOr<redis::Reply> left =
      redis->Command({"HGET", prefix + "address:203.0.113.9", "tokens"});
  ASSERT_TRUE(left.ok()) << left.status();
  double tokens = 0;
  ASSERT_TRUE(absl::SimpleAtod(left->str, &tokens)) << left->str;
  // What the crowd used, plus at most a few leases' worth; the refill while it ran makes
  // it look less.
  const double taken = policy.burst - tokens;
  EXPECT_LE(taken, kCrowd + 3 * 10) << "a lease per call was taken";
  EXPECT_GE(taken, kCrowd - 10 - policy.rate * absl::ToDoubleSeconds(took))
      << "the crowd was let in without taking from the shared bucket";
}

}  // namespace
}  // namespace coopnet::gateway
