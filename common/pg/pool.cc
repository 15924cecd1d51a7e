#include "common/pg/pool.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/deadline/deadline.h"
#include "common/pg/connection.h"
#include "common/status/status.h"

namespace coopnet::pg {
namespace {

std::unique_ptr<internal::ConnectSettings> MakeSettings(const PoolOptions& options) {
  auto settings = std::make_unique<internal::ConnectSettings>();
  auto add = [&](const char* keyword, std::string value) {
    settings->keywords.push_back(keyword);
    settings->values.push_back(std::move(value));
  };
  // Defaults the DSN may override: notice a peer that vanished without closing (a
  // failed-over host) within about a minute rather than the kernel's two hours.
  add("keepalives", "1");
  add("keepalives_idle", "30");
  add("keepalives_interval", "10");
  add("keepalives_count", "3");
  add("dbname", options.dsn);
  // What the library relies on, so these win over the DSN.
  const int64_t connect_seconds = std::max<int64_t>(
      2, absl::ToInt64Seconds(absl::Ceil(options.connect_timeout, absl::Seconds(1))));
  add("connect_timeout", absl::StrCat(connect_seconds));
  add("client_encoding", "UTF8");
  add("application_name", options.application_name);

  settings->setup_sql =
      "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET bytea_output = hex; "
      "SET extra_float_digits = 1;";
  if (options.statement_timeout.has_value()) {
    // Rounded up: 0 would mean no timeout at all.
    const int64_t ms = std::max<int64_t>(
        1,
        absl::ToInt64Milliseconds(absl::Ceil(*options.statement_timeout, absl::Milliseconds(1))));
    absl::StrAppend(&settings->setup_sql, " SET statement_timeout = ", ms, ";");
  }
  return settings;
}

std::string BeginSql(const TxOptions& options) {
  std::string sql = "BEGIN ISOLATION LEVEL ";
  switch (options.isolation) {
    case Isolation::kReadCommitted:
      sql += "READ COMMITTED";
      break;
    case Isolation::kRepeatableRead:
      sql += "REPEATABLE READ";
      break;
    case Isolation::kSerializable:
      sql += "SERIALIZABLE";
      break;
  }
  if (options.read_only) sql += " READ ONLY";
  return sql;
}

// Doubling from 5 ms up to 160 ms, each pause drawn from [d/2, 3d/2) so that the
// transactions that collided do not collide again in step.
absl::Duration Backoff(int attempt) {
  thread_local absl::BitGen random;
  const absl::Duration base = absl::Milliseconds(5) * (1 << std::min(attempt - 1, 5));
  return base * absl::Uniform(random, 0.5, 1.5);
}

absl::Status LostBeforeCommit() {
  return status::Error(absl::StatusCode::kUnavailable, "DATABASE_UNAVAILABLE",
                       "lost the connection to the database before COMMIT; the server rolled "
                       "the transaction back");
}

// Opens a new session. While the server refuses (a restart), tries again until the
// deadline of the call this serves, so that a restart within it costs the call nothing;
// without a call to serve, fails at once.
absl::Status Reopen(internal::Connection& connection) {
  const absl::Time deadline = deadline::Current();
  absl::Duration pause = absl::Milliseconds(50);
  while (true) {
    absl::Status opened = connection.Open();
    if (opened.ok() || opened.code() != absl::StatusCode::kUnavailable ||
        deadline == absl::InfiniteFuture() || absl::Now() + pause >= deadline) {
      return opened;
    }
    absl::SleepFor(pause);
    pause = std::min(pause * 2, absl::Milliseconds(500));
  }
}

}  // namespace

// ---------------------------------------------------------------------------- Lease

Lease::Lease(Pool* pool, internal::Connection* connection)
    : pool_(pool), connection_(connection), session_(connection) {}

Lease::Lease(Lease&& other)
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::exchange(other.connection_, nullptr)),
      session_(connection_) {}

Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(connection_);
}

