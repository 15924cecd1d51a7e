// An iCalendar (RFC 5545) writer: VCALENDAR text from plain values, with a VTIMEZONE
// for every time zone the entries use, built from the tz database's own transitions.
// No I/O and no clock: the same calendar always gives the same bytes, so feeds can be
// cached and compared.
//
//   absl::TimeZone copenhagen;
//   absl::LoadTimeZone("Europe/Copenhagen", &copenhagen);
//   ical::Calendar calendar{.name = "NGO network"};
//   calendar.entries.push_back({.uid = "01gf...@events.coopnet",
//                               .start = start, .end = end,
//                               .zone_name = "Europe/Copenhagen", .zone = copenhagen,
//                               .summary = "Informations- og debatmøde"});
//   std::string ics = ical::Write(calendar);
//   // ... DTSTART;TZID=Europe/Copenhagen:20221013T163000 ...
#ifndef COOPNET_SERVICES_EVENTS_ICALENDAR_H_
#define COOPNET_SERVICES_EVENTS_ICALENDAR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace coopnet::events::ical {

// The media type of what Write returns.
inline constexpr char kContentType[] = "text/calendar; charset=utf-8";

// The longest content line in octets, CRLF not counted (RFC 5545 section 3.1).
inline constexpr size_t kMaxLineOctets = 75;

enum class Status { kTentative, kConfirmed, kCancelled };

struct Geo {
  double latitude = 0;
  double longitude = 0;
};

// Someone an invitation names: a mailto address and the name shown for it.
struct Person {
  std::string email;
  std::string name;
};

// One VEVENT. Text fields are plain UTF-8: Write escapes and folds them.
struct Entry {
  // Stable across every version of the event, so calendars update it in place.
  std::string uid;
  // When this version was made: DTSTAMP and LAST-MODIFIED.
  absl::Time stamp;
  absl::Time created;
  absl::Time start;
  absl::Time end;
  // IANA name (TZID) and the zone itself; times are written in its local time.
  std::string zone_name = "UTC";
  absl::TimeZone zone = absl::UTCTimeZone();
  // Grows with every revision calendar clients should apply.
  int64_t sequence = 0;
  Status status = Status::kConfirmed;
  std::string summary;
  // BCP 47 tag of summary and description; empty writes no LANGUAGE parameter.
  std::string language;
  std::string description;
  std::string location;
  std::optional<Geo> geo;
  std::string url;
  std::vector<std::string> categories;
  std::string comment;
  // For an invitation (Calendar::method REQUEST or CANCEL): who organises it and who is
  // invited, as calendar clients expect; empty addresses write nothing.
  Person organizer;
  std::vector<Person> attendees;
};

struct Calendar {
  // X-WR-CALNAME, the name calendar applications show; empty for none.
  std::string name = "";
  std::vector<Entry> entries = {};
  // METHOD (RFC 5546): PUBLISH for a feed; REQUEST for an invitation sent by e-mail, which
  // calendar clients add and update in place by UID and SEQUENCE; CANCEL to withdraw it.
  std::string method = "PUBLISH";
};

// The calendar as RFC 5545 text: CRLF line ends, every line folded at kMaxLineOctets
// octets without splitting a UTF-8 character, one VTIMEZONE per zone covering the years
// its entries span, then the entries in the order given.
std::string Write(const Calendar& calendar);

// `text` as an iCalendar TEXT value: backslash, semicolon and comma escaped with a
// backslash, line breaks (LF, CRLF or CR) as `\n`.
std::string EscapeText(absl::string_view text);

// One content line as it is written: pieces of at most kMaxLineOctets octets joined by
// CRLF and a space, never inside a UTF-8 character, ending in CRLF. Text that is not UTF-8
// is cut at the limit where no character starts within it.
std::string FoldLine(absl::string_view line);

// The VTIMEZONE of `zone` (named `name`) with one STANDARD or DAYLIGHT component per
// offset change from the last one before January 1 of `from`'s year up to the end of
// `to`'s year, so every local time in those years maps to one offset. A zone that never
// changed has a single STANDARD component. Lines unfolded, each ending in CRLF.
std::string TimeZoneComponent(absl::string_view name, absl::TimeZone zone, absl::Time from,
                              absl::Time to);

}  // namespace coopnet::events::ical

#endif  // COOPNET_SERVICES_EVENTS_ICALENDAR_H_
