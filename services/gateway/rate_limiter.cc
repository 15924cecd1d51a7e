#include "services/gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <iterator>
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

void RateLimiter::Take(const std::string& bucket, const BucketPolicy& policy, Done done) {
  if (policy.unlimited()) {
    done(Admission{});
    return;
  }
  bool leased = false;
  bool ask = false;
  {
    absl::MutexLock lock(&mu_);
    Lease& lease = leases_[bucket];
    if (lease.until <= absl::Now()) lease.tokens = 0;
    if (lease.tokens >= 1) {
      lease.tokens -= 1;
      leased = true;
    } else {
      lease.waiting.push_back(std::move(done));
      ask = !lease.asking;
      lease.asking = true;
    }
  }
  if (leased) done(Admission{});
  if (ask) Ask(bucket, policy);
}

void RateLimiter::Ask(const std::string& bucket, const BucketPolicy& policy) {
  const bool queued = workers_.TrySubmit([this, bucket, policy] {
    size_t waiting = 0;
    {
      absl::MutexLock lock(&mu_);
      waiting = leases_[bucket].waiting.size();
    }
    const int64_t want = std::clamp<int64_t>(
        std::max<int64_t>(
            static_cast<int64_t>(policy.rate * absl::ToDoubleSeconds(options_.lease_share)),
            static_cast<int64_t>(waiting)),
        1, std::max<int64_t>(1, static_cast<int64_t>(policy.burst)));
    absl::StatusOr<redis::Reply> reply =
        redis_.Command({"EVAL", kTakeScript, "1", absl::StrCat(options_.key_prefix, bucket),
                        absl::StrCat(policy.rate), absl::StrCat(policy.burst), absl::StrCat(want)});
    if (!reply.ok() || reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2) {
      DecideLocally(bucket, policy);
      return;
    }
    Answered(bucket, policy, reply->elements[0].integer,
             absl::Milliseconds(reply->elements[1].integer));
  });
  // Every worker busy: this replica decides alone rather than make the callers wait.
  if (!queued) DecideLocally(bucket, policy);
}

void RateLimiter::Answered(const std::string& bucket, const BucketPolicy& policy, int64_t taken,
                           absl::Duration retry_after) {
  std::vector<Done> allowed;
  std::vector<Done> refused;
  bool again = false;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    Lease& lease = leases_[bucket];
    if (lease.until <= now) lease.tokens = 0;
    if (taken > 0) {
      lease.tokens += static_cast<double>(taken);
      lease.until = now + options_.lease_time;
    }
    size_t served = 0;
    while (served < lease.waiting.size() && lease.tokens >= 1) {
      lease.tokens -= 1;
      ++served;
    }
    allowed.assign(std::make_move_iterator(lease.waiting.begin()),
                   std::make_move_iterator(lease.waiting.begin() + served));
    lease.waiting.erase(lease.waiting.begin(), lease.waiting.begin() + served);
    if (!lease.waiting.empty() && taken == 0) refused.swap(lease.waiting);
    again = !lease.waiting.empty();  // Redis gave, but not enough for all: ask for the rest
    lease.asking = again;
    ForgetIdle(now);
  }
  for (Done& done : allowed) done(Admission{});
  for (Done& done : refused) done(Admission{false, retry_after});
  if (again) Ask(bucket, policy);
}

void RateLimiter::DecideLocally(const std::string& bucket, const BucketPolicy& policy) {
  std::vector<Done> waiting;
  {
    absl::MutexLock lock(&mu_);
    Lease& lease = leases_[bucket];
    waiting.swap(lease.waiting);
    lease.asking = false;
  }
  for (Done& done : waiting) done(TakeLocally(bucket, policy));
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
  absl::erase_if(leases_, [now](const auto& entry) {
    return entry.second.until <= now && !entry.second.asking;
  });
  absl::erase_if(local_, [now](const auto& entry) {
    return entry.second.first.Full(entry.second.second, now);
  });
  // Many live buckets (a crowd of addresses): look again only once they have doubled.
  forget_above_ = std::max(kForgetAbove, 2 * (leases_.size() + local_.size()));
}

}  // namespace coopnet::gateway
