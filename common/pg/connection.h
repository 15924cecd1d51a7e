// Internal to common/pg: one libpq connection and what it remembers. Store code never
// sees this; it gets Sessions.
#ifndef COOPNET_COMMON_PG_CONNECTION_H_
#define COOPNET_COMMON_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/pg/param.h"
#include "common/pg/result.h"
#include "common/pg/statement.h"

namespace coopnet::pg::internal {

// How every connection of a pool opens, fixed when the pool is made.
struct ConnectSettings {
  // For PQconnectdbParams with expand_dbname; keyword order decides what the DSN may
  // override.
  std::vector<std::string> keywords;
  std::vector<std::string> values;
  // SETs run on every new session.
  std::string setup_sql;
};

// A server session that may be absent or broken. Used by one thread at a time (the
// holder of its Lease).
class Connection {
 public:
  explicit Connection(const ConnectSettings* settings) : settings_(settings) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Opens a new session, closing any old one and forgetting its prepared statements.
  // UNAVAILABLE when the server cannot be reached within connect_timeout.
  absl::Status Open();
  void Close();

  // True when there is no session or libpq has seen it fail.
  bool broken() const { return pg_ == nullptr || PQstatus(pg_) == CONNECTION_BAD; }

  // Whether the session still looks usable, found without blocking or a round trip by
  // reading whatever the server sent while it was idle: a server going down says
  // goodbye and closes the socket, which this notices.
  bool Probe();

  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(pg_); }

  // Statements that have succeeded on this connection, over all its sessions.
  int64_t completed() const { return completed_; }

  // Prepares `statement` on first use here and runs it. The deadline of the call this
  // thread serves (common/deadline) bounds it: DEADLINE_EXCEEDED, without sending it,
  // once that has passed, and the statement is cancelled when it passes meanwhile.
  absl::StatusOr<Result> Execute(const Statement& statement, absl::Span<const Param> params);

  // Runs `sql` through the simple query protocol; returns the command tag of its last
  // statement ("COMMIT", "ROLLBACK", "CREATE TABLE").
  absl::StatusOr<std::string> Script(absl::string_view sql);

  // The status for a failed `result` (which may be null), or for a connection lost.
  absl::Status ErrorOf(const PGresult* result) const;

 private:
  struct Prepared {
    std::string sql;
    int params;
  };

  const ConnectSettings* settings_;
  PGconn* pg_ = nullptr;
  // For cancelling the statement running in this session from another thread.
  PGcancel* cancel_ = nullptr;
  absl::flat_hash_map<std::string, Prepared> prepared_;
  int64_t completed_ = 0;
};

}  // namespace coopnet::pg::internal

#endif  // COOPNET_COMMON_PG_CONNECTION_H_