absl::Status Lease::InTransaction(const std::function<absl::Status(Transaction&)>& body,
                                  const TxOptions& options) {
  return RunTransaction(body, options, /*may_reconnect=*/false);
}

absl::Status Lease::RunTransaction(const std::function<absl::Status(Transaction&)>& body,
                                   const TxOptions& options, bool may_reconnect) {
  internal::Connection& connection = *connection_;
  const int max_attempts = std::max(1, options.max_attempts);
  bool reconnected = false;
  int attempt = 1;
  while (true) {
    // Whether running the body again on a new connection can do nothing twice.
    bool safe_to_rerun = false;
    absl::Status status = [&]() -> absl::Status {
      if (!connection.Probe()) {
        safe_to_rerun = true;
        return LostBeforeCommit();
      }
      if (absl::Status begin = connection.Script(BeginSql(options)).status(); !begin.ok()) {
        safe_to_rerun = connection.broken();
        return safe_to_rerun ? LostBeforeCommit() : begin;
      }
      Transaction transaction(&connection);
      if (absl::Status result = body(transaction); !result.ok()) {
        if (connection.broken()) {
          safe_to_rerun = true;
          return LostBeforeCommit();
        }
        // Failing, the connection breaks and is replaced on release; either way the
        // transaction is over.
        (void)connection.Script("ROLLBACK");
        return result;
      }
      // The server may have gone while the body ran; then COMMIT was never sent.
      if (!connection.Probe()) {
        safe_to_rerun = true;
        return LostBeforeCommit();
      }
      absl::StatusOr<std::string> commit = connection.Script("COMMIT");
      if (!commit.ok()) {
        if (connection.broken()) {
          safe_to_rerun = transaction.rerunnable();
          return status::Error(absl::StatusCode::kUnavailable, "TRANSACTION_OUTCOME_UNKNOWN",
                               "lost the connection to the database during COMMIT; the "
                               "transaction may or may not have committed");
        }
        return commit.status();  // e.g. a serialization failure found at commit
      }
      if (*commit != "COMMIT") {
        return status::Error(absl::StatusCode::kInternal, "TRANSACTION_ROLLED_BACK",
                             "PostgreSQL rolled the transaction back at COMMIT: a statement "
                             "in it failed and the body carried on");
      }
      return absl::OkStatus();
    }();
    if (status.ok()) return status;
    if (safe_to_rerun) {
      if (!may_reconnect || reconnected) return status;
      reconnected = true;
      COOPNET_RETURN_IF_ERROR(Reopen(connection));
      continue;
    }
    if (!IsRetryable(status) || attempt >= max_attempts) return status;
    absl::SleepFor(Backoff(attempt));
    ++attempt;
  }
}

// ---------------------------------------------------------------------------- Pool

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (options.size < 1) {
    return status::InvalidField("size", absl::StrCat("must be at least 1, got ", options.size));
  }
  if (options.acquire_timeout < absl::ZeroDuration()) {
    return status::InvalidField("acquire_timeout", "must not be negative");
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return status::InvalidField("connect_timeout", "must be positive");
  }
  if (options.statement_timeout.has_value() && *options.statement_timeout <= absl::ZeroDuration()) {
    return status::InvalidField("statement_timeout", "must be positive when set");
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.dsn.c_str(), &error);
  PQfreemem(error);  // it may quote the DSN, password and all
  if (parsed == nullptr) {
    return status::InvalidField(
        "dsn", "is not a libpq connection string (keyword=value pairs or a postgresql:// URI)");
  }
  PQconninfoFree(parsed);
  return std::unique_ptr<Pool>(new Pool(std::move(options)));
}

Pool::Pool(PoolOptions options) : options_(std::move(options)), settings_(MakeSettings(options_)) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < options_.size; ++i) {
    connections_.push_back(std::make_unique<internal::Connection>(settings_.get()));
    idle_.push_back(connections_.back().get());
  }
}

