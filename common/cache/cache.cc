#include "common/cache/cache.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace coopnet::cache {
namespace {

// An entry's version lives in its own key, shared by every schema version of the
// keyspace, and each value is stored stamped "<version>:<bytes>". A Lookup hits only
// when the stamp equals the current version, so an Invalidate by a writer still running
// the previous release retires this release's entries too.
//
// Versions are random tokens rather than counters so that version keys may expire:
// a counter that expired would count 1, 2, ... again and could match stamps of values
// cached before. The one version that recurs is "" (no version key); a value stamped ""
// was filled before the version key was created, and it expires first because values
// live at most kMaxTtl and version keys kVersionTtl >= kMaxTtl after their last write.
constexpr absl::Duration kMaxTtl = absl::Hours(24);
constexpr absl::Duration kVersionTtl = absl::Hours(25);
// A fill ticket of "" must not outlive the version key a writer creates after it.
constexpr absl::Duration kMaxTicketAge = absl::Hours(1);

// KEYS[1] value key, KEYS[2] version key; ARGV[1] the version the miss saw, ARGV[2] the
// value, ARGV[3] ttl in milliseconds. Compare and set in one step, inside Redis.
constexpr char kFillScript[] = R"lua(
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1
)lua";

// kFillScript for an entry under a budget, whose index it keeps: KEYS[3] the entries by
// last use (a sorted set of value keys, scored in milliseconds), KEYS[4] what each counts
// (a hash), KEYS[5] their total; ARGV[4] now in milliseconds, ARGV[5] and ARGV[6] the
// budget's entries and bytes, ARGV[7] what this entry counts, ARGV[8] the index's ttl.
// Evicts the least recently used until the entry fits, then stores it; answers {stored,
// evicted}. The evicted value keys are not in KEYS, which only Redis Cluster minds.
constexpr char kBudgetFillScript[] = R"lua(
if (redis.call('GET', KEYS[2]) or '') ~= ARGV[1] then return {0, 0} end
local cost = tonumber(ARGV[7])
local total = tonumber(redis.call('GET', KEYS[5]) or '0')
local kept = redis.call('HGET', KEYS[4], KEYS[1])
if kept then
  total = total - tonumber(kept)
  redis.call('ZREM', KEYS[3], KEYS[1])
end
local max_entries, max_bytes = tonumber(ARGV[5]), tonumber(ARGV[6])
local evicted = 0
while redis.call('ZCARD', KEYS[3]) > 0 and
    (redis.call('ZCARD', KEYS[3]) >= max_entries or total + cost > max_bytes) do
  local oldest = redis.call('ZPOPMIN', KEYS[3])[1]
  total = total - tonumber(redis.call('HGET', KEYS[4], oldest) or '0')
  redis.call('HDEL', KEYS[4], oldest)
  redis.call('DEL', oldest)
  evicted = evicted + 1
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], KEYS[1])
redis.call('HSET', KEYS[4], KEYS[1], cost)
redis.call('SET', KEYS[5], total + cost, 'PX', ARGV[8])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
redis.call('PEXPIRE', KEYS[4], ARGV[8])
return {1, evicted}
)lua";

// What Redis keeps for an entry besides the bytes of its key, three times over (the value
// key, and its member of the index's sorted set and hash), and its value: object headers,
// dictionary slots, the expiry, the skip list's levels. Measured with MEMORY USAGE, with
// room to spare.
constexpr int64_t kEntryOverhead = 256;

std::string NewVersion() {
  thread_local absl::BitGen bits;
  return absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16));
}

// Above every value INCR can reach (a signed 64-bit integer), and random so that no
// two callers who could not read the generation share pages.
uint64_t UnknownGeneration() {
  thread_local absl::BitGen bits;
  return (uint64_t{1} << 63) | absl::Uniform<uint64_t>(bits);
}

std::string Milliseconds(absl::Duration ttl) {
  return absl::StrCat(absl::ToInt64Milliseconds(ttl));
}

