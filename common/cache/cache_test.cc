#include "common/cache/cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/harness/redis_usage.h"
#include "tests/harness/servers.h"
#include "tests/harness/wait.h"

namespace coopnet::cache {
namespace {

redis::Client& SharedRedis() {
  static redis::Client* client =
      redis::Client::Create({.address = coopnet::testing::SharedRedisAddress()}).release();
  return *client;
}

// A keyspace no other test uses, so tests never see each other's entries.
Keyspace FreshKeyspace(int schema_version = 1) {
  return Keyspace{coopnet::testing::UniqueName("organisations"), schema_version};
}

TEST(Cache, MissGivesATicketAndFillMakesTheNextLookupAHit) {
  Cache cache(SharedRedis(), FreshKeyspace());
  LookupResult miss = cache.Lookup("org-1");
  EXPECT_FALSE(miss.hit);
  EXPECT_FALSE(miss.value.has_value());
  ASSERT_TRUE(miss.ticket.valid());

  cache.Fill(miss, "row of org-1", absl::Minutes(1));
  LookupResult hit = cache.Lookup("org-1");
  EXPECT_TRUE(hit.hit);
  EXPECT_EQ(hit.value, "row of org-1");
  EXPECT_FALSE(hit.ticket.valid());
  cache.Fill(hit, "ignored after a hit", absl::Minutes(1));
  EXPECT_EQ(cache.Get("org-1"), "row of org-1");

  EXPECT_EQ(cache.hits(), 2);
  EXPECT_EQ(cache.misses(), 1);
  EXPECT_EQ(cache.fills(), 1);
  EXPECT_EQ(cache.errors(), 0);
}

TEST(Cache, KeysCarryTheSchemaVersion) {
  const Keyspace v1 = FreshKeyspace(1);
  Cache cache_v1(SharedRedis(), v1);
  Cache cache_v2(SharedRedis(), Keyspace{v1.name, 2});
  EXPECT_EQ(cache_v1.ValueKey("42"), absl::StrCat("coopnet:", v1.name, ":v1:42"));

  cache_v1.Put("42", "format one", absl::Minutes(1));
  auto raw = SharedRedis().Command({"EXISTS", absl::StrCat("coopnet:", v1.name, ":v1:42")});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, redis::Reply::Integer(1));
  EXPECT_EQ(cache_v1.Get("42"), "format one");
  EXPECT_EQ(cache_v2.Get("42"), std::nullopt) << "a new schema never reads the old format";
}

TEST(Cache, InvalidateByEitherReleaseRetiresEntriesOfBoth) {
  const Keyspace v1 = FreshKeyspace(1);
  Cache old_release(SharedRedis(), v1);
  Cache new_release(SharedRedis(), Keyspace{v1.name, 2});
  old_release.Fill(old_release.Lookup("7"), "old format", absl::Minutes(1));
  new_release.Fill(new_release.Lookup("7"), "new format", absl::Minutes(1));
  ASSERT_EQ(new_release.Get("7"), "new format");

  old_release.Invalidate("7");  // a writer still running the old release
  EXPECT_EQ(new_release.Get("7"), std::nullopt);
  EXPECT_EQ(old_release.Get("7"), std::nullopt);
}

TEST(Cache, StaleFillAfterInvalidationIsRefused) {
  Cache cache(SharedRedis(), FreshKeyspace());
  cache.Put("org-1", "version 1", absl::Minutes(1));
  cache.Invalidate("org-1");

  LookupResult reader_a = cache.Lookup("org-1");  // A misses ...
  ASSERT_FALSE(reader_a.hit);
  const std::string read_by_a = "version 1";          // ... and reads the row before B commits.
  cache.Invalidate("org-1");                          // B commits version 2, then invalidates.
  cache.Fill(reader_a, read_by_a, absl::Minutes(1));  // A fills late.

  EXPECT_EQ(cache.stale_fills_refused(), 1);
  EXPECT_EQ(cache.fills(), 0);
  LookupResult reader_c = cache.Lookup("org-1");
  EXPECT_FALSE(reader_c.hit) << "the row A read must not be served";
  cache.Fill(reader_c, "version 2", absl::Minutes(1));
  EXPECT_EQ(cache.Get("org-1"), "version 2");
  EXPECT_EQ(cache.fills(), 1);
}

TEST(Cache, PutRefusesFillsOfReadersThatMissedBeforeIt) {
  Cache cache(SharedRedis(), FreshKeyspace());
  LookupResult reader = cache.Lookup("org-1");
  cache.Put("org-1", "committed by the writer", absl::Minutes(1));
  cache.Fill(reader, "read before the write", absl::Minutes(1));
  EXPECT_EQ(cache.stale_fills_refused(), 1);
  EXPECT_EQ(cache.Get("org-1"), "committed by the writer");
}

TEST(Cache, NoReaderLeavesAStaleEntryBehindConcurrentWriters) {
  Cache cache(SharedRedis(), FreshKeyspace());
  absl::Mutex mu;
  int database = 0;  // the row; the truth the cache must never contradict for long
  std::atomic<bool> writing{true};

  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      {
        absl::MutexLock lock(&mu);
        ++database;  // the transaction commits ...
      }
      cache.Invalidate("row");  // ... and then invalidates.
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (writing) {
        LookupResult lookup = cache.Lookup("row");
        if (lookup.hit) continue;
        int row;
        {
          absl::MutexLock lock(&mu);
          row = database;
        }
        absl::SleepFor(absl::Microseconds(100));  // a slow read: writers overtake it
        cache.Fill(lookup, absl::StrCat(row), absl::Minutes(1));
      }
    });
  }
  writer.join();
  for (std::thread& reader : readers) reader.join();

  const std::optional<std::string> cached = cache.Get("row");
  if (cached.has_value()) {
    EXPECT_EQ(*cached, "200");
  }
  EXPECT_EQ(cache.errors(), 0);
}

