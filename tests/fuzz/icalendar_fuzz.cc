// Fuzz target: the TEXT values of the iCalendar writer (services/events/icalendar.h).
//
// The input is the text of a calendar and its one entry, separated by '|': the calendar's
// name, the summary, description, location and comment, then any number of categories.
// Whatever they hold, the calendar is CRLF-ended lines of at most 75 octets that unfold to
// content lines, and each TEXT property, unescaped, gives back its text (line breaks as
// LF) and CATEGORIES the categories. For text the API lets through (UTF-8 without control
// characters but line breaks and tabs) a fold also never splits a character, and the
// values hold nothing RFC 5545 keeps out of TEXT.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/validate/validate.h"
#include "services/events/icalendar.h"
#include "tests/fuzz/property.h"

namespace coopnet::events::ical {
namespace {

using fuzz::Expect;

// The text as a reader gets it back: CRLF and lone CR are line breaks like LF.
std::string LineBreaksAsLf(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
      continue;
    }
    out.push_back('\n');
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
  }
  return out;
}

// A TEXT value (RFC 5545 section 3.3.11) read back: the values it lists, split at unescaped
// commas when `list`; nullopt when it holds what TEXT may not: a lone backslash or an
// unknown escape, an unescaped ';' (or ',' in a single value), a line break, or (when
// `strict`) a control character other than a tab.
std::optional<std::vector<std::string>> ReadText(absl::string_view value, bool list, bool strict) {
  std::vector<std::string> values(1);
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\') {
      if (++i == value.size()) return std::nullopt;
      switch (value[i]) {
        case '\\':
        case ';':
        case ',':
          values.back().push_back(value[i]);
          break;
        case 'n':
        case 'N':
          values.back().push_back('\n');
          break;
        default:
          return std::nullopt;
      }
    } else if (c == ',' && list) {
      values.emplace_back();
    } else if (c == ',' || c == ';' || c == '\r' || c == '\n') {
      return std::nullopt;
    } else if (strict && (u < 0x20 || u == 0x7F) && c != '\t') {
      return std::nullopt;
    } else {
      values.back().push_back(c);
    }
  }
  return values;
}

// The content lines of `ics` (RFC 5545 section 3.1), checking each physical line on the way.
std::vector<std::string> ContentLines(const std::string& ics, bool utf8) {
  Expect(absl::EndsWith(ics, "\r\n"), "the calendar ends with CRLF", ics);
  std::vector<std::string> physical = absl::StrSplit(ics, "\r\n");
  physical.pop_back();
  std::vector<std::string> lines;
  for (const std::string& line : physical) {
    Expect(line.find_first_of("\r\n") == std::string::npos, "no bare CR or LF in a line", line);
    Expect(line.size() <= kMaxLineOctets, "no line is longer than 75 octets", line);
    Expect(!utf8 || validate::Utf8Length(line).has_value(), "a fold never splits a character",
           line);
    if (absl::StartsWith(line, " ")) {
      Expect(!lines.empty(), "the first line is no continuation", line);
      lines.back().append(line, 1);
    } else {
      lines.push_back(line);
    }
  }
  return lines;
}

// The value of the one content line named `name` (with its parameters), or nullopt when
// there is none; a second one breaks a property.
std::optional<std::string> ValueOf(const std::vector<std::string>& lines, absl::string_view name) {
  std::optional<std::string> value;
  const std::string prefix = absl::StrCat(name, ":");
  for (const std::string& line : lines) {
    if (!absl::StartsWith(line, prefix)) continue;
    Expect(!value.has_value(), absl::StrCat(name, " is written once"), line);
    value = line.substr(prefix.size());
  }
  return value;
}

void ExpectText(const std::vector<std::string>& lines, absl::string_view name,
                absl::string_view text, bool strict) {
  const std::optional<std::string> value = ValueOf(lines, name);
  Expect(value.has_value() == !text.empty(), absl::StrCat(name, " is written when set"), text);
  if (!value) return;
  const auto read = ReadText(*value, /*list=*/false, strict);
  Expect(read.has_value(), absl::StrCat(name, " is a TEXT value"), *value);
  Expect((*read)[0] == LineBreaksAsLf(text), absl::StrCat(name, " reads back as its text"),
         absl::StrCat(text, " -> ", *value));
}

Entry CopenhagenMeeting() {
  static const absl::TimeZone* const copenhagen = [] {
    auto* zone = new absl::TimeZone;
    Expect(absl::LoadTimeZone("Europe/Copenhagen", zone), "the tz database has Copenhagen");
    return zone;
  }();
  Entry entry;
  entry.uid = "01gf3y3q3f1m4d6t2kq0v9w8zx@events.coopnet";
  entry.stamp = absl::FromUnixSeconds(1664000000);
  entry.created = absl::FromUnixSeconds(1663000000);
  entry.start = absl::FromCivil(absl::CivilMinute(2022, 10, 13, 16, 30), *copenhagen);
  entry.end = absl::FromCivil(absl::CivilMinute(2022, 10, 13, 18, 30), *copenhagen);
  entry.zone_name = "Europe/Copenhagen";
  entry.zone = *copenhagen;
  entry.language = "da";
  return entry;
}

// Writes the calendar `input` describes and checks what it holds.
void CheckCalendar(absl::string_view input) {
  std::vector<std::string> parts = absl::StrSplit(input, '|');
  parts.resize(std::max<size_t>(parts.size(), 5));
  Calendar calendar{.name = parts[0]};
  Entry entry = CopenhagenMeeting();
  entry.summary = parts[1];
  entry.description = parts[2];
  entry.location = parts[3];
  entry.comment = parts[4];
  entry.categories.assign(parts.begin() + 5, parts.end());
  calendar.entries.push_back(entry);

  // What validation lets into an event (validate::Utf8Text) is held to RFC 5545 whole.
  bool api_text = true;
  for (const std::string& part : parts) {
    api_text = api_text && validate::Utf8Text("text", part, 0, part.size()).ok();
  }
  const std::vector<std::string> lines = ContentLines(Write(calendar), api_text);
  ExpectText(lines, "X-WR-CALNAME", calendar.name, api_text);
  ExpectText(lines, "SUMMARY;LANGUAGE=da", entry.summary, api_text);
  ExpectText(lines, "DESCRIPTION;LANGUAGE=da", entry.description, api_text);
  ExpectText(lines, "LOCATION", entry.location, api_text);
  ExpectText(lines, "COMMENT", entry.comment, api_text);
  const std::optional<std::string> categories = ValueOf(lines, "CATEGORIES");
  Expect(categories.has_value() == !entry.categories.empty(), "CATEGORIES is written when set");
  if (!categories) return;
  const auto read = ReadText(*categories, /*list=*/true, api_text);
  Expect(read.has_value(), "CATEGORIES is a list of TEXT values", *categories);
  std::vector<std::string> expected;
  for (const std::string& category : entry.categories) {
    expected.push_back(LineBreaksAsLf(category));
  }
  Expect(*read == expected, "CATEGORIES reads back as the categories", *categories);
}

}  // namespace
}  // namespace coopnet::events::ical

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coopnet::events::ical::CheckCalendar(coopnet::fuzz::AsText(data, size));
  return 0;
}
