#include "common/deadline/deadline.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/time/clock.h"

namespace coopnet::deadline {
namespace {

TEST(Deadline, NoneOutsideACall) { EXPECT_EQ(Current(), absl::InfiniteFuture()); }

TEST(Deadline, ScopeSetsAndRestoresIt) {
  const absl::Time outer = absl::Now() + absl::Seconds(15);
  const absl::Time inner = absl::Now() + absl::Seconds(1);
  {
    Scope a(outer);
    EXPECT_EQ(Current(), outer);
    {
      Scope b(inner);
      EXPECT_EQ(Current(), inner);
    }
    EXPECT_EQ(Current(), outer);
  }
  EXPECT_EQ(Current(), absl::InfiniteFuture());
}

TEST(Deadline, OtherThreadsServeTheirOwnCalls) {
  Scope scope(absl::Now() + absl::Seconds(1));
  absl::Time seen;
  std::thread([&] { seen = Current(); }).join();
  EXPECT_EQ(seen, absl::InfiniteFuture());
}

}  // namespace
}  // namespace coopnet::deadline