TEST(Cache, BumpingGenerationInvalidatesListPages) {
  Cache cache(SharedRedis(), FreshKeyspace());
  auto page_key = [&](absl::string_view page) {
    return absl::StrCat("list:", cache.Generation("organisations"), ":", page);
  };
  EXPECT_EQ(cache.Generation("organisations"), 0u);
  for (const char* page : {"first", "after-org-10"}) {
    std::string key = page_key(page);
    cache.Fill(cache.Lookup(key), absl::StrCat("page ", page), absl::Minutes(1));
    ASSERT_EQ(cache.Get(key), absl::StrCat("page ", page));
  }

  cache.BumpGeneration("organisations");
  EXPECT_EQ(cache.Generation("organisations"), 1u);
  EXPECT_EQ(cache.Get(page_key("first")), std::nullopt);
  EXPECT_EQ(cache.Get(page_key("after-org-10")), std::nullopt);
  EXPECT_EQ(cache.Generation("projects"), 0u) << "collections are independent";
}

TEST(Cache, TtlExpires) {
  Cache cache(SharedRedis(), FreshKeyspace());
  // Long enough that a busy machine still reads them back before they go.
  cache.Fill(cache.Lookup("filled"), "f", absl::Seconds(2));
  cache.Put("put", "p", absl::Seconds(2));
  EXPECT_EQ(cache.Get("filled"), "f");
  EXPECT_EQ(cache.Get("put"), "p");
  EXPECT_TRUE(coopnet::testing::WaitUntil([&] { return !cache.Get("filled") && !cache.Get("put"); },
                                          absl::Seconds(10)));
}

TEST(Cache, BinarySafeKeysAndValuesRoundTrip) {
  Cache cache(SharedRedis(), FreshKeyspace());
  const std::string key = std::string("org:æøå\0:1", 12);
  const std::string value = std::string("a:b\0\r\n", 6) + "Åland Øresund Ærø" + "\xff";
  cache.Fill(cache.Lookup(key), value, absl::Minutes(1));
  EXPECT_EQ(cache.Get(key), value);
  cache.Put(key, value + "!", absl::Minutes(1));
  EXPECT_EQ(cache.Get(key), value + "!");
}

