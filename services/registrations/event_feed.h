// The events service's changes, as registrations must react to them: a cancelled event
// cancels its registrations, a moved one is recorded for its registrants to be told, and
// any change makes the event's cached description go. Read from the events service's
// Redis stream in a consumer group (DESIGN.md section 6): every replica of this service
// reads in the same group, so each change goes to one of them; a change is acknowledged
// after it is handled, and handled once per change id even when delivered twice.
// Changes a crashed replica took but never acknowledged are claimed by another after
// `claim_after`.
//
//   EventFeed feed(options, store, directory, relay);
//   feed.Start();
#ifndef COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_
#define COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "common/outbox/relay.h"
#include "common/outbox/stream.h"
#include "common/redis/client.h"
#include "coopnet/events/v1/events.pb.h"
#include "services/registrations/background_loop.h"
#include "services/registrations/directory.h"
#include "services/registrations/registration_store.h"

namespace coopnet::registrations {

struct FeedOptions {
  // The Redis of the streams, and how to connect to it.
  redis::ClientOptions redis = {};
  // The events service's stream and our consumer group in it.
  std::string stream = "coopnet:events:stream";
  std::string group = "registrations";
  // This replica's name in the group; unique per process.
  std::string consumer = "";
  // How long one read waits for new changes.
  absl::Duration block = absl::Seconds(1);
  // How long a change may stay unacknowledged by a consumer before another claims it.
  absl::Duration claim_after = absl::Seconds(30);
  // Deliveries of a change whose handling keeps failing before it is set aside in the
  // dead-letter stream (`<stream>:dead-letter`), so the changes after it are handled.
  int max_deliveries = 5;
};

// Thread-safe. The store, directory and relay must outlive it.
class EventFeed {
 public:
  EventFeed(FeedOptions options, RegistrationStore& store, Directory& directory,
            outbox::Relay& relay);
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Reads and handles changes on a thread of its own until Stop or destruction.
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }

  // One round on the calling thread: changes left unacknowledged (ours, and others' idle
  // for claim_after), then new ones, waiting up to `block`; how many it handled.
  absl::StatusOr<int> HandleNew(absl::Duration block);

  // Changes handled since construction, for metrics and tests.
  int64_t handled() const { return handled_.load(std::memory_order_relaxed); }

  // Where changes that could not be handled go, with why: `<stream>:dead-letter`.
  std::string dead_letter_stream() const { return options_.stream + ":dead-letter"; }

 private:
  // One round of the loop: the pause before the next, longer after each failure.
  absl::Duration Round();
  absl::Status EnsureGroup();
  // Handles the entries of an XREADGROUP or XAUTOCLAIM reply and acknowledges them.
  absl::StatusOr<int> HandleEntries(const std::vector<outbox::StreamEntry>& entries);
  absl::Status Handle(const outbox::StreamEntry& entry);
  // How often the group has delivered `entry`.
  absl::StatusOr<int64_t> Deliveries(const outbox::StreamEntry& entry);
  // Copies `entry` to the dead-letter stream with `why`, counts and logs it; the caller
  // then acknowledges it.
  absl::Status SetAside(const outbox::StreamEntry& entry, absl::string_view why);
  // The event was published or changed: what is kept of it goes.
  absl::Status Refresh(const events::v1::Event& event);

  const FeedOptions options_;
  RegistrationStore& store_;
  Directory& directory_;
  outbox::Relay& relay_;
  // A connection of its own: XREADGROUP BLOCK holds it.
  std::unique_ptr<redis::Client> redis_;
  bool group_ready_ = false;
  std::atomic<int64_t> handled_{0};
  std::optional<metrics::CounterFamily> dead_letters_;
  absl::Duration backoff_ = absl::ZeroDuration();
  // Last, so that it stops first: its rounds use the above.
  BackgroundLoop loop_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_
