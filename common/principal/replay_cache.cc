#include "common/principal/replay_cache.h"

namespace coopnet::principal {

ReplayCache::Outcome ReplayCache::Remember(absl::string_view id, absl::Time expire_time,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  ForgetExpired(absl::ToUnixNanos(now));
  if (expiry_of_.contains(id)) return Outcome::kReplayed;
  if (expiry_of_.size() >= capacity_) return Outcome::kFull;
  const int64_t expiry = absl::ToUnixNanos(expire_time);
  expiry_of_.emplace(std::string(id), expiry);
  by_expiry_.emplace(expiry, std::string(id));
  return Outcome::kNew;
}

size_t ReplayCache::size() const {
  absl::MutexLock lock(&mu_);
  return expiry_of_.size();
}

void ReplayCache::ForgetExpired(int64_t now) {
  // Kept through its expiry instant: a principal is accepted up to and including it.
  while (!by_expiry_.empty() && by_expiry_.top().first < now) {
    expiry_of_.erase(by_expiry_.top().second);
    by_expiry_.pop();
  }
}

}  // namespace coopnet::principal
