#include "common/pg/canceller.h"

#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace coopnet::pg::internal {

struct CancelAtDeadline::Watch {
  PGcancel* cancel;
  absl::Time deadline;
  bool fired = false;
};

namespace {

// One thread for the process, sleeping until the earliest deadline watched.
class Canceller {
 public:
  static Canceller& Get() {
    // Never destroyed: its thread may still wait when the process exits.
    static Canceller* const canceller = new Canceller();
    return *canceller;
  }

  void Add(CancelAtDeadline::Watch* watch) {
    absl::MutexLock lock(&mu_);
    watches_.emplace(watch->deadline, watch);
    wake_.Signal();
  }

  // Returns whether the watch fired. Waits while a cancel is being sent, so that none is
  // sent after this returns.
  bool Remove(CancelAtDeadline::Watch* watch) {
    absl::MutexLock lock(&mu_);
    auto [first, last] = watches_.equal_range(watch->deadline);
    for (auto it = first; it != last; ++it) {
      if (it->second == watch) {
        watches_.erase(it);
        break;
      }
    }
    return watch->fired;
  }

 private:
  Canceller() {
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      if (watches_.empty()) {
        wake_.Wait(&mu_);
        continue;
      }
      auto earliest = watches_.begin();
      if (absl::Now() < earliest->first) {
        wake_.WaitWithDeadline(&mu_, earliest->first);
        continue;
      }
      CancelAtDeadline::Watch* watch = earliest->second;
      watches_.erase(earliest);
      // Under the lock: the statement's owner cannot move on to another statement
      // before the cancel for this one has gone.
      char error[256];
      PQcancel(watch->cancel, error, sizeof error);
      watch->fired = true;
    }
  }

  absl::Mutex mu_;
  absl::CondVar wake_;
  std::multimap<absl::Time, CancelAtDeadline::Watch*> watches_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

CancelAtDeadline::CancelAtDeadline(PGcancel* cancel, absl::Time deadline) {
  if (cancel == nullptr || deadline == absl::InfiniteFuture()) return;
  watch_ = new Watch{cancel, deadline};
  Canceller::Get().Add(watch_);
}

CancelAtDeadline::~CancelAtDeadline() { Finish(); }

bool CancelAtDeadline::Finish() {
  if (watch_ == nullptr) return false;
  const bool fired = Canceller::Get().Remove(watch_);
  delete watch_;
  watch_ = nullptr;
  return fired;
}

}  // namespace coopnet::pg::internal
