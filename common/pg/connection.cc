#include "common/pg/connection.h"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/deadline/deadline.h"
#include "common/pg/canceller.h"
#include "common/pg/errors.h"
#include "common/status/status.h"

namespace coopnet::pg::internal {
namespace {

constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea, fixed since PostgreSQL 7

// The server's NOTICEs ("relation already exists, skipping") and its goodbye on
// shutdown would otherwise go to stderr; errors reach callers as statuses instead.
void IgnoreNotice(void*, const char*) {}

// libpq's messages end in a newline and often add a hint line for humans at a terminal.
std::string FirstLine(absl::string_view message) {
  message = absl::StripAsciiWhitespace(message);
  return std::string(message.substr(0, message.find('\n')));
}

absl::Status Unavailable(absl::string_view message) {
  return status::Error(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE", message);
}

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

bool Succeeded(const PGresult* result) {
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return true;
    default:
      return false;
  }
}

absl::Status CallDeadlinePassed() {
  return status::Error(absl::StatusCode::kDeadlineExceeded, "CALL_DEADLINE_EXCEEDED",
                       "the call's deadline passed before the database answered");
}

}  // namespace

absl::Status Connection::Open() {
  Close();
  std::vector<const char*> keywords;
  std::vector<const char*> values;
  for (size_t i = 0; i < settings_->keywords.size(); ++i) {
    keywords.push_back(settings_->keywords[i].c_str());
    values.push_back(settings_->values[i].c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  pg_ = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (pg_ == nullptr) return Unavailable("cannot connect to the database: out of memory");
  if (PQstatus(pg_) != CONNECTION_OK) {
    const std::string message = FirstLine(PQerrorMessage(pg_));
    Close();
    return Unavailable(absl::StrCat("cannot connect to the database: ", message));
  }
  PQsetNoticeProcessor(pg_, &IgnoreNotice, nullptr);
  cancel_ = PQgetCancel(pg_);
  absl::StatusOr<std::string> setup = Script(settings_->setup_sql);
  if (!setup.ok()) {
    Close();
    return setup.status();
  }
  return absl::OkStatus();
}

void Connection::Close() {
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  cancel_ = nullptr;
  if (pg_ != nullptr) PQfinish(pg_);
  pg_ = nullptr;
  // Prepared statements live in the server session; a new session has none.
  prepared_.clear();
}

bool Connection::Probe() {
  if (broken()) return false;
  // A healthy idle connection has nothing to read. Each round consumes what arrived (a
  // goodbye message, a notification); the end of the stream shows up as readable too,
  // and PQconsumeInput then marks the connection bad. A few rounds are plenty.
  for (int round = 0; round < 4; ++round) {
    pollfd socket{PQsocket(pg_), POLLIN, 0};
    const int ready = poll(&socket, 1, /*timeout=*/0);
    if (ready == 0) return true;
    if (ready < 0) return errno == EINTR && !broken();
    if (PQconsumeInput(pg_) == 0) return false;
    while (PGnotify* notification = PQnotifies(pg_)) PQfreemem(notification);
  }
  return !broken();
}

absl::StatusOr<Result> Connection::Execute(const Statement& statement,
                                           absl::Span<const Param> params) {
  if (broken()) return Unavailable("no connection to the database");
  const absl::Time deadline = deadline::Current();
  if (absl::Now() >= deadline) return CallDeadlinePassed();
  CancelAtDeadline guard(cancel_, deadline);
  auto prepared = prepared_.find(statement.name());
  if (prepared == prepared_.end()) {
    std::vector<Oid> types;
    for (const Param& param : params) types.push_back(param.is_binary() ? kByteaOid : 0);
    ResultPtr prepare(PQprepare(pg_, statement.name().c_str(), statement.sql().c_str(),
                                static_cast<int>(types.size()), types.data()));
    if (!Succeeded(prepare.get())) return ErrorOf(prepare.get());
    // The statement's own count of parameters, so that a wrong number of arguments is
    // reported as such instead of as a protocol violation.
    ResultPtr description(PQdescribePrepared(pg_, statement.name().c_str()));
    if (!Succeeded(description.get())) return ErrorOf(description.get());
    prepared =
        prepared_.emplace(statement.name(), Prepared{statement.sql(), PQnparams(description.get())})
            .first;
  } else if (prepared->second.sql != statement.sql()) {
    return status::Error(absl::StatusCode::kInternal, "STATEMENT_NAME_REUSED",
                         absl::StrCat("two different statements are named ", statement.name()));
  }
  if (prepared->second.params != static_cast<int>(params.size())) {
    return status::Error(
        absl::StatusCode::kInternal, "WRONG_PARAMETER_COUNT",
        absl::StrCat("statement ", statement.name(), " takes ", prepared->second.params,
                     " parameters, got ", params.size(), ": ", statement.sql()));
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& param = params[i];
    if (!param.is_binary() && std::memchr(param.data(), '\0', param.size()) != nullptr) {
      return status::InvalidField(absl::StrCat("$", i + 1),
                                  "holds a NUL byte, which PostgreSQL text cannot store");
    }
    values.push_back(param.is_null() ? nullptr : param.data());
    lengths.push_back(static_cast<int>(param.size()));
    formats.push_back(param.is_binary() ? 1 : 0);
  }
  ResultPtr result(PQexecPrepared(pg_, statement.name().c_str(), static_cast<int>(params.size()),
                                  values.data(), lengths.data(), formats.data(),
                                  /*resultFormat=*/0));
  if (guard.Finish() && !Succeeded(result.get())) return CallDeadlinePassed();
  if (!Succeeded(result.get())) return ErrorOf(result.get());
  ++completed_;
  return Result(result.release());
}

absl::StatusOr<std::string> Connection::Script(absl::string_view sql) {
  if (broken()) return Unavailable("no connection to the database");
  ResultPtr result(PQexec(pg_, std::string(sql).c_str()));
  if (!Succeeded(result.get())) return ErrorOf(result.get());
  ++completed_;
  return std::string(PQcmdStatus(result.get()));
}

absl::Status Connection::ErrorOf(const PGresult* result) const {
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string message =
      primary != nullptr ? std::string(primary)
                         : FirstLine(pg_ != nullptr ? PQerrorMessage(pg_) : "no connection");
  // Whatever the server said last (57P01 terminating connection ...), a dead connection
  // is first of all a dead connection.
  if (broken()) return Unavailable(absl::StrCat("lost the connection to the database: ", message));
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (sqlstate == nullptr) {
    return status::Error(absl::StatusCode::kInternal, "DATABASE_ERROR", message);
  }
  const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  return SqlError(sqlstate, message, constraint != nullptr ? constraint : "");
}

}  // namespace coopnet::pg::internal
