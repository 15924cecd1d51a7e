// Events as iCalendar entries: what a calendar application shows of an event, in the
// reader's language where the event has it.
//
//   Calendar reply;
//   reply.set_content_type(ical::kContentType);
//   reply.set_ics(CalendarOf({event}, "", absl::Now(), call.accept_language));
#ifndef COOPNET_SERVICES_EVENTS_EVENT_CALENDAR_H_
#define COOPNET_SERVICES_EVENTS_EVENT_CALENDAR_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/events/v1/events.pb.h"
#include "services/events/icalendar.h"

namespace coopnet::events {

// The UID of the event named `name` (`events/{id}`): the same for every version of it,
// and unlike any other calendar's.
std::string EventUid(absl::string_view name);

// One VEVENT: times in the event's own zone, SEQUENCE from the event, STATUS CANCELLED
// after a cancellation (the reason as COMMENT), TENTATIVE for a draft; title, summary,
// description and agenda in the translation `accept_language` prefers.
ical::Entry ToCalendarEntry(const v1::Event& event, absl::string_view accept_language);

// A whole calendar of `events`, in the order given, named `name`.
std::string CalendarOf(const std::vector<v1::Event>& events, absl::string_view name,
                       absl::string_view accept_language);

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_EVENT_CALENDAR_H_
