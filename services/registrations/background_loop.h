// A thread that does one thing over and over until stopped: read the events service's
// changes, anonymise what outlived its retention period.
//
//   BackgroundLoop loop([&] { DoRound(); return absl::Minutes(1); });  // pause after it
//   loop.Start();
//   ...
//   loop.Stop();  // or destruction; a pause ends at once
#ifndef COOPNET_SERVICES_REGISTRATIONS_BACKGROUND_LOOP_H_
#define COOPNET_SERVICES_REGISTRATIONS_BACKGROUND_LOOP_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::registrations {

class BackgroundLoop {
 public:
  // `round` runs on the loop's thread and returns how long to pause before the next.
  explicit BackgroundLoop(std::function<absl::Duration()> round);
  // Stops the thread, if started.
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void Start();
  // Waits for the round in progress, if any, to end.
  void Stop();

 private:
  void Loop();

  const std::function<absl::Duration()> round_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_BACKGROUND_LOOP_H_
