#include "common/server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace coopnet::server {
namespace {

TEST(WorkerPool, RefusesWorkBeyondItsQueue) {
  absl::Notification release;
  absl::Notification started;
  WorkerPool pool(/*threads=*/1, /*queue_capacity=*/1);
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));
  EXPECT_EQ(pool.queued(), 1);
  EXPECT_EQ(pool.busy(), 1);
  release.Notify();
}

TEST(WorkerPool, RunsEverythingQueuedBeforeItStops) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, 1000);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 1000);
}

}  // namespace
}  // namespace coopnet::server
