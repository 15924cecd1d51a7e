#include "common/pg/text_format.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"

namespace coopnet::pg::text {
namespace {

absl::Status Malformed(absl::string_view what, absl::string_view text) {
  // Values can be long; the start is enough to recognise them.
  constexpr size_t kShown = 80;
  return absl::InvalidArgumentError(absl::StrCat("malformed ", what, ": \"", text.substr(0, kShown),
                                                 text.size() > kShown ? "..." : "", "\""));
}

// The first double quote or backslash of `text`, or its size: memchr's vector scans, where
// find_first_of would first build a table of the characters on every call.
size_t FindSpecial(absl::string_view text) {
  const char* end = text.data() + text.size();
  const void* quote = std::memchr(text.data(), '"', text.size());
  if (quote != nullptr) end = static_cast<const char*>(quote);
  const void* backslash = std::memchr(text.data(), '\\', end - text.data());
  if (backslash != nullptr) end = static_cast<const char*>(backslash);
  return end - text.data();
}

// Copies the runs between characters to escape at once: elements are often long hex
// text (bytea) with nothing to escape.
void AppendQuoted(absl::string_view element, std::string* out) {
  out->push_back('"');
  while (!element.empty()) {
    const size_t special = FindSpecial(element);
    out->append(element.data(), special);
    if (special == element.size()) break;
    out->push_back('\\');
    out->push_back(element[special]);
    element.remove_prefix(special + 1);
  }
  out->push_back('"');
}

template <typename Int>
std::string IntArrayLiteral(absl::Span<const Int> elements) {
  return absl::StrCat("{", absl::StrJoin(elements, ","), "}");
}

// Reads `digits` decimal digits (exactly, or at least, as `exact` says) at the front of
// `*text`, consuming them.
bool ConsumeNumber(absl::string_view* text, size_t digits, bool exact, int64_t* value) {
  size_t n = 0;
  while (n < text->size() && absl::ascii_isdigit(static_cast<unsigned char>((*text)[n]))) ++n;
  if (n < digits || (exact && n != digits) || n > 12) return false;
  *value = 0;
  for (size_t i = 0; i < n; ++i) *value = *value * 10 + ((*text)[i] - '0');
  text->remove_prefix(n);
  return true;
}

bool ConsumeChar(absl::string_view* text, char c) {
  if (text->empty() || text->front() != c) return false;
  text->remove_prefix(1);
  return true;
}

}  // namespace

std::string ArrayLiteral(absl::Span<const std::string> elements) {
  size_t size = 2;
  for (const std::string& element : elements) size += element.size() + 3;
  std::string out;
  out.reserve(size);
  out.push_back('{');
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendQuoted(elements[i], &out);
  }
  out.push_back('}');
  return out;
}

std::string ArrayLiteral(absl::Span<const int32_t> elements) { return IntArrayLiteral(elements); }

std::string ArrayLiteral(absl::Span<const int64_t> elements) { return IntArrayLiteral(elements); }

absl::StatusOr<std::vector<std::optional<std::string>>> ParseArray(absl::string_view text) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  // array_out writes the bounds only when the lower one is not 1: "[0:1]={a,b}".
  if (absl::StartsWith(rest, "[")) {
    size_t equals = rest.find('=');
    if (equals == absl::string_view::npos) return Malformed("array", text);
    rest.remove_prefix(equals + 1);
  }
  if (!ConsumeChar(&rest, '{')) return Malformed("array", text);
  std::vector<std::optional<std::string>> elements;
  if (ConsumeChar(&rest, '}')) {
    if (!absl::StripAsciiWhitespace(rest).empty()) return Malformed("array", text);
    return elements;
  }
  while (true) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (rest.empty()) return Malformed("array", text);
    if (rest.front() == '{') {
      return absl::InvalidArgumentError(
          absl::StrCat("multi-dimensional arrays are not supported: \"", text, "\""));
    }
    std::string element;
    bool quoted = false;
    if (rest.front() == '"') {
      quoted = true;
      rest.remove_prefix(1);
      while (true) {
        if (rest.empty()) return Malformed("array", text);
        char c = rest.front();
        rest.remove_prefix(1);
        if (c == '"') break;
        if (c == '\\') {
          if (rest.empty()) return Malformed("array", text);
          c = rest.front();
          rest.remove_prefix(1);
        }
        element.push_back(c);
      }
      rest = absl::StripLeadingAsciiWhitespace(rest);
    } else {
      while (!rest.empty() && rest.front() != ',' && rest.front() != '}') {
        char c = rest.front();
        rest.remove_prefix(1);
        if (c == '\\') {
          if (rest.empty()) return Malformed("array", text);
          c = rest.front();
          rest.remove_prefix(1);
        }
        element.push_back(c);
      }
      absl::StripTrailingAsciiWhitespace(&element);
    }
    if (!quoted && absl::EqualsIgnoreCase(element, "NULL")) {
      elements.push_back(std::nullopt);
    } else {
      elements.push_back(std::move(element));
    }
    if (ConsumeChar(&rest, ',')) continue;
    if (ConsumeChar(&rest, '}')) break;
    return Malformed("array", text);
  }
  if (!absl::StripAsciiWhitespace(rest).empty()) return Malformed("array", text);
  return elements;
}

