// coopnet::outbox::Relay — moves committed outbox rows to Redis streams.
//
// One Relay runs in every replica of a service, on a thread of its own:
//
//   auto& relay = context.Own(std::make_unique<outbox::Relay>(context.pool(),
//                                                              context.redis()));
//   relay.Start();
//   ...
//   relay.Wake();  // after a commit that appended, to publish without waiting
//
// Each pass takes a transaction-scoped advisory lock, so one replica relays at a time
// and a stream receives rows in id order; it locks the oldest rows (FOR UPDATE SKIP
// LOCKED), XADDs each to its stream with the fields `type`, `payload` and `outbox_id`,
// and deletes them in the same transaction. When Redis fails the transaction rolls back
// and the rows wait for the next pass: nothing is lost. When the commit fails after the
// XADDs the rows are relayed again, so delivery is at least once and consumers handle
// each `outbox_id` once. A row whose transaction commits after a later row was relayed
// is relayed after it: consumers that care order by the revision inside the payload.
#ifndef COOPNET_COMMON_OUTBOX_RELAY_H_
#define COOPNET_COMMON_OUTBOX_RELAY_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"

namespace coopnet::outbox {

struct RelayOptions {
  // Rows per pass (one transaction, one Redis pipeline).
  int batch_size = 200;
  // How often to look for rows nobody woke us for (other replicas' commits).
  absl::Duration poll_interval = absl::Milliseconds(500);
  // The shortest time from one pass's start to the next: under a stream of commits each
  // waking it, a pass then moves many rows rather than costing a transaction per commit.
  // A full batch (more rows waiting) goes on at once.
  absl::Duration min_interval = absl::ZeroDuration();
  // The longest pause between attempts while Redis or PostgreSQL fails.
  absl::Duration max_backoff = absl::Seconds(5);
  // Streams are trimmed to about this many entries (XADD MAXLEN ~).
  int64_t max_stream_length = 100000;
};

// Thread-safe. `pool` and `redis` must outlive it.
class Relay {
 public:
  Relay(pg::Pool& pool, redis::Client& redis, RelayOptions options = {});
  // Stops the thread, if started.
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Starts relaying on a thread of its own until Stop or destruction.
  void Start();
  void Stop();

  // Asks the thread for a pass now rather than at the next poll.
  void Wake();

  // One pass on the calling thread: how many rows it moved (0 when there were none, or
  // when another replica holds the lock), or why it could not.
  absl::StatusOr<int> RelayBatch();

  // Rows moved and passes failed since construction, for metrics and tests.
  int64_t relayed() const { return relayed_.load(std::memory_order_relaxed); }
  int64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void Loop();

  pg::Pool& pool_;
  redis::Client& redis_;
  const RelayOptions options_;
  std::atomic<int64_t> relayed_{0};
  std::atomic<int64_t> failures_{0};

  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_RELAY_H_