// Whether a MULTI ... EXEC pipeline ran every command.
bool Committed(const absl::StatusOr<std::vector<redis::Reply>>& replies) {
  if (!replies.ok() || replies->empty()) return false;
  const redis::Reply& exec = replies->back();
  if (exec.type != redis::Reply::Type::kArray) return false;
  return std::none_of(exec.elements.begin(), exec.elements.end(),
                      [](const redis::Reply& r) { return r.is_error(); });
}

}  // namespace

int64_t BudgetedBytes(absl::string_view value_key, absl::string_view stored) {
  // jemalloc, Redis's allocator, rounds a value up to its size class: up to a quarter more.
  return static_cast<int64_t>(3 * value_key.size() + stored.size() + stored.size() / 4) +
         kEntryOverhead;
}

Cache::Cache(redis::Client& redis, Keyspace keyspace)
    : redis_(redis), keyspace_(std::move(keyspace)) {}

std::string Cache::ValueKey(absl::string_view key) const {
  return absl::StrCat("coopnet:", keyspace_.name, ":v", keyspace_.schema_version, ":", key);
}

// "version:" and "generation:" can never be taken for "v<digits>:".
std::string Cache::VersionKey(absl::string_view key) const {
  return absl::StrCat("coopnet:", keyspace_.name, ":version:", key);
}

std::string Cache::GenerationKey(absl::string_view collection) const {
  return absl::StrCat("coopnet:", keyspace_.name, ":generation:", collection);
}

std::string Cache::BudgetKey(const Budget& budget, absl::string_view part) const {
  return absl::StrCat("coopnet:", keyspace_.name, ":budget:", budget.name, ":", part);
}

LookupResult Cache::Lookup(absl::string_view key) {
  return Found(key, redis_.Command({"MGET", ValueKey(key), VersionKey(key)}));
}

LookupResult Cache::Lookup(absl::string_view key, const Budget& budget) {
  const std::string value_key = ValueKey(key);
  absl::StatusOr<std::vector<redis::Reply>> replies =
      redis_.Pipeline({{"MGET", value_key, VersionKey(key)},
                       {"ZADD", BudgetKey(budget, "entries"), "XX",
                        absl::StrCat(absl::ToUnixMillis(absl::Now())), value_key}});
  if (!replies.ok()) return Found(key, replies.status());
  return Found(key, (*replies)[0]);
}

