#include "services/events/event_calendar.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time/time.h"
#include "services/events/event_rules.h"

namespace coopnet::events {
namespace {

using v1::Event;

std::string Location(const Event& event) {
  if (!event.has_venue()) return event.online_url();
  const v1::Venue& venue = event.venue();
  const google::type::PostalAddress& address = venue.address();
  std::vector<std::string> parts;
  for (const std::string& part : {venue.name(), venue.room()}) {
    if (!part.empty()) parts.push_back(part);
  }
  for (const std::string& line : address.address_lines()) parts.push_back(line);
  std::string town = absl::StrJoin({address.postal_code(), address.locality()}, " ");
  if (town != " ") parts.push_back(std::string(absl::StripAsciiWhitespace(town)));
  if (!address.region_code().empty()) parts.push_back(address.region_code());
  return absl::StrJoin(parts, ", ");
}

std::string Description(const Event& event, absl::TimeZone zone,
                        absl::string_view accept_language) {
  std::vector<std::string> paragraphs;
  for (const auto* text : {&event.summary(), &event.description()}) {
    std::string chosen = ChooseTranslation(*text, accept_language, nullptr);
    if (!chosen.empty()) paragraphs.push_back(std::move(chosen));
  }
  if (event.agenda_size() > 0) {
    std::vector<std::string> lines;
    for (const v1::AgendaItem& item : event.agenda()) {
      std::string when = absl::FormatTime("%H:%M", ToTime(item.start_time()), zone);
      if (item.has_end_time()) {
        absl::StrAppend(&when, "-", absl::FormatTime("%H:%M", ToTime(item.end_time()), zone));
      }
      std::string line =
          absl::StrCat(when, " ", ChooseTranslation(item.title(), accept_language, nullptr));
      if (!item.speaker().empty()) absl::StrAppend(&line, " (", item.speaker(), ")");
      lines.push_back(std::move(line));
    }
    paragraphs.push_back(absl::StrJoin(lines, "\n"));
  }
  if (!event.online_url().empty() && event.has_venue()) {
    paragraphs.push_back(absl::StrCat("Online: ", event.online_url()));
  }
  return absl::StrJoin(paragraphs, "\n\n");
}

}  // namespace

std::string EventUid(absl::string_view name) {
  absl::string_view id = name.substr(name.find('/') + 1);
  return absl::StrCat(id, "@events.coopnet");
}

ical::Entry ToCalendarEntry(const Event& event, absl::string_view accept_language) {
  ical::Entry entry;
  entry.uid = EventUid(event.name());
  entry.stamp = ToTime(event.update_time());
  entry.created = ToTime(event.create_time());
  entry.start = ToTime(event.start_time());
  entry.end = ToTime(event.end_time());
  // Validation keeps unknown zones out; should the tz database lose one, UTC still tells
  // the right instant.
  if (absl::LoadTimeZone(event.time_zone(), &entry.zone)) {
    entry.zone_name = event.time_zone();
  }
  entry.sequence = event.sequence();
  switch (event.state()) {
    case Event::DRAFT:
      entry.status = ical::Status::kTentative;
      break;
    case Event::CANCELLED:
      entry.status = ical::Status::kCancelled;
      break;
    default:
      entry.status = ical::Status::kConfirmed;
  }
  entry.summary = ChooseTranslation(event.title(), accept_language, &entry.language);
  entry.description = Description(event, entry.zone, accept_language);
  entry.location = Location(event);
  if (event.has_venue() && event.venue().has_location()) {
    entry.geo =
        ical::Geo{event.venue().location().latitude(), event.venue().location().longitude()};
  }
  entry.url = event.online_url();
  entry.categories.push_back(Event::Kind_Name(event.kind()));
  for (const std::string& theme : event.themes()) entry.categories.push_back(theme);
  entry.comment = event.cancellation_reason();
  return entry;
}

std::string CalendarOf(const std::vector<Event>& events, absl::string_view name,
                       absl::string_view accept_language) {
  ical::Calendar calendar;
  calendar.name = std::string(name);
  calendar.entries.reserve(events.size());
  for (const Event& event : events) {
    calendar.entries.push_back(ToCalendarEntry(event, accept_language));
  }
  return ical::Write(calendar);
}

}  // namespace coopnet::events
