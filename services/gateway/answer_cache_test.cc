#include "services/gateway/answer_cache.h"

#include <gtest/gtest.h>

namespace coopnet::gateway {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

TEST(AnswerCache, GivesAnAnswerAgainUntilItsTimeIsUp) {
  AnswerCache cache({.ttl = absl::Seconds(1)});
  EXPECT_FALSE(cache.Find("GetEvent events/1", kNoon).has_value());
  cache.Keep("GetEvent events/1", "bytes of the meeting", kNoon);
  EXPECT_EQ(cache.Find("GetEvent events/1", kNoon + absl::Milliseconds(999)),
            "bytes of the meeting");
  EXPECT_FALSE(cache.Find("GetEvent events/2", kNoon).has_value());
  EXPECT_FALSE(cache.Find("GetEvent events/1", kNoon + absl::Seconds(1)).has_value());
}

TEST(AnswerCache, ZeroTimeKeepsNothing) {
  AnswerCache cache({.ttl = absl::ZeroDuration()});
  EXPECT_FALSE(cache.enabled());
  cache.Keep("k", "v", kNoon);
  EXPECT_FALSE(cache.Find("k", kNoon).has_value());
}

TEST(AnswerCache, LargeAnswersAreNotKept) {
  AnswerCache cache({.ttl = absl::Seconds(1), .max_answer_bytes = 4});
  cache.Keep("small", "1234", kNoon);
  cache.Keep("large", "12345", kNoon);
  EXPECT_TRUE(cache.Find("small", kNoon).has_value());
  EXPECT_FALSE(cache.Find("large", kNoon).has_value());
}

TEST(AnswerCache, StaysWithinItsEntriesWhenFull) {
  AnswerCache cache({.ttl = absl::Seconds(1), .max_entries = 32});
  for (int i = 0; i < 1000; ++i) cache.Keep(std::to_string(i), "v", kNoon);
  int kept = 0;
  for (int i = 0; i < 1000; ++i) kept += cache.Find(std::to_string(i), kNoon).has_value();
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 32);
  // The latest is always there.
  EXPECT_TRUE(cache.Find("999", kNoon).has_value());
}

}  // namespace
}  // namespace coopnet::gateway
