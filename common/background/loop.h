// coopnet::background::Loop — a thread that does one thing over and over until stopped:
// read another service's changes, anonymise what outlived its retention period, send
// what is due.
//
//   background::Loop loop([&] { DoRound(); return absl::Minutes(1); });  // pause after it
//   loop.Start();
//   ...
//   loop.Stop();  // or destruction; a pause ends at once
#ifndef COOPNET_COMMON_BACKGROUND_LOOP_H_
#define COOPNET_COMMON_BACKGROUND_LOOP_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::background {

class Loop {
 public:
  // `round` runs on the loop's thread and returns how long to pause before the next.
  explicit Loop(std::function<absl::Duration()> round);
  // Stops the thread, if started.
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void Start();
  // Waits for the round in progress, if any, to end.
  void Stop();

 private:
  void Run();

  const std::function<absl::Duration()> round_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coopnet::background

#endif  // COOPNET_COMMON_BACKGROUND_LOOP_H_