LookupResult Cache::Found(absl::string_view key, const absl::StatusOr<redis::Reply>& reply) {
  LookupResult result;
  if (!reply.ok() || reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2) {
    CountError();
    misses_.fetch_add(1, std::memory_order_relaxed);
    return result;
  }
  const redis::Reply& stored = reply->elements[0];
  std::string version = reply->elements[1].str;  // "" when nil
  if (stored.type == redis::Reply::Type::kString) {
    absl::string_view value = stored.str;
    const size_t colon = value.find(':');
    if (colon != absl::string_view::npos && value.substr(0, colon) == version) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      result.hit = true;
      result.value = std::string(value.substr(colon + 1));
      return result;
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  result.ticket.valid_ = true;
  result.ticket.key_ = std::string(key);
  result.ticket.version_ = std::move(version);
  result.ticket.issued_ = absl::Now();
  return result;
}

bool Cache::MayFill(const LookupResult& lookup, absl::Duration ttl) {
  if (lookup.hit || !lookup.ticket.valid() || ttl < absl::Milliseconds(1)) return false;
  if (absl::Now() - lookup.ticket.issued_ > kMaxTicketAge) {
    stale_fills_refused_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void Cache::Fill(const LookupResult& lookup, absl::string_view value, absl::Duration ttl) {
  if (!MayFill(lookup, ttl)) return;
  const FillTicket& ticket = lookup.ticket;
  absl::StatusOr<redis::Reply> reply =
      redis_.Command({"EVAL", kFillScript, "2", ValueKey(ticket.key_), VersionKey(ticket.key_),
                      ticket.version_, std::string(value), Milliseconds(std::min(ttl, kMaxTtl))});
  if (!reply.ok() || reply->type != redis::Reply::Type::kInteger) {
    CountError();
  } else if (reply->integer == 1) {
    fills_.fetch_add(1, std::memory_order_relaxed);
  } else {
    stale_fills_refused_.fetch_add(1, std::memory_order_relaxed);
  }
}

void Cache::Fill(const LookupResult& lookup, absl::string_view value, absl::Duration ttl,
                 const Budget& budget) {
  if (!MayFill(lookup, ttl)) return;
  const FillTicket& ticket = lookup.ticket;
  const std::string value_key = ValueKey(ticket.key_);
  // What Redis will hold: "<version>:<value>".
  const int64_t cost =
      BudgetedBytes(value_key, value) + 1 + static_cast<int64_t>(ticket.version_.size());
  if (cost > budget.max_bytes / 8) return;
  absl::StatusOr<redis::Reply> reply = redis_.Command(
      {"EVAL", kBudgetFillScript, "5", value_key, VersionKey(ticket.key_),
       BudgetKey(budget, "entries"), BudgetKey(budget, "sizes"), BudgetKey(budget, "bytes"),
       ticket.version_, std::string(value), Milliseconds(std::min(ttl, kMaxTtl)),
       absl::StrCat(absl::ToUnixMillis(absl::Now())), absl::StrCat(budget.max_entries),
       absl::StrCat(budget.max_bytes), absl::StrCat(cost), Milliseconds(kVersionTtl)});
  if (!reply.ok() || reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2) {
    CountError();
    return;
  }
  evictions_.fetch_add(reply->elements[1].integer, std::memory_order_relaxed);
  if (reply->elements[0].integer == 1) {
    fills_.fetch_add(1, std::memory_order_relaxed);
  } else {
    stale_fills_refused_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::optional<BudgetUse> Cache::UseOf(const Budget& budget) {
  absl::StatusOr<std::vector<redis::Reply>> replies = redis_.Pipeline(
      {{"ZCARD", BudgetKey(budget, "entries")}, {"GET", BudgetKey(budget, "bytes")}});
  BudgetUse use;
  if (!replies.ok() || (*replies)[0].type != redis::Reply::Type::kInteger ||
      (!(*replies)[1].is_nil() && !absl::SimpleAtoi((*replies)[1].str, &use.bytes))) {
    CountError();
    return std::nullopt;
  }
  use.entries = (*replies)[0].integer;
  return use;
}

std::optional<std::string> Cache::Get(absl::string_view key) { return Lookup(key).value; }

void Cache::Put(absl::string_view key, absl::string_view value, absl::Duration ttl) {
  if (ttl < absl::Milliseconds(1)) return Invalidate(key);
  const std::string version = NewVersion();
  auto replies =
      redis_.Pipeline({{"MULTI"},
                       {"SET", VersionKey(key), version, "PX", Milliseconds(kVersionTtl)},
                       {"SET", ValueKey(key), absl::StrCat(version, ":", value), "PX",
                        Milliseconds(std::min(ttl, kMaxTtl))},
                       {"EXEC"}});
  if (!Committed(replies)) CountError();
}

void Cache::Invalidate(absl::string_view key) {
  auto replies =
      redis_.Pipeline({{"MULTI"},
                       {"SET", VersionKey(key), NewVersion(), "PX", Milliseconds(kVersionTtl)},
                       {"DEL", ValueKey(key)},
                       {"EXEC"}});
  if (!Committed(replies)) CountError();
}

uint64_t Cache::Generation(absl::string_view collection) {
  absl::StatusOr<redis::Reply> reply = redis_.Command({"GET", GenerationKey(collection)});
  uint64_t generation = 0;
  if (reply.ok() && reply->is_nil()) return 0;
  if (!reply.ok() || !absl::SimpleAtoi(reply->str, &generation)) {
    CountError();
    return UnknownGeneration();
  }
  return generation;
}

void Cache::BumpGeneration(absl::string_view collection) {
  if (!redis_.Command({"INCR", GenerationKey(collection)}).ok()) CountError();
}

}  // namespace coopnet::cache
