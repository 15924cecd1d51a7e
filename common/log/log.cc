#include "common/log/log.h"

#include <errno.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace coopnet::log {
namespace {

struct State {
  absl::Mutex mu;
  std::string service ABSL_GUARDED_BY(mu) = program_invocation_short_name;
  Sink sink ABSL_GUARDED_BY(mu);
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
};

// Never destroyed, so code running in static destructors can still log.
State& GlobalState() {
  static State* state = new State();
  return *state;
}

// Length of the well-formed UTF-8 sequence starting at `s[i]` (Unicode table 3-7:
// no overlongs, surrogates or code points past U+10FFFF), or 0.
size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  auto byte = [&s](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto in = [&](size_t k, unsigned char lo, unsigned char hi) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  const unsigned char c = byte(i);
  if (c >= 0xC2 && c <= 0xDF) return in(i + 1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return in(i + 1, lo, hi) && in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Invalid UTF-8 becomes U+FFFD: a line with raw bad bytes is not JSON and a collector
// would drop all of it, losing the parts that were fine.
void AppendJsonString(std::string& out, absl::string_view s) {
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

bool IsReservedKey(absl::string_view key) {
  return key == "time" || key == "level" || key == "service" || key == "msg";
}

void WriteToStderr(absl::string_view line) {
  // One write(2) per line where the kernel allows, so other processes sharing the
  // descriptor (a supervisor, a test runner) do not split it either.
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failure to log.
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsAllZero(absl::string_view s) { return s.find_first_not_of('0') == absl::string_view::npos; }

}  // namespace

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

absl::StatusOr<Level> ParseLevel(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (Level level : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (lower == LevelName(level)) return level;
  }
  if (lower == "warning") return Level::kWarn;
  return absl::InvalidArgumentError(
      absl::StrCat("log level must be debug, info, warn or error, got \"", text, "\""));
}

void Init(absl::string_view service, Level min_level) {
  State& state = GlobalState();
  absl::MutexLock lock(&state.mu);
  state.service = std::string(service);
  state.min_level.store(static_cast<int>(min_level), std::memory_order_relaxed);
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= GlobalState().min_level.load(std::memory_order_relaxed);
}

void Value::AppendJson(std::string& out) const {
  switch (kind_) {
    case Kind::kAbsent:
    case Kind::kText:
      AppendJsonString(out, text_);
      return;
    case Kind::kBool:
      out.append(int_ != 0 ? "true" : "false");
      return;
    case Kind::kInt:
      absl::StrAppend(&out, int_);
      return;
    case Kind::kUint:
      absl::StrAppend(&out, uint_);
      return;
    case Kind::kDouble: {
      if (std::isnan(double_)) {
        out.append("\"NaN\"");
      } else if (std::isinf(double_)) {
        out.append(double_ > 0 ? "\"+Inf\"" : "\"-Inf\"");
      } else {
        // Shortest text that reads back as the same double; StrCat would keep 6 digits.
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), double_);
        out.append(buf, end);
      }
      return;
    }
  }
}

void Write(Level level, absl::string_view msg, absl::Span<const Field> fields) {
  if (!Enabled(level)) return;
  State& state = GlobalState();
  // Formatting under the lock costs microseconds and keeps `time` ascending line by line.
  absl::MutexLock lock(&state.mu);
  std::string line;
  line.reserve(160 + msg.size());
  line.append("{\"time\":\"");
  line.append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
  line.append("\",\"level\":\"");
  line.append(LevelName(level).data(), LevelName(level).size());
  line.append("\",\"service\":");
  AppendJsonString(line, state.service);
  line.append(",\"msg\":");
  AppendJsonString(line, msg);
  for (const Field& field : fields) {
    if (field.value.absent()) continue;
    line.push_back(',');
    AppendJsonString(line, IsReservedKey(field.key) ? absl::StrCat("field.", field.key)
                                                    : std::string(field.key));
    line.push_back(':');
    field.value.AppendJson(line);
  }
  line.push_back('}');
  if (state.sink) {
    state.sink(line);
  } else {
    line.push_back('\n');
    WriteToStderr(line);
  }
}

void SetSink(Sink sink) {
  State& state = GlobalState();
  absl::MutexLock lock(&state.mu);
  state.sink = std::move(sink);
}

std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kLength = 55;
  if (traceparent.size() < kLength) return std::nullopt;
  const absl::string_view version = traceparent.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? traceparent.size() != kLength
                      : traceparent.size() > kLength && traceparent[kLength] != '-') {
    return std::nullopt;
  }
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') {
    return std::nullopt;
  }
  const absl::string_view trace_id = traceparent.substr(3, 32);
  const absl::string_view parent_id = traceparent.substr(36, 16);
  const absl::string_view flags = traceparent.substr(53, 2);
  if (!IsLowerHex(trace_id) || !IsLowerHex(parent_id) || !IsLowerHex(flags) ||
      IsAllZero(trace_id) || IsAllZero(parent_id)) {
    return std::nullopt;
  }
  return std::string(trace_id);
}

}  // namespace coopnet::log
