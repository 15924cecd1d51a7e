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

LookupResult Cache::Lookup(absl::string_view key) {
  LookupResult result;
  absl::StatusOr<redis::Reply> reply = redis_.Command({"MGET", ValueKey(key), VersionKey(key)});
  if (!reply.ok() || reply->type != redis::Reply::Type::kArray || reply->elements.size() != 2) {
    CountError();
    misses_.fetch_add(1, std::memory_order_relaxed);
    return result;
  }
  const redis::Reply& stored = reply->elements[0];
  std::string version = std::move(reply->elements[1].str);  // "" when nil
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

void Cache::Fill(const LookupResult& lookup, absl::string_view value, absl::Duration ttl) {
  const FillTicket& ticket = lookup.ticket;
  if (lookup.hit || !ticket.valid() || ttl < absl::Milliseconds(1)) return;
  if (absl::Now() - ticket.issued_ > kMaxTicketAge) {
    stale_fills_refused_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
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
