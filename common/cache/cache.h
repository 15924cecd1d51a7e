// coopnet::cache — cache-aside on Redis that can never fail or corrupt a request.
//
// Every Redis error (down, slow, an open breaker, a bad reply) is a miss, counted and
// otherwise ignored: the database stays the truth and the request goes on without the
// cache. Keys carry the keyspace's schema version (`coopnet:organisations:v1:<id>`), so
// a release that changes the cached format never reads the old one.
//
// Filling after a miss is race-safe: a reader that missed, read the database and then
// fills cannot overwrite an invalidation that happened in between, so a writer's
// Invalidate after its commit is final. The Get handler of a service:
//
//   auto lookup = cache.Lookup(id);
//   if (lookup.hit) return Parse(*lookup.value);
//   COOPNET_ASSIGN_OR_RETURN(Organisation org, store.Get(id));
//   cache.Fill(lookup, Serialize(org), absl::Minutes(10));
//
// and its writers, once their transaction has committed:
//
//   cache.Invalidate(id);
//   cache.BumpGeneration("organisations");  // every cached page of the list
#ifndef COOPNET_COMMON_CACHE_CACHE_H_
#define COOPNET_COMMON_CACHE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis/client.h"

namespace coopnet::cache {

// Where a service's entries live. `name` is a lower_snake word without ':'; bump
// `schema_version` whenever the cached bytes change meaning.
struct Keyspace {
  std::string name;
  int schema_version = 1;
};

// A part of a keyspace whose entries callers can multiply at will (a list page for every
// filter and page, an answer for every question), bounded in Redis by an index every
// replica shares: at most `max_entries` entries taking at most `max_bytes` together (as
// BudgetedBytes counts them), the least recently used going first when a fill needs room.
//
//   const cache::Budget kListPages{.name = "list_pages", .max_entries = 5000};
//   auto lookup = cache.Lookup(page_key, kListPages);
//   ...
//   cache.Fill(lookup, page, absl::Seconds(30), kListPages);
struct Budget {
  // lower_snake, unique within its keyspace.
  std::string name = "";
  int64_t max_entries = 5000;
  int64_t max_bytes = 32 << 20;
};

// What a budget holds now.
struct BudgetUse {
  int64_t entries = 0;
  int64_t bytes = 0;
};

// What an entry of `value_key` holding `stored` (the value as Redis keeps it) counts
// against its budget: its key and value, and the index's bookkeeping of it, at least what
// Redis's memory holds for them (MEMORY USAGE).
int64_t BudgetedBytes(absl::string_view value_key, absl::string_view stored);

// Proof that a Lookup missed, and of which version of the entry it saw.
class FillTicket {
 public:
  // A ticket that fills nothing, as given when Redis could not be asked.
  FillTicket() = default;

  bool valid() const { return valid_; }

 private:
  friend class Cache;

  bool valid_ = false;
  std::string key_;      // the key the caller looked up
  std::string version_;  // the entry's version when it missed; "" for none yet
  absl::Time issued_;
};

// What Lookup found: the value on a hit, otherwise a ticket for Fill.
struct LookupResult {
  bool hit = false;
  std::optional<std::string> value;  // set exactly when `hit`
  FillTicket ticket;                 // valid on a miss Redis answered
};

// Thread-safe. Cheap to create: it only names keys and counts.
class Cache {
 public:
  // `redis` must outlive the cache.
  Cache(redis::Client& redis, Keyspace keyspace);
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // One round trip: the value of `key`, or a miss carrying what Fill needs.
  LookupResult Lookup(absl::string_view key);

  // Stores `value` for the key `lookup` missed on, for `ttl` (at most a day), unless the
  // key was invalidated or Put since: then the value may predate that write, and it is
  // refused. Does nothing after a hit or when Redis was down at Lookup.
  void Fill(const LookupResult& lookup, absl::string_view value, absl::Duration ttl);

  // Lookup and Fill of an entry under `budget`. A hit marks the entry as used, in the same
  // round trip. A fill evicts the least recently used entries of the budget until the new
  // one fits; an entry counting more than an eighth of max_bytes is not kept.
  LookupResult Lookup(absl::string_view key, const Budget& budget);
  void Fill(const LookupResult& lookup, absl::string_view value, absl::Duration ttl,
            const Budget& budget);

  // What `budget` holds now, as its index counts it; nullopt when Redis cannot say.
  std::optional<BudgetUse> UseOf(const Budget& budget);

  // The value of `key`, when nothing needs filling on a miss.
  std::optional<std::string> Get(absl::string_view key);

  // Stores `value` as the newest version of `key` and refuses every outstanding fill.
  // Only for a value known to be current, e.g. the row a write just committed: two
  // concurrent writers' Puts land in either order, so prefer Invalidate. A `ttl` under a
  // millisecond only invalidates.
  void Put(absl::string_view key, absl::string_view value, absl::Duration ttl);

  // Makes `key` miss under every schema version (a release rolling out may run both)
  // and refuses outstanding fills. Call it after the transaction that changed the entry
  // commits. When Redis cannot be reached the entry stays, which is why every entry has
  // a ttl: it bounds how stale a value can get.
  void Invalidate(absl::string_view key);

  // The generation of `collection`, to embed in the keys of its cached list pages
  // (`absl::StrCat("page:", cache.Generation("organisations"), ":", page_token)`), so
  // that one BumpGeneration retires every page. 0 until first bumped. When Redis cannot
  // be asked, a random generation no page is stored under, so such lookups miss.
  uint64_t Generation(absl::string_view collection);

  // Retires every list page of `collection`; call it after commits that change it.
  void BumpGeneration(absl::string_view collection);

  // Counters since construction, for metrics.
  const Keyspace& keyspace() const { return keyspace_; }

  int64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  // Includes the lookups that failed because of Redis.
  int64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  // Redis errors of any operation; each one was treated as a miss or ignored.
  int64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  int64_t fills() const { return fills_.load(std::memory_order_relaxed); }
  // Fills refused because the entry was invalidated after the Lookup that missed.
  int64_t stale_fills_refused() const {
    return stale_fills_refused_.load(std::memory_order_relaxed);
  }
  // Entries of budgets evicted to make room for a fill.
  int64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

  // The Redis key holding the value of `key`: "coopnet:<name>:v<schema_version>:<key>".
  std::string ValueKey(absl::string_view key) const;

 private:
  std::string VersionKey(absl::string_view key) const;
  std::string GenerationKey(absl::string_view collection) const;
  // The keys of a budget's index: its entries by last use, their sizes, their total.
  std::string BudgetKey(const Budget& budget, absl::string_view part) const;
  // A Lookup's answer (MGET of the value and version keys) as a LookupResult, counted.
  LookupResult Found(absl::string_view key, const absl::StatusOr<redis::Reply>& reply);
  // Whether a fill of `lookup` may go ahead; counts the ones that may not.
  bool MayFill(const LookupResult& lookup, absl::Duration ttl);
  void CountError() { errors_.fetch_add(1, std::memory_order_relaxed); }

  redis::Client& redis_;
  const Keyspace keyspace_;
  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
  std::atomic<int64_t> errors_{0};
  std::atomic<int64_t> fills_{0};
  std::atomic<int64_t> stale_fills_refused_{0};
  std::atomic<int64_t> evictions_{0};
};

}  // namespace coopnet::cache

#endif  // COOPNET_COMMON_CACHE_CACHE_H_
