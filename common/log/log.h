// coopnet::log — structured logs: one JSON object per line on stderr.
//
// Every line carries `time` (RFC 3339, UTC, milliseconds), `level`, `service` and `msg`,
// then the caller's fields in the order given, so a collector (Loki, Elasticsearch) can
// index them without parsing free text. A line is written whole under one lock: lines
// from many threads never interleave and appear in time order.
//
//   log::Init("organisations", log::Level::kInfo);  // once, in main()
//   std::optional<std::string> tid = log::TraceIdFromTraceparent(header);
//   log::Info("organisation created", {{"name", name}, {"trace_id", tid}, {"rows", 1}});
//   // {"time":"2024-05-02T09:14:03.120Z","level":"info","service":"organisations",
//   //  "msg":"organisation created","name":"organisations/42","trace_id":"4bf9...","rows":1}
#ifndef COOPNET_COMMON_LOG_LOG_H_
#define COOPNET_COMMON_LOG_LOG_H_

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace coopnet::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" or "error": the `level` field and the config spelling.
absl::string_view LevelName(Level level);

// The reverse of LevelName, ignoring case and also taking "warning"; INVALID_ARGUMENT
// otherwise, so a config value can be checked at start-up.
absl::StatusOr<Level> ParseLevel(absl::string_view text);

// Sets the `service` field and drops lines below `min_level` from now on. Call once at
// start; until then `service` is the program's name and the level is kInfo.
void Init(absl::string_view service, Level min_level);

// Whether a line at `level` would be written: guards fields that are costly to build.
bool Enabled(Level level);

namespace internal {
template <typename T>
concept Integer = std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;
}  // namespace internal

// A field's value: text, a number or a bool; a `char` is refused, as it could mean
// either. Text is borrowed, not copied: a log call is done with its fields when it
// returns. An empty std::optional drops the field, so an absent trace id needs no branch
// at the call site.
class Value {
 public:
  Value(const char* text) : kind_(Kind::kText), text_(text) {}
  Value(absl::string_view text) : kind_(Kind::kText), text_(text) {}
  Value(const std::string& text) : kind_(Kind::kText), text_(text) {}
  Value(const std::optional<std::string>& text)
      : kind_(text ? Kind::kText : Kind::kAbsent), text_(text ? absl::string_view(*text) : "") {}
  Value(bool b) : kind_(Kind::kBool), int_(b) {}
  template <internal::Integer T>
  Value(T n)
      : kind_(std::is_signed_v<T> ? Kind::kInt : Kind::kUint),
        int_(static_cast<int64_t>(n)),
        uint_(static_cast<uint64_t>(n)) {}
  template <std::floating_point T>
  Value(T d) : kind_(Kind::kDouble), double_(static_cast<double>(d)) {}

  // Appends the JSON form; NaN and infinities, which JSON lacks, become strings.
  void AppendJson(std::string& out) const;
  bool absent() const { return kind_ == Kind::kAbsent; }

 private:
  enum class Kind { kAbsent, kText, kBool, kInt, kUint, kDouble };
  Kind kind_;
  absl::string_view text_;
  int64_t int_ = 0;
  uint64_t uint_ = 0;
  double double_ = 0;
};

// One extra key/value of a line. A key equal to a fixed field (time, level, service,
// msg) is written as "field.<key>" so the line never has two equal keys.
struct Field {
  absl::string_view key;
  Value value;
};

// Writes one line at `level` if Enabled(level).
void Write(Level level, absl::string_view msg, absl::Span<const Field> fields = {});

inline void Debug(absl::string_view msg, absl::Span<const Field> fields = {}) {
  Write(Level::kDebug, msg, fields);
}
inline void Info(absl::string_view msg, absl::Span<const Field> fields = {}) {
  Write(Level::kInfo, msg, fields);
}
inline void Warn(absl::string_view msg, absl::Span<const Field> fields = {}) {
  Write(Level::kWarn, msg, fields);
}
inline void Error(absl::string_view msg, absl::Span<const Field> fields = {}) {
  Write(Level::kError, msg, fields);
}

// Receives each line (one JSON object, without the newline) under the log lock, so it
// must not log itself. An empty Sink restores stderr. Meant for tests.
using Sink = std::function<void(absl::string_view line)>;
void SetSink(Sink sink);

// The trace id (32 lowercase hex digits) of a W3C `traceparent` header value,
// `00-<trace id>-<parent id>-<flags>`; nullopt when the value is malformed, uses
// version ff or an all-zero id, as the Trace Context spec requires such a header be
// ignored. Later versions are accepted when their first 55 characters parse as 00's.
std::optional<std::string> TraceIdFromTraceparent(absl::string_view traceparent);

}  // namespace coopnet::log

#endif  // COOPNET_COMMON_LOG_LOG_H_
