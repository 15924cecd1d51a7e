#include "services/gateway/answer_cache.h"

#include "absl/hash/hash.h"

namespace coopnet::gateway {

AnswerCache::AnswerCache(Options options) : options_(options) {}

AnswerCache::Shard& AnswerCache::ShardOf(absl::string_view key) {
  return shards_[absl::HashOf(key) % kShards];
}

std::optional<std::string> AnswerCache::Find(absl::string_view key, absl::Time now) {
  if (!enabled()) return std::nullopt;
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  const auto found = shard.entries.find(key);
  if (found == shard.entries.end()) return std::nullopt;
  if (found->second.expires <= now) {
    shard.entries.erase(found);
    return std::nullopt;
  }
  return found->second.answer;
}

void AnswerCache::Keep(absl::string_view key, std::string answer, absl::Time now) {
  if (!enabled() || answer.size() > options_.max_answer_bytes) return;
  Shard& shard = ShardOf(key);
  const size_t shard_limit = std::max<size_t>(1, options_.max_entries / kShards);
  absl::MutexLock lock(&shard.mu);
  if (shard.entries.size() >= shard_limit) {
    absl::erase_if(shard.entries, [&](const auto& entry) { return entry.second.expires <= now; });
    if (shard.entries.size() >= shard_limit) shard.entries.clear();
  }
  shard.entries.insert_or_assign(std::string(key), Entry{now + options_.ttl, std::move(answer)});
}

}  // namespace coopnet::gateway
