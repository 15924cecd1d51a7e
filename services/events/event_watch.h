// What WatchEvents streams: the EventChange each entry of the service's Redis stream
// holds (see common/outbox/watch.h for the streaming itself).
#ifndef COOPNET_SERVICES_EVENTS_EVENT_WATCH_H_
#define COOPNET_SERVICES_EVENTS_EVENT_WATCH_H_

#include <optional>

#include "common/outbox/stream.h"
#include "coopnet/events/v1/events.pb.h"

namespace coopnet::events {

// The EventChange a stream entry holds, or nullopt for a type this version does not
// know (a newer replica wrote it) or a payload that does not parse.
std::optional<v1::EventChange> DecodeChange(const outbox::StreamEntry& entry);

// The event a change is about.
const v1::Event& EventOf(const v1::EventChange& change);

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_EVENT_WATCH_H_
