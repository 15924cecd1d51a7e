// coopnet::pg::Pool — the one place coopnet's SQL meets libpq: a fixed set of
// connections to one database, with prepared statements, transactions that retry
// themselves, and recovery from a restarted server.
//
//   const pg::Statement kGetOrganisation{
//       "SELECT display_name, country, create_time FROM organisations WHERE id = $1"};
//
//   COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> pool,
//                            pg::Pool::Create({.dsn = flags.database, .size = 16}));
//   COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool->Exec(kGetOrganisation, id));
//
//   COOPNET_RETURN_IF_ERROR(pool->InTransaction(
//       [&](pg::Transaction& tx) -> absl::Status {
//         COOPNET_RETURN_IF_ERROR(tx.Exec(kDebit, from, amount).status());
//         return tx.Exec(kCredit, to, amount).status();
//       },
//       {.isolation = pg::Isolation::kSerializable}));
//
// Connections open on first use, so a service can start before its database and report
// NOT_SERVING until it answers. Each connection speaks UTF8, names itself with
// application_name, and has DateStyle ISO, TimeZone UTC and bytea_output hex, which
// Result relies on: do not SET them in a session.
#ifndef COOPNET_COMMON_PG_POOL_H_
#define COOPNET_COMMON_PG_POOL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/pg/errors.h"
#include "common/pg/param.h"
#include "common/pg/result.h"
#include "common/pg/session.h"
#include "common/pg/statement.h"

namespace coopnet::pg {

namespace internal {
struct ConnectSettings;
}  // namespace internal

struct PoolOptions {
  // Every field has an initializer so that `{.dsn = ...}` leaves the rest to their
  // defaults without GCC's -Wmissing-field-initializers.

  // libpq connection string or URI ("host=db port=5432 dbname=orgs user=orgs").
  std::string dsn = "";
  // Connections, all opened lazily.
  int size = 8;
  // How long opening one connection may take; libpq counts whole seconds, at least 2.
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long a call waits for a free connection before RESOURCE_EXHAUSTED.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // When set, every statement is cancelled after this long (DEADLINE_EXCEEDED).
  std::optional<absl::Duration> statement_timeout = std::nullopt;
  // Shown in pg_stat_activity; name the service.
  std::string application_name = "coopnet";
};

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

struct TxOptions {
  Isolation isolation = Isolation::kReadCommitted;
  bool read_only = false;
  // How many times the body may run when PostgreSQL aborts it with serialization_failure
  // or deadlock_detected.
  int max_attempts = 5;
};

class Pool;

// Exclusive use of one connection until destroyed, for work that needs one server
// session across calls, such as a session-level advisory lock. Unlike Pool's calls a
// Lease never reconnects: what the session held (locks, settings) died with its
// connection, so a lost connection is UNAVAILABLE. A transaction left open is rolled
// back on return to the pool.
class Lease {
 public:
  Lease(Lease&& other);
  Lease& operator=(Lease&&) = delete;
  ~Lease();

  // Runs statements in autocommit on this connection.
  Session& session() { return session_; }

  // Pool::InTransaction on this connection, except that a lost connection is returned as
  // UNAVAILABLE instead of retried.
  absl::Status InTransaction(const std::function<absl::Status(Transaction&)>& body,
                             const TxOptions& options = {});

 private:
  friend class Pool;

  Lease(Pool* pool, internal::Connection* connection);

  absl::Status RunTransaction(const std::function<absl::Status(Transaction&)>& body,
                              const TxOptions& options, bool may_reconnect);

  Pool* pool_;
  internal::Connection* connection_;
  Session session_;
};

// A fixed-size pool of connections to one database. Thread-safe.
class Pool {
 public:
  // Never connects, so it succeeds while the server is down; fails only on bad options
  // (INVALID_ARGUMENT), such as a DSN libpq cannot parse.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);

  // Every Lease must have been destroyed.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // One statement in autocommit: Run with a body of one Exec.
  template <typename... Args>
  absl::StatusOr<Result> Exec(const Statement& statement, const Args&... args) {
    const std::array<Param, sizeof...(Args)> params = {Param(args)...};
    return ExecParams(statement, params);
  }
  absl::StatusOr<Result> ExecParams(const Statement& statement, absl::Span<const Param> params);

  // Runs `body` on a connection in autocommit: each statement commits on its own. When
  // the connection turns out to be dead before any statement of the body completed, the
  // body runs once more on a new connection. The statement that met the dead connection
  // may or may not have taken effect, as always with autocommit: keep writes that must
  // happen exactly once in InTransaction.
  absl::Status Run(const std::function<absl::Status(Session&)>& body);

  // Run for a body that only reads: when the connection turns out to be dead, whatever
  // the body had read already, it runs once more on a new connection, since reading twice
  // changes nothing. For reads of several statements that a restart must not fail.
  absl::Status Read(const std::function<absl::Status(Session&)>& body);

  // Runs `body` between BEGIN and COMMIT, rolling back when it returns an error, which
  // is then returned. The body runs again (so it must start from scratch each time,
  // e.g. assign rather than append to what it captures):
  //  - after serialization_failure or deadlock_detected, up to options.max_attempts
  //    times in all, with a short jittered pause; the last such error is ABORTED;
  //  - once, on a new connection, when the connection was lost before COMMIT was sent:
  //    the server rolled the transaction back, so nothing happened twice.
  // When the connection is lost during COMMIT nobody can tell whether it committed; that
  // is UNAVAILABLE with reason TRANSACTION_OUTCOME_UNKNOWN, unless every write of the
  // body was claimed by a request id (see Transaction::MarkClaimedRequest): then it runs
  // once more on a new connection and finds the first run's response if that committed,
  // or acts if it did not. A body
  // that returns OK after ignoring a failed statement gets INTERNAL: PostgreSQL rolled
  // the transaction back.
  absl::Status InTransaction(const std::function<absl::Status(Transaction&)>& body,
                             const TxOptions& options = {});

  // A connection of one's own (see Lease), within acquire_timeout: RESOURCE_EXHAUSTED
  // when none frees up, UNAVAILABLE when the server cannot be reached.
  absl::StatusOr<Lease> Acquire();

  // Gauges for the metrics library.
  int size() const { return static_cast<int>(connections_.size()); }
  int in_use() const;   // leased connections
  int waiting() const;  // callers waiting for one

 private:
  friend class Lease;

  explicit Pool(PoolOptions options);

  bool HasIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !idle_.empty(); }
  // Run or Read: once more on a new connection after a lost one, when that is safe.
  absl::Status RunOnce(const std::function<absl::Status(Session&)>& body, bool reads_only);
  void Release(internal::Connection* connection);

  const PoolOptions options_;
  std::unique_ptr<const internal::ConnectSettings> settings_;
  std::vector<std::unique_ptr<internal::Connection>> connections_;

  mutable absl::Mutex mu_;
  // Most recently used last, so that busy periods reuse warm connections.
  std::vector<internal::Connection*> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_POOL_H_
