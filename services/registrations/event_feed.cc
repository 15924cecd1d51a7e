#include "services/registrations/event_feed.h"

#include "common/resource/resource.h"
#include "common/status/status.h"
#include "coopnet/events/v1/events.pb.h"

namespace coopnet::registrations {

EventFeed::EventFeed(outbox::ConsumerOptions options, RegistrationStore& store,
                     Directory& directory, outbox::Relay& relay)
    : store_(store),
      directory_(directory),
      relay_(relay),
      consumer_(std::move(options),
                [this](const outbox::StreamEntry& entry) { return Handle(entry); }) {}

absl::Status EventFeed::Refresh(const events::v1::Event& event) {
  directory_.ForgetEvent(event.name());
  // Who organises it may have changed, and with it who sees its participants.
  return store_.UpdateOrganisers(resource::IdOf(event.name()), FactsOf(event).organisers);
}

absl::Status EventFeed::Handle(const outbox::StreamEntry& entry) {
  namespace ev = events::v1;
  if (entry.type == ev::EventCancelled::descriptor()->full_name()) {
    ev::EventCancelled cancelled;
    if (!cancelled.ParseFromString(entry.payload)) return absl::OkStatus();
    directory_.ForgetEvent(cancelled.event().name());
    COOPNET_ASSIGN_OR_RETURN(
        bool done, store_.CancelEvent(entry.outbox_id, resource::IdOf(cancelled.event().name()),
                                      cancelled.reason()));
    if (done) relay_.Wake();
  } else if (entry.type == ev::EventRescheduled::descriptor()->full_name()) {
    ev::EventRescheduled moved;
    if (!moved.ParseFromString(entry.payload)) return absl::OkStatus();
    const ev::Event& event = moved.event();
    directory_.ForgetEvent(event.name());
    v1::EventRescheduledNotice notice;
    notice.set_event(event.name());
    *notice.mutable_start_time() = event.start_time();
    *notice.mutable_end_time() = event.end_time();
    notice.set_time_zone(event.time_zone());
    *notice.mutable_previous_start_time() = moved.previous_start_time();
    *notice.mutable_previous_end_time() = moved.previous_end_time();
    COOPNET_ASSIGN_OR_RETURN(
        bool recorded, store_.RescheduleEvent(entry.outbox_id, notice, FactsOf(event).end_time));
    if (recorded) relay_.Wake();
  } else if (entry.type == ev::EventUpdated::descriptor()->full_name()) {
    ev::EventUpdated updated;
    if (!updated.ParseFromString(entry.payload)) return absl::OkStatus();
    return Refresh(updated.event());
  } else if (entry.type == ev::EventPublished::descriptor()->full_name()) {
    ev::EventPublished published;
    if (!published.ParseFromString(entry.payload)) return absl::OkStatus();
    return Refresh(published.event());
  }
  return absl::OkStatus();
}

}  // namespace coopnet::registrations
