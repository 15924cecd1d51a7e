// coopnet::testing::Load — a steady load of calls, on threads of its own, while a test
// stops and restarts servers under it. It counts rounds, keeps every failure and the
// longest round, and lets the test wait until the load has met a fault.
//
//   testing::Load load(2, [&](int client, int64_t i) {
//     return Register(absl::StrCat("last-", client, "-", i));  // one round: a status
//   });
//   ASSERT_TRUE(load.AwaitRounds(20));
//   pg.Restart();
//   ASSERT_TRUE(load.AwaitRounds(20));
//   load.Stop();
//   EXPECT_TRUE(load.failures().empty()) << load.Summary();
#ifndef COOPNET_TESTS_HARNESS_LOAD_H_
#define COOPNET_TESTS_HARNESS_LOAD_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/harness/wait.h"

namespace coopnet::testing {

class Load {
 public:
  // One round of client `client`, its `i`th: a call or a few, the first failure's status.
  using Round = std::function<grpc::Status(int client, int64_t i)>;

  // Starts `clients` threads, each running rounds one after another until Stop.
  Load(int clients, Round round) : round_(std::move(round)) {
    for (int client = 0; client < clients; ++client) {
      threads_.emplace_back([this, client] {
        for (int64_t i = 0; !stopping_.load(); ++i) {
          const absl::Time start = absl::Now();
          const grpc::Status status = round_(client, i);
          Count(status, absl::Now() - start);
        }
      });
    }
  }
  ~Load() { Stop(); }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  // Lets each client end the round it is in; idempotent.
  void Stop() {
    stopping_ = true;
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  int64_t rounds() const {
    absl::MutexLock lock(&mu_);
    return rounds_;
  }
  std::vector<std::string> failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }
  absl::Duration longest() const {
    absl::MutexLock lock(&mu_);
    return longest_;
  }

  // Waits until `more` further rounds ended, so that a fault meets calls before and
  // after; false when the load stalled for `timeout`.
  bool AwaitRounds(int64_t more, absl::Duration timeout = absl::Seconds(60)) const {
    const int64_t target = rounds() + more;
    return WaitUntil([&] { return rounds() >= target; }, timeout);
  }

  // "N rounds, F failed (the first: ...), the longest took D".
  std::string Summary() const {
    absl::MutexLock lock(&mu_);
    std::string summary = absl::StrCat(rounds_, " rounds, ", failures_.size(), " failed");
    if (!failures_.empty()) absl::StrAppend(&summary, " (the first: ", failures_[0], ")");
    absl::StrAppend(&summary, ", the longest took ", absl::FormatDuration(longest_));
    return summary;
  }

 private:
  void Count(const grpc::Status& status, absl::Duration took) {
    absl::MutexLock lock(&mu_);
    ++rounds_;
    longest_ = std::max(longest_, took);
    if (!status.ok()) {
      failures_.push_back(absl::StrCat(status.error_code(), " ", status.error_message()));
    }
  }

  const Round round_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  int64_t rounds_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration longest_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_LOAD_H_
