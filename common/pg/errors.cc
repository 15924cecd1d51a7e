#include "common/pg/errors.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace coopnet::pg {
namespace {

// Payload type URLs. Not google.rpc types, so they never leave the process.
constexpr absl::string_view kSqlStateUrl = "type.coopnet.eu/coopnet.pg.SqlState";
constexpr absl::string_view kConstraintUrl = "type.coopnet.eu/coopnet.pg.Constraint";

struct Meaning {
  absl::StatusCode code;
  absl::string_view reason;
};

Meaning MeaningOf(absl::string_view sqlstate) {
  using C = absl::StatusCode;
  static constexpr struct {
    absl::string_view sqlstate;
    Meaning meaning;
  } kExact[] = {
      {"23505", {C::kAlreadyExists, "UNIQUE_VIOLATION"}},
      {"23503", {C::kFailedPrecondition, "FOREIGN_KEY_VIOLATION"}},
      {"23514", {C::kInvalidArgument, "CHECK_VIOLATION"}},
      {"23502", {C::kInvalidArgument, "NOT_NULL_VIOLATION"}},
      {"40001", {C::kAborted, "SERIALIZATION_FAILURE"}},
      {"40P01", {C::kAborted, "DEADLOCK_DETECTED"}},
      {"57014", {C::kDeadlineExceeded, "QUERY_CANCELED"}},
      {"57P01", {C::kUnavailable, "DATABASE_UNAVAILABLE"}},  // admin_shutdown
      {"57P02", {C::kUnavailable, "DATABASE_UNAVAILABLE"}},  // crash_shutdown
      {"57P03", {C::kUnavailable, "DATABASE_UNAVAILABLE"}},  // cannot_connect_now
  };
  for (const auto& entry : kExact) {
    if (entry.sqlstate == sqlstate) return entry.meaning;
  }
  if (absl::StartsWith(sqlstate, "22")) return {C::kInvalidArgument, "DATA_EXCEPTION"};
  if (absl::StartsWith(sqlstate, "08")) return {C::kUnavailable, "DATABASE_UNAVAILABLE"};
  if (absl::StartsWith(sqlstate, "53")) return {C::kResourceExhausted, "INSUFFICIENT_RESOURCES"};
  return {C::kInternal, "DATABASE_ERROR"};
}

std::optional<std::string> Payload(const absl::Status& status, absl::string_view url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace

absl::Status SqlError(absl::string_view sqlstate, absl::string_view message,
                      absl::string_view constraint) {
  const Meaning meaning = MeaningOf(sqlstate);
  absl::Status status = status::Error(meaning.code, meaning.reason,
                                      absl::StrCat(message, " (SQLSTATE ", sqlstate, ")"));
  status.SetPayload(kSqlStateUrl, absl::Cord(sqlstate));
  if (!constraint.empty()) status.SetPayload(kConstraintUrl, absl::Cord(constraint));
  return status;
}

std::optional<std::string> SqlStateOf(const absl::Status& status) {
  return Payload(status, kSqlStateUrl);
}

std::optional<std::string> ConstraintOf(const absl::Status& status) {
  return Payload(status, kConstraintUrl);
}

bool IsRetryable(const absl::Status& status) {
  std::optional<std::string> sqlstate = SqlStateOf(status);
  return sqlstate == "40001" || sqlstate == "40P01";
}

}  // namespace coopnet::pg
