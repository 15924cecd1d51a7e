#include "services/registrations/recent.h"

#include <gtest/gtest.h>

namespace coopnet::registrations {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1665671400);

TEST(Recent, KeepsAnAnswerForItsTimeOnly) {
  Recent<std::string> recent(absl::Seconds(2));
  recent.Keep("events/a", "PUBLISHED", recent.Epoch(), kNow);
  EXPECT_EQ(recent.Find("events/a", kNow + absl::Seconds(1)), "PUBLISHED");
  EXPECT_EQ(recent.Find("events/a", kNow + absl::Seconds(3)), std::nullopt);
  EXPECT_EQ(recent.Find("events/b", kNow), std::nullopt);
}

TEST(Recent, AnAnswerAskedForBeforeAForgetIsNotKept) {
  Recent<std::string> recent(absl::Seconds(2));
  recent.Keep("events/a", "PUBLISHED", recent.Epoch(), kNow);
  // A registration asks the events service; meanwhile the stream says the event was
  // cancelled; the answer, given before the cancellation, arrives after it.
  const uint64_t asked = recent.Epoch();
  recent.Forget("events/a");
  recent.Keep("events/a", "PUBLISHED", asked, kNow);
  EXPECT_EQ(recent.Find("events/a", kNow), std::nullopt);
  // Asked again after the forget: kept.
  recent.Keep("events/a", "CANCELLED", recent.Epoch(), kNow);
  EXPECT_EQ(recent.Find("events/a", kNow), "CANCELLED");
}

TEST(Recent, ReachingTheCapacityStartsAfresh) {
  Recent<int> recent(absl::Seconds(2), 2);
  recent.Keep("a", 1, recent.Epoch(), kNow);
  recent.Keep("b", 2, recent.Epoch(), kNow);
  recent.Keep("c", 3, recent.Epoch(), kNow);
  EXPECT_EQ(recent.Find("a", kNow), std::nullopt);
  EXPECT_EQ(recent.Find("c", kNow), 3);
}

}  // namespace
}  // namespace coopnet::registrations
