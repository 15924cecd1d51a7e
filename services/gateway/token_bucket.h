// coopnet::gateway — the token bucket arithmetic every rate limit of the gateway uses,
// in memory here and (the same arithmetic in Lua) in Redis.
//
// A bucket holds at most `burst` tokens and gains `rate` a second; a call takes one. A
// client may thus send `burst` calls at once after a quiet spell, and `rate` a second
// for ever.
//
//   TokenBucket bucket(policy, absl::Now());
//   if (bucket.Take(policy, 1, absl::Now()) == 0) return bucket.TimeToToken(policy);
#ifndef COOPNET_SERVICES_GATEWAY_TOKEN_BUCKET_H_
#define COOPNET_SERVICES_GATEWAY_TOKEN_BUCKET_H_

#include <cstdint>

#include "absl/time/time.h"

namespace coopnet::gateway {

struct BucketPolicy {
  // Tokens gained a second; 0 (or less) means no limit.
  double rate = 0;
  // The most a bucket holds.
  double burst = 0;

  bool unlimited() const { return rate <= 0; }
};

// The outcome of asking for one call's token.
struct Admission {
  bool allowed = true;
  // When refused: how long until a token is there.
  absl::Duration retry_after = absl::ZeroDuration();
};

class TokenBucket {
 public:
  // A full bucket.
  TokenBucket(const BucketPolicy& policy, absl::Time now) : tokens_(policy.burst), updated_(now) {}

  // Adds what `rate` gave since the last call (up to `burst`), then takes up to `want`
  // whole tokens; returns how many it took.
  int64_t Take(const BucketPolicy& policy, int64_t want, absl::Time now);

  // How long after the last Take until the bucket holds a whole token again.
  absl::Duration TimeToToken(const BucketPolicy& policy) const;

  // True when the bucket has refilled completely by `now`: it is then no different from a
  // new one and may be forgotten.
  bool Full(const BucketPolicy& policy, absl::Time now) const;

 private:
  double Refilled(const BucketPolicy& policy, absl::Time now) const;

  double tokens_;
  absl::Time updated_;
};

// The whole seconds of a Retry-After header for `wait`: at least 1.
int64_t RetryAfterSeconds(absl::Duration wait);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_TOKEN_BUCKET_H_
