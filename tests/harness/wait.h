// coopnet::testing::WaitUntil — how a test waits for something to happen: it asks again
// and again until the condition holds or a deadline passes, never sleeping a guessed time.
//
//   ASSERT_TRUE(testing::WaitUntil([&] { return gateway.open_streams() == 2; }))
//       << "the second watch never opened";
#ifndef COOPNET_TESTS_HARNESS_WAIT_H_
#define COOPNET_TESTS_HARNESS_WAIT_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace coopnet::testing {

// True as soon as `condition` holds, asking every 20 ms; false when `timeout` passes
// first (the condition is asked once more at the deadline).
inline bool WaitUntil(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_WAIT_H_
