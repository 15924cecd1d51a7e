#include "services/gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"

namespace coopnet::gateway {
namespace {

// TokenBucket::Take and TimeToToken in Redis, on Redis's clock so that replicas agree:
// refill since the last call, take up to ARGV[3] whole tokens, and answer {taken,
// milliseconds until the next token when none was taken}. The key expires once the
// bucket would be full again anyway.
constexpr char kTakeScript[] = R"lua(
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local taken = math.min(want, math.floor(tokens))
tokens = tokens - taken
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
local wait = 0
if taken == 0 then wait = math.ceil((1 - tokens) * 1000 / rate) end
return {taken, wait}
)lua";

}  // namespace

RateLimiter::RateLimiter(redis::Client& redis, server::WorkerPool& workers, Options options)
    : redis_(redis), workers_(workers), options_(std::move(options)) {}

void RateLimiter::Take(const std::string& bucket, const BucketPolicy& policy,
                       std::function<void(Admission)> done) {
  if (policy.unlimited()) {
    done(Admission{});
    return;
  }
  bool leased = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = leases_.find(bucket);
    if (it != leases_.end() && it->second.tokens >= 1 && absl::Now() < it->second.until) {
      it->second.tokens -= 1;
      leased = true;
    }
  }
  if (leased) {
    done(Admission{});
    return;
  }
  auto shared_done = std::make_shared<std::function<void(Admission)>>(std::move(done));
  const bool queued = workers_.TrySubmit(
      [this, bucket, policy, shared_done] { (*shared_done)(AskRedis(bucket, policy)); });
  // Every worker busy: this replica decides alone rather than make the caller wait.
  if (!queued) (*shared_done)(TakeLocally(bucket, policy));
}

Admission RateLimiter::AskRedis(const std::string& bucket, const BucketPolicy& policy) {
  const int64_t want = std::clamp<int64_t>(
      static_cast<int64_t>(policy.rate * absl::ToDoubleSeconds(options_.lease_share)), 1,
      std::max<int64_t>(1, static_cast<int64_t>(policy.burst)));
  absl::StatusOr<redis::Reply> reply =
      redis_.Command({"EVAL", kTakeScript, "1", absl::StrCat(options_.key_prefix, bucket),
                      absl::StrCat(policy.rate), absl::StrCat(policy.burst), absl::StrCat(want)});
  if (!reply.ok() || reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2) {
    return TakeLocally(bucket, policy);
  }
  const int64_t taken = reply->elements[0].integer;
  if (taken < 1) return Admission{false, absl::Milliseconds(reply->elements[1].integer)};
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  Lease& lease = leases_[bucket];
  if (lease.until <= now) lease.tokens = 0;
  lease.tokens += static_cast<double>(taken - 1);
  lease.until = now + options_.lease_time;
  ForgetIdle(now);
  return Admission{};
}

Admission RateLimiter::TakeLocally(const std::string& bucket, const BucketPolicy& policy) {
  ++local_decisions_;
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = local_.try_emplace(bucket, TokenBucket(policy, now), policy);
  auto& [tokens, remembered_policy] = it->second;
  remembered_policy = policy;
  const bool allowed = tokens.Take(policy, 1, now) == 1;
  const Admission admission{allowed, allowed ? absl::ZeroDuration() : tokens.TimeToToken(policy)};
  ForgetIdle(now);
  return admission;
}

void RateLimiter::ForgetIdle(absl::Time now) {
  if (leases_.size() + local_.size() <= forget_above_) return;
  absl::erase_if(leases_, [now](const auto& entry) { return entry.second.until <= now; });
  absl::erase_if(local_, [now](const auto& entry) {
    return entry.second.first.Full(entry.second.second, now);
  });
  // Many live buckets (a crowd of addresses): look again only once they have doubled.
  forget_above_ = std::max(kForgetAbove, 2 * (leases_.size() + local_.size()));
}

}  // namespace coopnet::gateway
