// coopnet::outbox::Relay — moves committed outbox rows to Redis streams, and puts them
// back when Redis lost them.
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
// and a stream receives rows in id order; it locks the oldest rows not yet relayed (FOR
// UPDATE SKIP LOCKED), XADDs each to its stream with the fields `type`, `payload` and
// `outbox_id`, records in `<stream>:relayed` the newest id the stream holds, and marks
// the rows relayed in the same transaction. When Redis fails the transaction rolls back
// and the rows wait for the next pass: nothing is lost. When the commit fails after the
// XADDs the rows are relayed again, so delivery is at least once and consumers handle
// each `outbox_id` once. A row whose transaction commits after a later row was relayed
// is relayed after it: consumers that care order by the revision inside the payload.
//
// Streams are trimmed to what their consumer groups have yet to handle and the last
// day (see RelayOptions::stream_window). Relayed rows are kept for `retention`. Each pass
// first compares every stream's `<stream>:relayed` with the newest row this process knows
// went there: when Redis has less (restarted empty, flushed, restored from an older
// snapshot), the pass publishes the kept rows after what Redis still has again, oldest
// first and before any new row, so that consumers (which recreate their groups) catch up.
#ifndef COOPNET_COMMON_OUTBOX_RELAY_H_
#define COOPNET_COMMON_OUTBOX_RELAY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

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
  // Each prune trims a stream to the entries of the last `stream_window` (which Watch
  // cursors may resume from) and those some consumer group has not handled yet (not
  // delivered, or not acknowledged).
  absl::Duration stream_window = absl::Hours(24);
  // A stream never holds more than about this many entries (XADD MAXLEN ~), which bounds
  // Redis's memory when a group is abandoned; a group further behind loses what went.
  int64_t max_stream_length = 1000000;
  // How long relayed rows are kept to publish again after Redis lost them; changes older
  // than this are gone for a consumer that had not read them when Redis lost them.
  absl::Duration retention = absl::Hours(24 * 7);
  // How often to delete rows past their retention.
  absl::Duration prune_interval = absl::Minutes(1);
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

  // One pass on the calling thread: how many rows it gave Redis (0 when there were none,
  // or when another replica holds the lock), or why it could not. While Redis lacks rows
  // it was given, a pass gives it kept rows again instead of new ones.
  absl::StatusOr<int> RelayBatch();

  // Rows moved (the first time), rows published again, and passes failed since
  // construction, for metrics and tests.
  int64_t relayed() const { return relayed_.load(std::memory_order_relaxed); }
  int64_t republished() const { return republished_.load(std::memory_order_relaxed); }
  int64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  // A stream whose `<stream>:relayed` is behind the newest row this process knows went
  // there, with the id Redis has (0: none); nullopt when Redis has all.
  absl::StatusOr<std::optional<std::pair<std::string, int64_t>>> Lost(pg::Transaction& tx)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // XADDs `rows` (id, stream, type, payload) and moves each stream's `<stream>:relayed`
  // to its newest row.
  absl::Status Publish(const pg::Result& rows) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // Deletes rows past their retention and trims the streams to what their consumer
  // groups have not handled, when due.
  absl::Status Prune(pg::Transaction& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);

  pg::Pool& pool_;
  redis::Client& redis_;
  const RelayOptions options_;
  std::atomic<int64_t> relayed_{0};
  std::atomic<int64_t> republished_{0};
  std::atomic<int64_t> failures_{0};

  // Passes run one at a time in this process (the advisory lock orders them between
  // processes).
  absl::Mutex pass_mu_;
  // Per stream, the newest row this process knows Redis was given (read from the table
  // at the first pass, then moved by publishing and by `<stream>:relayed`).
  std::optional<std::map<std::string, int64_t>> given_ ABSL_GUARDED_BY(pass_mu_);
  absl::Time next_prune_ ABSL_GUARDED_BY(pass_mu_) = absl::InfinitePast();
  // Streams being given their kept rows again, so that it is logged once.
  std::set<std::string> republishing_ ABSL_GUARDED_BY(pass_mu_);

  absl::Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_RELAY_H_
