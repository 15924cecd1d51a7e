#include "services/gateway/expiring_lru.h"

#include <gtest/gtest.h>

#include <string>

namespace coopnet::gateway {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

TEST(ExpiringLru, GivesAValueUntilItExpires) {
  ExpiringLru<int> cache(1 << 20);
  cache.Keep("a", 1, 4, kNoon + absl::Seconds(1));
  EXPECT_EQ(cache.Find("a", kNoon), 1);
  EXPECT_FALSE(cache.Find("b", kNoon).has_value());
  EXPECT_FALSE(cache.Find("a", kNoon + absl::Seconds(1)).has_value());
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ExpiringLru, StaysWithinItsBytesDroppingTheLeastRecentlyUsed) {
  constexpr size_t kBudget = 64 * 1024;
  ExpiringLru<std::string> cache(kBudget);
  const absl::Time until = kNoon + absl::Hours(1);
  for (int i = 0; i < 10000; ++i) {
    const std::string key = Sha256(std::to_string(i));
    cache.Keep(key, std::string(300, 'x'), 300, until);
    ASSERT_LE(cache.bytes(), kBudget);
  }
  EXPECT_GT(cache.bytes(), kBudget / 2);
  EXPECT_TRUE(cache.Find(Sha256("9999"), kNoon).has_value());
  EXPECT_FALSE(cache.Find(Sha256("0"), kNoon).has_value());
}

TEST(ExpiringLru, AUsedEntryOutlivesUnusedOnes) {
  // One shard's share is 1/16 of the budget: ten entries of one shard fit.
  ExpiringLru<int> cache(16 * 10 * (32 + 8 + ExpiringLru<int>::kEntryOverhead));
  const absl::Time until = kNoon + absl::Hours(1);
  const std::string kept = Sha256("kept");
  cache.Keep(kept, 0, 8, until);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(cache.Find(kept, kNoon).has_value()) << "dropped after " << i;
    cache.Keep(Sha256(std::to_string(i)), i, 8, until);
  }
}

TEST(ExpiringLru, ReplacingAnEntryCountsItOnce) {
  ExpiringLru<std::string> cache(1 << 20);
  for (int i = 0; i < 100; ++i) cache.Keep("k", "value", 5, kNoon + absl::Hours(1));
  EXPECT_EQ(cache.bytes(), 1 + 5 + ExpiringLru<std::string>::kEntryOverhead);
}

TEST(ExpiringLru, KeepsNothingLargerThanAShardsShare) {
  ExpiringLru<std::string> cache(16 * 1024);
  cache.Keep("big", std::string(2000, 'x'), 2000, kNoon + absl::Hours(1));
  EXPECT_FALSE(cache.Find("big", kNoon).has_value());
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace coopnet::gateway
