// coopnet::pg::text — the text forms PostgreSQL reads and writes for the types coopnet
// binds and reads: array literals, bytea in hex, and timestamps. Param and Result are
// built on these; they are public so that their edge cases can be tested without a
// server.
//
//   text::ArrayLiteral({"a,b", "say \"hi\""})  // {"a,b","say \"hi\""}
//   text::ParseArray(R"({x,"y z",NULL})")      // {"x", "y z", nullopt}
#ifndef COOPNET_COMMON_PG_TEXT_FORMAT_H_
#define COOPNET_COMMON_PG_TEXT_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace coopnet::pg::text {

// A one-dimensional array literal whose every element is quoted, so that commas,
// braces, quotes, backslashes, white space, "" and the text "NULL" all arrive as the
// strings they are. Elements are bytes: UTF-8 passes through unchanged.
std::string ArrayLiteral(absl::Span<const std::string> elements);
std::string ArrayLiteral(absl::Span<const int32_t> elements);
std::string ArrayLiteral(absl::Span<const int64_t> elements);

// The elements of a one-dimensional array in PostgreSQL's output form, with an unquoted
// NULL as nullopt. Accepts a leading "[lower:upper]=" bound. Nested (multi-dimensional)
// arrays are INVALID_ARGUMENT.
absl::StatusOr<std::vector<std::optional<std::string>>> ParseArray(absl::string_view text);

// The bytes of a bytea in hex output form ("\x0aff").
absl::StatusOr<std::string> ParseBytea(absl::string_view text);

// A timestamptz (or timestamp, read as UTC) in ISO DateStyle output form:
// "2024-05-01 12:34:56.123456+00", with an optional ":MM[:SS]" offset, a "T"
// separator, a " BC" suffix, and "infinity" / "-infinity" as absl's infinite times.
absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text);

// `time` as timestamptz input in UTC with microseconds, PostgreSQL's resolution; finer
// parts are dropped toward the past, as absl::ToUnixMicros does.
std::string FormatTimestamp(absl::Time time);

}  // namespace coopnet::pg::text

#endif  // COOPNET_COMMON_PG_TEXT_FORMAT_H_
