#include "services/events/event_watch.h"

namespace coopnet::events {

std::optional<v1::EventChange> DecodeChange(const outbox::StreamEntry& entry) {
  v1::EventChange change;
  bool parsed = false;
  if (entry.type == v1::EventPublished::descriptor()->full_name()) {
    parsed = change.mutable_published()->ParseFromString(entry.payload);
  } else if (entry.type == v1::EventUpdated::descriptor()->full_name()) {
    parsed = change.mutable_updated()->ParseFromString(entry.payload);
  } else if (entry.type == v1::EventRescheduled::descriptor()->full_name()) {
    parsed = change.mutable_rescheduled()->ParseFromString(entry.payload);
  } else if (entry.type == v1::EventCancelled::descriptor()->full_name()) {
    parsed = change.mutable_cancelled()->ParseFromString(entry.payload);
  }
  if (!parsed) return std::nullopt;
  change.set_cursor(entry.id);
  change.set_change_id(entry.outbox_id);
  return change;
}

const v1::Event& EventOf(const v1::EventChange& change) {
  switch (change.change_case()) {
    case v1::EventChange::kPublished:
      return change.published().event();
    case v1::EventChange::kUpdated:
      return change.updated().event();
    case v1::EventChange::kRescheduled:
      return change.rescheduled().event();
    case v1::EventChange::kCancelled:
      return change.cancelled().event();
    default:
      return v1::Event::default_instance();
  }
}

}  // namespace coopnet::events
