// coopnet::gateway::ExpiringLru — the one shape of every in-memory cache of the gateway:
// values that expire, bounded in bytes, the least recently used going first.
//
// Whatever a caller can make the gateway remember must cost it a bounded amount of
// memory, however the callers vary their questions. Each entry is charged its key, its
// value's bytes (as the caller counts them) and a fixed overhead for the bookkeeping;
// keeping one past the budget drops the least recently used entries, one at a time, in
// O(1) each. Keys are short digests (see Sha256), never what a caller sent. The cache is
// split into shards, each with its share of the budget and its own lock, so that
// concurrent calls rarely wait for each other and nothing ever scans it whole.
//
//   ExpiringLru<std::string> cache(/*max_bytes=*/64 << 20);
//   cache.Keep(Sha256(question), answer, answer.size(), absl::Now() + absl::Seconds(1));
//   if (std::optional<std::string> kept = cache.Find(Sha256(question))) ...
#ifndef COOPNET_SERVICES_GATEWAY_EXPIRING_LRU_H_
#define COOPNET_SERVICES_GATEWAY_EXPIRING_LRU_H_

#include <array>
#include <atomic>
#include <list>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::gateway {

// The SHA-256 digest of `text`, 32 bytes: the key of a cached question.
std::string Sha256(absl::string_view text);

template <typename Value>
class ExpiringLru {
 public:
  // What an entry costs besides its key and value: list node, map slot, allocations.
  static constexpr size_t kEntryOverhead = 128;
  static constexpr size_t kShards = 16;

  explicit ExpiringLru(size_t max_bytes) : shard_budget_(max_bytes / kShards) {}
  ExpiringLru(const ExpiringLru&) = delete;
  ExpiringLru& operator=(const ExpiringLru&) = delete;

  // The value kept for `key`, while fresh at `now`; a hit makes it the most recent.
  std::optional<Value> Find(absl::string_view key, absl::Time now = absl::Now()) {
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    const auto found = shard.index.find(key);
    if (found == shard.index.end()) return std::nullopt;
    const auto entry = found->second;
    if (entry->until <= now) {
      Erase(shard, entry);
      return std::nullopt;
    }
    shard.order.splice(shard.order.begin(), shard.order, entry);
    return entry->value;
  }

  // Keeps `value` (counted as `value_bytes`) for `key` until `until`, replacing what was
  // kept for it; drops the least recently used entries to stay within the budget. An
  // entry larger than a shard's share of the budget is not kept.
  void Keep(absl::string_view key, Value value, size_t value_bytes, absl::Time until) {
    const size_t cost = key.size() + value_bytes + kEntryOverhead;
    if (cost > shard_budget_) return;
    Shard& shard = ShardOf(key);
    absl::MutexLock lock(&shard.mu);
    if (const auto found = shard.index.find(key); found != shard.index.end()) {
      Erase(shard, found->second);
    }
    while (!shard.order.empty() && shard.bytes + cost > shard_budget_) {
      Erase(shard, std::prev(shard.order.end()));
    }
    shard.order.push_front(Entry{std::string(key), std::move(value), cost, until});
    shard.index.emplace(shard.order.front().key, shard.order.begin());
    shard.bytes += cost;
    bytes_ += cost;
  }

  // The bytes its entries are counted at now; never above the budget.
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t max_bytes() const { return shard_budget_ * kShards; }

 private:
  struct Entry {
    std::string key;
    Value value;
    size_t cost;
    absl::Time until;
  };
  using Order = std::list<Entry>;
  struct Shard {
    absl::Mutex mu;
    // Most recently used first.
    Order order ABSL_GUARDED_BY(mu);
    // Keys point into `order`'s entries, which outlive their index slots.
    absl::flat_hash_map<absl::string_view, typename Order::iterator> index ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardOf(absl::string_view key) { return shards_[absl::HashOf(key) % kShards]; }

  void Erase(Shard& shard, typename Order::iterator entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
    shard.bytes -= entry->cost;
    bytes_ -= entry->cost;
    shard.index.erase(absl::string_view(entry->key));
    shard.order.erase(entry);
  }

  const size_t shard_budget_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> bytes_{0};
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_EXPIRING_LRU_H_
