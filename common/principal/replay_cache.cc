#include "common/principal/replay_cache.h"

#include <algorithm>
#include <cstring>

namespace coopnet::principal {
namespace {

absl::uint128 AsNumber(absl::string_view id) {
  uint64_t high = 0, low = 0;
  std::memcpy(&high, id.data(), std::min(id.size(), sizeof high));
  if (id.size() > sizeof high) {
    std::memcpy(&low, id.data() + sizeof high, std::min(id.size() - sizeof high, sizeof low));
  }
  return absl::MakeUint128(high, low);
}

}  // namespace

ReplayCache::Outcome ReplayCache::Remember(absl::string_view id, absl::Time expire_time,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  ForgetExpired(absl::ToUnixNanos(now));
  const absl::uint128 key = AsNumber(id);
  if (expiry_of_.contains(key)) return Outcome::kReplayed;
  if (expiry_of_.size() >= capacity_) return Outcome::kFull;
  const int64_t expiry = absl::ToUnixNanos(expire_time);
  expiry_of_.emplace(key, expiry);
  by_expiry_.emplace(expiry, key);
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