Pool::~Pool() {
  absl::MutexLock lock(&mu_);
  if (in_use_ != 0) {
    std::fprintf(stderr, "coopnet::pg::Pool destroyed while %d leases are alive\n", in_use_);
    std::abort();
  }
}

absl::StatusOr<Lease> Pool::Acquire() {
  internal::Connection* connection;
  {
    absl::MutexLock lock(&mu_);
    if (idle_.empty()) {
      // No longer than the call this serves may last.
      const absl::Time call_deadline = deadline::Current();
      ++waiting_;
      const bool free =
          mu_.AwaitWithDeadline(absl::Condition(this, &Pool::HasIdle),
                                std::min(absl::Now() + options_.acquire_timeout, call_deadline));
      --waiting_;
      if (!free && absl::Now() >= call_deadline) {
        return status::Error(absl::StatusCode::kDeadlineExceeded, "CALL_DEADLINE_EXCEEDED",
                             "the call's deadline passed while it waited for a database "
                             "connection");
      }
      if (!free) {
        return status::Error(absl::StatusCode::kResourceExhausted, "POOL_EXHAUSTED",
                             absl::StrCat("no database connection became free within ",
                                          absl::FormatDuration(options_.acquire_timeout), "; all ",
                                          size(), " are in use"));
      }
    }
    connection = idle_.back();
    idle_.pop_back();
    ++in_use_;
  }
  Lease lease(this, connection);
  // Every idle connection is stale after a server restart; finding out here, before a
  // statement is sent, costs no round trip and makes the restart invisible to callers.
  if (!connection->Probe()) COOPNET_RETURN_IF_ERROR(Reopen(*connection));
  return lease;
}

void Pool::Release(internal::Connection* connection) {
  if (!connection->broken()) {
    switch (connection->transaction_status()) {
      case PQTRANS_IDLE:
        break;
      case PQTRANS_INTRANS:
      case PQTRANS_INERROR:
        if (!connection->Script("ROLLBACK").ok()) connection->Close();
        break;
      default:  // a statement still running, or a state libpq cannot name
        connection->Close();
        break;
    }
  } else {
    // Give the socket back now; the next Acquire opens a new session.
    connection->Close();
  }
  absl::MutexLock lock(&mu_);
  idle_.push_back(connection);
  --in_use_;
}

absl::Status Pool::Run(const std::function<absl::Status(Session&)>& body) {
  return RunOnce(body, /*reads_only=*/false);
}

absl::Status Pool::Read(const std::function<absl::Status(Session&)>& body) {
  return RunOnce(body, /*reads_only=*/true);
}

absl::Status Pool::RunOnce(const std::function<absl::Status(Session&)>& body, bool reads_only) {
  COOPNET_ASSIGN_OR_RETURN(Lease lease, Acquire());
  internal::Connection& connection = *lease.connection_;
  const int64_t completed = connection.completed();
  absl::Status status = body(lease.session());
  if (status.ok() || !connection.broken()) return status;
  // A statement that completed may have written: only a reader may run it again.
  if (!reads_only && connection.completed() != completed) return status;
  COOPNET_RETURN_IF_ERROR(Reopen(connection));
  return body(lease.session());
}

absl::StatusOr<Result> Pool::ExecParams(const Statement& statement,
                                        absl::Span<const Param> params) {
  Result result;
  COOPNET_RETURN_IF_ERROR(Run([&](Session& session) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(result, session.ExecParams(statement, params));
    return absl::OkStatus();
  }));
  return result;
}

absl::Status Pool::InTransaction(const std::function<absl::Status(Transaction&)>& body,
                                 const TxOptions& options) {
  COOPNET_ASSIGN_OR_RETURN(Lease lease, Acquire());
  return lease.RunTransaction(body, options, /*may_reconnect=*/true);
}

int Pool::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

int Pool::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace coopnet::pg
