// The events service's changes, as registrations must react to them: a cancelled event
// cancels its registrations, a moved one is recorded for its registrants to be told, and
// any change makes the event's cached description go. Read from the events service's
// Redis stream in a consumer group (outbox::Consumer), each handled once per change id
// even when delivered twice.
//
//   EventFeed feed(options, store, directory, relay);
//   feed.Start();
#ifndef COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_
#define COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_

#include "absl/status/status.h"
#include "common/outbox/consumer.h"
#include "common/outbox/relay.h"
#include "common/outbox/stream.h"
#include "coopnet/events/v1/events.pb.h"
#include "services/registrations/directory.h"
#include "services/registrations/registration_store.h"

namespace coopnet::registrations {

// Thread-safe. The store, directory and relay must outlive it.
class EventFeed {
 public:
  // `options` name the events stream, our group and this replica.
  EventFeed(outbox::ConsumerOptions options, RegistrationStore& store, Directory& directory,
            outbox::Relay& relay);
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Reads and handles changes on a thread of its own until Stop or destruction.
  void Start() { consumer_.Start(); }
  void Stop() { consumer_.Stop(); }

  outbox::Consumer& consumer() { return consumer_; }

 private:
  absl::Status Handle(const outbox::StreamEntry& entry);
  // The event was published or changed: what is kept of it goes.
  absl::Status Refresh(const events::v1::Event& event);

  RegistrationStore& store_;
  Directory& directory_;
  outbox::Relay& relay_;
  // Last, so that it stops first: its rounds use the above.
  outbox::Consumer consumer_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_EVENT_FEED_H_