TEST(Cache, ABudgetKeepsItsBoundsAndTheEntriesInUse) {
  const Keyspace keyspace = FreshKeyspace();
  Cache cache(SharedRedis(), keyspace);
  const Budget budget{.name = "pages", .max_entries = 40, .max_bytes = 48 * 1024};

  // A flood of distinct questions, each answer 600 bytes, while one page is read again
  // and again: the page a portal shows.
  cache.Fill(cache.Lookup("page:upcoming", budget), std::string(600, 'u'), absl::Minutes(1),
             budget);
  int64_t most_entries = 0, most_bytes = 0, hot_hits = 0;
  for (int i = 0; i < 600; ++i) {
    cache.Fill(cache.Lookup(absl::StrCat("page:q", i), budget), std::string(600, 'q'),
               absl::Minutes(1), budget);
    if (i % 5 == 0) hot_hits += cache.Lookup("page:upcoming", budget).hit;
    const std::optional<BudgetUse> use = cache.UseOf(budget);
    ASSERT_TRUE(use.has_value());
    most_entries = std::max(most_entries, use->entries);
    most_bytes = std::max(most_bytes, use->bytes);
  }
  EXPECT_LE(most_entries, budget.max_entries);
  EXPECT_LE(most_bytes, budget.max_bytes);
  EXPECT_EQ(hot_hits, 120) << "the page read all along was evicted";
  EXPECT_GE(cache.evictions(), 600 + 1 - budget.max_entries);

  // What Redis itself holds, values and the index together, is within the budget: the
  // index counts each entry at least at what it costs.
  const std::optional<coopnet::testing::RedisUsage> in_redis =
      coopnet::testing::RedisUsageOf(SharedRedis(), absl::StrCat("coopnet:", keyspace.name, ":*"));
  ASSERT_TRUE(in_redis.has_value());
  EXPECT_LE(in_redis->keys, budget.max_entries + 3);
  EXPECT_LE(in_redis->bytes, budget.max_bytes);
  const std::optional<BudgetUse> counted = cache.UseOf(budget);
  ASSERT_TRUE(counted.has_value());
  EXPECT_LE(in_redis->bytes, counted->bytes) << "the index counts less than Redis holds";

  // An entry larger than an eighth of the budget is not kept.
  LookupResult large = cache.Lookup("page:large", budget);
  cache.Fill(large, std::string(budget.max_bytes / 8, 'l'), absl::Minutes(1), budget);
  EXPECT_FALSE(cache.Lookup("page:large", budget).hit);
  std::cout << "budget of " << budget.max_entries << " entries and " << budget.max_bytes
            << " bytes, 601 pages filled: at most " << most_entries << " entries, " << most_bytes
            << " bytes counted; Redis holds " << in_redis->keys << " keys in " << in_redis->bytes
            << " bytes; " << cache.evictions() << " evicted; the page read all along hit "
            << hot_hits << " times of 120" << std::endl;
}

TEST(Cache, RedisDownIsAMissNotAnError) {
  coopnet::testing::RedisServer server;
  auto redis = redis::Client::Create(
      {.address = server.address(),
       .breaker = {.failure_threshold = 2, .open_for = absl::Milliseconds(100)}});
  Cache cache(*redis, FreshKeyspace());
  cache.Put("org-1", "cached", absl::Minutes(1));
  ASSERT_EQ(cache.Get("org-1"), "cached");

  server.Stop();
  for (int i = 0; i < 5; ++i) {  // through the breaker opening, too
    LookupResult lookup = cache.Lookup("org-1");
    EXPECT_FALSE(lookup.hit);
    EXPECT_FALSE(lookup.ticket.valid()) << "Fill must not store what it cannot check";
    cache.Fill(lookup, "from the database", absl::Minutes(1));
  }
  cache.Put("org-1", "x", absl::Minutes(1));
  cache.Invalidate("org-1");
  cache.BumpGeneration("organisations");
  const uint64_t unknown = cache.Generation("organisations");
  EXPECT_GE(unknown, uint64_t{1} << 63) << "above anything INCR gives, so pages miss";
  EXPECT_NE(cache.Generation("organisations"), unknown);
  EXPECT_EQ(cache.errors(), 5 + 5);
  EXPECT_EQ(cache.misses(), 5);
  EXPECT_EQ(cache.fills(), 0);
  EXPECT_EQ(redis->stats().breaker_state, redis::BreakerState::kOpen);

  server.Start();
  ASSERT_TRUE(coopnet::testing::WaitUntil([&] { return cache.Lookup("org-1").ticket.valid(); },
                                          absl::Seconds(10)));
  cache.Fill(cache.Lookup("org-1"), "from the database", absl::Minutes(1));
  EXPECT_EQ(cache.Get("org-1"), "from the database");
}

}  // namespace
}  // namespace coopnet::cache
