#include "services/events/icalendar.h"

#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace coopnet::events::ical {
namespace {

constexpr char kCrlf[] = "\r\n";

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string CivilText(absl::CivilSecond cs) {
  return absl::StrFormat("%04d%02d%02dT%02d%02d%02d", cs.year(), cs.month(), cs.day(), cs.hour(),
                         cs.minute(), cs.second());
}

std::string LocalTime(absl::Time t, absl::TimeZone zone) {
  return CivilText(absl::ToCivilSecond(t, zone));
}

std::string UtcTime(absl::Time t) { return LocalTime(t, absl::UTCTimeZone()) + "Z"; }

// UTC offsets as ±HHMM, or ±HHMMSS for the odd historical offset with seconds.
std::string Offset(int seconds) {
  const char sign = seconds < 0 ? '-' : '+';
  const int magnitude = std::abs(seconds);
  const int h = magnitude / 3600, m = magnitude / 60 % 60, s = magnitude % 60;
  if (s != 0) return absl::StrFormat("%c%02d%02d%02d", sign, h, m, s);
  return absl::StrFormat("%c%02d%02d", sign, h, m);
}

absl::Time StartOfYear(absl::Time t, absl::TimeZone zone) {
  return absl::FromCivil(absl::CivilYear(absl::ToCivilYear(t, zone)), zone);
}

absl::Time StartOfNextYear(absl::Time t, absl::TimeZone zone) {
  return absl::FromCivil(absl::CivilYear(absl::ToCivilYear(t, zone)) + 1, zone);
}

// Collects content lines and folds each as it is added.
class Lines {
 public:
  void Add(absl::string_view name, absl::string_view value) {
    out_ += FoldLine(absl::StrCat(name, ":", value));
  }
  // A TEXT property, with a LANGUAGE parameter when `language` is set.
  void AddText(absl::string_view name, absl::string_view text, absl::string_view language = "") {
    if (text.empty()) return;
    if (language.empty()) {
      Add(name, EscapeText(text));
    } else {
      Add(absl::StrCat(name, ";LANGUAGE=", language), EscapeText(text));
    }
  }
  void AddRaw(absl::string_view unfolded_lines) { absl::StrAppend(&out_, unfolded_lines); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// `;CN="name"` for a person's name: a quoted parameter value cannot hold a double quote
// or a control character, so those go; empty for no name.
std::string NameParameter(absl::string_view name) {
  std::string kept;
  for (char c : name) {
    if (c == '"' || (static_cast<unsigned char>(c) < 0x20) || c == 0x7f) continue;
    kept += c;
  }
  return kept.empty() ? "" : absl::StrCat(";CN=\"", kept, "\"");
}

void WriteEntry(Lines& lines, const Entry& e) {
  lines.Add("BEGIN", "VEVENT");
  lines.Add("UID", e.uid);
  lines.Add("DTSTAMP", UtcTime(e.stamp));
  lines.Add("CREATED", UtcTime(e.created));
  lines.Add("LAST-MODIFIED", UtcTime(e.stamp));
  lines.Add(absl::StrCat("DTSTART;TZID=", e.zone_name), LocalTime(e.start, e.zone));
  lines.Add(absl::StrCat("DTEND;TZID=", e.zone_name), LocalTime(e.end, e.zone));
  lines.Add("SEQUENCE", absl::StrCat(e.sequence));
  switch (e.status) {
    case Status::kTentative:
      lines.Add("STATUS", "TENTATIVE");
      break;
    case Status::kConfirmed:
      lines.Add("STATUS", "CONFIRMED");
      break;
    case Status::kCancelled:
      lines.Add("STATUS", "CANCELLED");
      break;
  }
  lines.AddText("SUMMARY", e.summary, e.language);
  lines.AddText("DESCRIPTION", e.description, e.language);
  lines.AddText("LOCATION", e.location);
  if (e.geo) lines.Add("GEO", absl::StrFormat("%.6f;%.6f", e.geo->latitude, e.geo->longitude));
  if (!e.url.empty()) lines.Add("URL", e.url);
  if (!e.categories.empty()) {
    std::vector<std::string> escaped;
    for (const std::string& category : e.categories) escaped.push_back(EscapeText(category));
    lines.Add("CATEGORIES", absl::StrJoin(escaped, ","));
  }
  lines.AddText("COMMENT", e.comment);
  if (!e.organizer.email.empty()) {
    lines.Add(absl::StrCat("ORGANIZER", NameParameter(e.organizer.name)),
              absl::StrCat("mailto:", e.organizer.email));
  }
  for (const Person& attendee : e.attendees) {
    if (attendee.email.empty()) continue;
    lines.Add(absl::StrCat("ATTENDEE", NameParameter(attendee.name), ";ROLE=REQ-PARTICIPANT",
                           ";PARTSTAT=ACCEPTED;RSVP=FALSE"),
              absl::StrCat("mailto:", attendee.email));
  }
  lines.Add("END", "VEVENT");
}

}  // namespace

std::string EscapeText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        // CRLF is one line break; a lone CR is one too.
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FoldLine(absl::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / kMaxLineOctets * 3 + 2);
  // The first piece may take every octet; later ones start with the space that marks
  // them as continuations, which counts towards the limit.
  size_t room = kMaxLineOctets;
  while (line.size() > room) {
    size_t cut = room;
    while (cut > 0 && IsUtf8Continuation(line[cut])) --cut;
    // Text that is not UTF-8 may start no character within reach: cut it at the limit
    // rather than never.
    if (cut == 0) cut = room;
    out.append(line.data(), cut);
    out += "\r\n ";
    line.remove_prefix(cut);
    room = kMaxLineOctets - 1;
  }
  out.append(line.data(), line.size());
  out += kCrlf;
  return out;
}

std::string TimeZoneComponent(absl::string_view name, absl::TimeZone zone, absl::Time from,
                              absl::Time to) {
  const absl::Time range_start = StartOfYear(from, zone);
  const absl::Time range_end = StartOfNextYear(to, zone);
  Lines lines;
  lines.Add("BEGIN", "VTIMEZONE");
  lines.Add("TZID", name);
  int components = 0;
  auto emit = [&](absl::CivilSecond onset, absl::Time at) {
    const absl::TimeZone::CivilInfo before = zone.At(at - absl::Seconds(1));
    const absl::TimeZone::CivilInfo after = zone.At(at);
    const char* kind = after.is_dst ? "DAYLIGHT" : "STANDARD";
    lines.Add("BEGIN", kind);
    lines.Add("DTSTART", CivilText(onset));
    lines.Add("TZOFFSETFROM", Offset(before.offset));
    lines.Add("TZOFFSETTO", Offset(after.offset));
    lines.AddText("TZNAME", after.zone_abbr);
    lines.Add("END", kind);
    ++components;
  };

  absl::TimeZone::CivilTransition transition;
  absl::Time cursor = range_start;
  // The change in force when the range begins, so its first local times have an offset.
  if (zone.PrevTransition(range_start, &transition)) {
    cursor = zone.At(transition.to).trans;
    emit(transition.from, cursor);
  }
  while (zone.NextTransition(cursor, &transition)) {
    const absl::Time at = zone.At(transition.to).trans;
    if (at >= range_end || at <= cursor) break;
    if (components == 0) {
      // The zone's first recorded change lies inside the range: say what held before it.
      const absl::TimeZone::CivilInfo base = zone.At(at - absl::Seconds(1));
      lines.Add("BEGIN", "STANDARD");
      lines.Add("DTSTART", "19700101T000000");
      lines.Add("TZOFFSETFROM", Offset(base.offset));
      lines.Add("TZOFFSETTO", Offset(base.offset));
      lines.AddText("TZNAME", base.zone_abbr);
      lines.Add("END", "STANDARD");
      ++components;
    }
    emit(transition.from, at);
    cursor = at;
  }
  if (components == 0) {
    const absl::TimeZone::CivilInfo fixed = zone.At(from);
    lines.Add("BEGIN", "STANDARD");
    lines.Add("DTSTART", "19700101T000000");
    lines.Add("TZOFFSETFROM", Offset(fixed.offset));
    lines.Add("TZOFFSETTO", Offset(fixed.offset));
    lines.AddText("TZNAME", fixed.zone_abbr);
    lines.Add("END", "STANDARD");
  }
  lines.Add("END", "VTIMEZONE");
  return lines.Take();
}

std::string Write(const Calendar& calendar) {
  Lines lines;
  lines.Add("BEGIN", "VCALENDAR");
  lines.Add("VERSION", "2.0");
  lines.Add("PRODID", "-//coopnet//events//EN");
  lines.Add("CALSCALE", "GREGORIAN");
  lines.Add("METHOD", calendar.method);
  lines.AddText("X-WR-CALNAME", calendar.name);

  // Each zone once, covering every entry that uses it; in name order for stable output.
  struct Span {
    absl::TimeZone zone;
    absl::Time from = absl::InfiniteFuture();
    absl::Time to = absl::InfinitePast();
  };
  std::map<std::string, Span> zones;
  for (const Entry& e : calendar.entries) {
    Span& span = zones[e.zone_name];
    span.zone = e.zone;
    span.from = std::min(span.from, e.start);
    span.to = std::max(span.to, e.end);
  }
  for (const auto& [name, span] : zones) {
    lines.AddRaw(TimeZoneComponent(name, span.zone, span.from, span.to));
  }
  for (const Entry& e : calendar.entries) WriteEntry(lines, e);
  lines.Add("END", "VCALENDAR");
  return lines.Take();
}

}  // namespace coopnet::events::ical
