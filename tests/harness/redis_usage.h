// coopnet::testing::RedisUsageOf — what a set of keys holds in a real Redis, as Redis
// itself counts it, for tests of what a cache may take; ForEachKey, the walk beneath it.
//
//   std::optional<RedisUsage> pages = RedisUsageOf(redis, "coopnet:events:v1:list:*");
//   EXPECT_LE(pages->bytes, budget.max_bytes);
#ifndef COOPNET_TESTS_HARNESS_REDIS_USAGE_H_
#define COOPNET_TESTS_HARNESS_REDIS_USAGE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/redis/client.h"

namespace coopnet::testing {

struct RedisUsage {
  int64_t keys = 0;
  // What MEMORY USAGE says of them together: keys, values and Redis's own bookkeeping.
  int64_t bytes = 0;
};

// Calls `each` with every key matching `pattern` (SCAN's MATCH syntax; a key may come
// twice, as SCAN promises no more); false when Redis does not answer, or `each` did not.
inline bool ForEachKey(redis::Client& redis, const std::string& pattern,
                       const std::function<bool(const std::string&)>& each) {
  std::string cursor = "0";
  do {
    absl::StatusOr<redis::Reply> page =
        redis.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!page.ok() || page->elements.size() != 2) return false;
    cursor = page->elements[0].str;
    for (const redis::Reply& key : page->elements[1].elements) {
      if (!each(key.str)) return false;
    }
  } while (cursor != "0");
  return true;
}

// The keys matching `pattern` and their memory; nullopt when Redis does not answer.
inline std::optional<RedisUsage> RedisUsageOf(redis::Client& redis, const std::string& pattern) {
  RedisUsage usage;
  const bool answered = ForEachKey(redis, pattern, [&](const std::string& key) {
    absl::StatusOr<redis::Reply> bytes = redis.Command({"MEMORY", "USAGE", key});
    if (!bytes.ok()) return false;
    ++usage.keys;
    usage.bytes += bytes->integer;  // 0 (nil) for a key that expired meanwhile
    return true;
  });
  if (!answered) return std::nullopt;
  return usage;
}

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_REDIS_USAGE_H_