absl::StatusOr<std::string> ParseBytea(absl::string_view text) {
  if (!absl::StartsWith(text, "\\x") || text.size() % 2 != 0) return Malformed("bytea", text);
  text.remove_prefix(2);
  // A table, not branches: documents of every row come through here.
  static constexpr std::array<int8_t, 256> kNibble = [] {
    std::array<int8_t, 256> table{};
    table.fill(-1);
    for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<int8_t>(c - 'A' + 10);
    return table;
  }();
  std::string bytes(text.size() / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = kNibble[static_cast<unsigned char>(text[2 * i])];
    const int low = kNibble[static_cast<unsigned char>(text[2 * i + 1])];
    if ((high | low) < 0) return Malformed("bytea", text);
    bytes[i] = static_cast<char>(high << 4 | low);
  }
  return bytes;
}

absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text) {
  if (text == "infinity") return absl::InfiniteFuture();
  if (text == "-infinity") return absl::InfinitePast();
  absl::string_view rest = text;
  int64_t year, month, day, hour, minute, second;
  if (!ConsumeNumber(&rest, 4, false, &year) || !ConsumeChar(&rest, '-') ||
      !ConsumeNumber(&rest, 2, true, &month) || !ConsumeChar(&rest, '-') ||
      !ConsumeNumber(&rest, 2, true, &day) ||
      !(ConsumeChar(&rest, ' ') || ConsumeChar(&rest, 'T')) ||
      !ConsumeNumber(&rest, 2, true, &hour) || !ConsumeChar(&rest, ':') ||
      !ConsumeNumber(&rest, 2, true, &minute) || !ConsumeChar(&rest, ':') ||
      !ConsumeNumber(&rest, 2, true, &second)) {
    return Malformed("timestamp", text);
  }
  int64_t micros = 0;
  if (ConsumeChar(&rest, '.')) {
    size_t digits = 0;
    while (!rest.empty() && absl::ascii_isdigit(static_cast<unsigned char>(rest.front()))) {
      // PostgreSQL stores microseconds; anything finer cannot come from it.
      if (digits < 6) micros = micros * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return Malformed("timestamp", text);
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int64_t offset_seconds = 0;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    const int sign = rest.front() == '-' ? -1 : 1;
    rest.remove_prefix(1);
    int64_t hours, minutes = 0, seconds = 0;
    if (!ConsumeNumber(&rest, 2, true, &hours)) return Malformed("timestamp", text);
    if (ConsumeChar(&rest, ':')) {
      if (!ConsumeNumber(&rest, 2, true, &minutes)) return Malformed("timestamp", text);
      if (ConsumeChar(&rest, ':') && !ConsumeNumber(&rest, 2, true, &seconds)) {
        return Malformed("timestamp", text);
      }
    }
    offset_seconds = sign * (hours * 3600 + minutes * 60 + seconds);
  }
  if (rest == " BC") {
    // There is no year 0: 1 BC is astronomical year 0.
    year = 1 - year;
  } else if (!rest.empty()) {
    return Malformed("timestamp", text);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return Malformed("timestamp", text);
  }
  // Civil types normalise (February 30 becomes March 2); a real date survives unchanged.
  if (absl::CivilDay(year, month, day).day() != day) return Malformed("timestamp", text);
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  return absl::FromCivil(civil, absl::UTCTimeZone()) + absl::Microseconds(micros) -
         absl::Seconds(offset_seconds);
}

std::string FormatTimestamp(absl::Time time) {
  if (time == absl::InfiniteFuture()) return "infinity";
  if (time == absl::InfinitePast()) return "-infinity";
  const int64_t unix_micros = absl::ToUnixMicros(time);
  int64_t seconds = unix_micros / 1000000;
  int64_t micros = unix_micros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  const absl::CivilSecond civil =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  const bool bc = civil.year() <= 0;
  return absl::StrCat(
      absl::Dec(bc ? 1 - civil.year() : civil.year(), absl::kZeroPad4), "-",
      absl::Dec(civil.month(), absl::kZeroPad2), "-", absl::Dec(civil.day(), absl::kZeroPad2), " ",
      absl::Dec(civil.hour(), absl::kZeroPad2), ":", absl::Dec(civil.minute(), absl::kZeroPad2),
      ":", absl::Dec(civil.second(), absl::kZeroPad2), ".", absl::Dec(micros, absl::kZeroPad6),
      "+00", bc ? " BC" : "");
}

}  // namespace coopnet::pg::text
