#include "services/gateway/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace coopnet::gateway {

double TokenBucket::Refilled(const BucketPolicy& policy, absl::Time now) const {
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - updated_));
  return std::min(policy.burst, tokens_ + elapsed * policy.rate);
}

int64_t TokenBucket::Take(const BucketPolicy& policy, int64_t want, absl::Time now) {
  tokens_ = Refilled(policy, now);
  updated_ = std::max(updated_, now);
  const int64_t taken = std::min(want, static_cast<int64_t>(std::floor(tokens_)));
  tokens_ -= static_cast<double>(taken);
  return taken;
}

absl::Duration TokenBucket::TimeToToken(const BucketPolicy& policy) const {
  if (tokens_ >= 1 || policy.unlimited()) return absl::ZeroDuration();
  return absl::Seconds((1 - tokens_) / policy.rate);
}

bool TokenBucket::Full(const BucketPolicy& policy, absl::Time now) const {
  return Refilled(policy, now) >= policy.burst;
}

int64_t RetryAfterSeconds(absl::Duration wait) {
  return std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
}

}  // namespace coopnet::gateway
