// coopnet::outbox::Consumer — how a service follows another's change stream: in a Redis
// consumer group (DESIGN.md section 6), so that every replica reads in the same group and
// each change goes to one of them. A change is acknowledged after its handler succeeded;
// handlers must handle each change once by its outbox_id, since a change may come twice.
// Changes a crashed replica took but never acknowledged are claimed by another after
// `claim_after`. When Redis lost the stream (restarted empty, flushed), the group is made
// again from what the stream holds, which the producer's relay fills again. A change whose
// handling keeps failing, or that is malformed, is set aside in `<stream>:dead-letter`
// with the reason, counted (coopnet_stream_dead_letters_total) and logged, so the changes
// after it are handled.
//
//   outbox::Consumer consumer({.redis = streams, .stream = "coopnet:events:stream",
//                              .group = "registrations", .consumer = ConsumerName()},
//                             [&](const outbox::StreamEntry& change) { return Handle(change); });
//   consumer.Start();
#ifndef COOPNET_COMMON_OUTBOX_CONSUMER_H_
#define COOPNET_COMMON_OUTBOX_CONSUMER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/background/loop.h"
#include "common/metrics/metrics.h"
#include "common/outbox/stream.h"
#include "common/redis/client.h"

namespace coopnet::outbox {

struct ConsumerOptions {
  // The Redis of the streams, and how to connect to it.
  redis::ClientOptions redis = {};
  // The stream and our consumer group in it.
  std::string stream = "";
  std::string group = "";
  // This replica's name in the group; unique per process (see ConsumerName).
  std::string consumer = "";
  // How long one read waits for new changes.
  absl::Duration block = absl::Seconds(1);
  // How long a change may stay unacknowledged by a consumer before another claims it.
  absl::Duration claim_after = absl::Seconds(30);
  // Deliveries of a change whose handling keeps failing before it is set aside.
  int max_deliveries = 5;
};

// A name for this process in a consumer group: host name and process id.
std::string ConsumerName();

// Thread-safe.
class Consumer {
 public:
  // Handles one change. An error leaves it unacknowledged, to be delivered again.
  using Handler = std::function<absl::Status(const StreamEntry&)>;

  Consumer(ConsumerOptions options, Handler handle);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Reads and handles changes on a thread of its own until Stop or destruction.
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }

  // One round on the calling thread: changes left unacknowledged (ours, and others' idle
  // for claim_after), then new ones, waiting up to `block`; how many it handled.
  absl::StatusOr<int> HandleNew(absl::Duration block);

  // Changes handled (or set aside) since construction, for metrics and tests.
  int64_t handled() const { return handled_.load(std::memory_order_relaxed); }

  // Where changes that could not be handled go, with why: `<stream>:dead-letter`.
  std::string dead_letter_stream() const { return options_.stream + ":dead-letter"; }

 private:
  // One round of the loop: the pause before the next, longer after each failure.
  absl::Duration Round();
  absl::Status EnsureGroup();
  // Handles the entries of an XREADGROUP or XAUTOCLAIM reply and acknowledges them.
  absl::StatusOr<int> HandleEntries(const std::vector<StreamEntry>& entries);
  // How often the group has delivered `entry`.
  absl::StatusOr<int64_t> Deliveries(const StreamEntry& entry);
  // Copies `entry` to the dead-letter stream with `why`, counts and logs it; the caller
  // then acknowledges it.
  absl::Status SetAside(const StreamEntry& entry, absl::string_view why);

  const ConsumerOptions options_;
  const Handler handle_;
  // A connection of its own: XREADGROUP BLOCK holds it.
  std::unique_ptr<redis::Client> redis_;
  bool group_ready_ = false;
  std::atomic<int64_t> handled_{0};
  std::optional<metrics::CounterFamily> dead_letters_;
  absl::Duration backoff_ = absl::ZeroDuration();
  // Last, so that it stops first: its rounds use the above.
  background::Loop loop_;
};

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_CONSUMER_H_
