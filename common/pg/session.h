// coopnet::pg::Session and Transaction — running statements on a pooled connection.
//
// Sessions come from Pool::Run, Pool::InTransaction and Lease; store code receives one
// and runs its statements on it:
//
//   absl::Status s = pool.InTransaction([&](pg::Transaction& tx) -> absl::Status {
//     COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kLockProject, project_id));
//     if (r.rows() == 0) return absl::NotFoundError("no such project");
//     return tx.Exec(kAddPartner, project_id, organisation_id).status();
//   });
#ifndef COOPNET_COMMON_PG_SESSION_H_
#define COOPNET_COMMON_PG_SESSION_H_

#include <array>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/pg/param.h"
#include "common/pg/result.h"
#include "common/pg/statement.h"

namespace coopnet::pg {

namespace internal {
class Connection;
}  // namespace internal

// Statements on one connection, each committing on its own unless the session is a
// Transaction. Valid only inside the call that handed it out; not thread-safe.
class Session {
 public:
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs `statement` with `args` bound to $1, $2, ... (see Param for the types). The
  // statement is prepared on this connection the first time it runs here. Errors map as
  // errors.h says; an argument count that differs from the statement's is INTERNAL, a
  // NUL byte in a text argument INVALID_ARGUMENT (PostgreSQL text cannot hold one).
  template <typename... Args>
  absl::StatusOr<Result> Exec(const Statement& statement, const Args&... args) {
    const std::array<Param, sizeof...(Args)> params = {Param(args)...};
    return ExecParams(statement, params);
  }

  // Exec with parameters gathered at run time.
  absl::StatusOr<Result> ExecParams(const Statement& statement, absl::Span<const Param> params);

  // Runs SQL without parameters or preparation, several statements allowed: for DDL and
  // migrations. Never put a value in `sql`; bind it with Exec.
  absl::Status ExecScript(absl::string_view sql);

 protected:
  explicit Session(internal::Connection* connection) : connection_(connection) {}

 private:
  friend class Lease;

  internal::Connection* connection_;
};

// A Session between BEGIN and COMMIT. Only Pool::InTransaction and Lease::InTransaction
// make one, so a function taking Transaction& is known to run inside one.
class Transaction : public Session {
 public:
  // Running a transaction again after its COMMIT's outcome was lost (the server went at
  // that moment) is safe when it claimed a request id and made no write that no claim
  // covers: the second run finds the first one's response if the first committed, and
  // acts if it did not. ClaimRequest marks the claim; code that writes for a request
  // without an id, beside one with (a batch), marks that write.
  void MarkClaimedRequest() { claimed_request_ = true; }
  void MarkUnclaimedWrite() { unclaimed_write_ = true; }

 private:
  friend class Lease;

  using Session::Session;

  bool rerunnable() const { return claimed_request_ && !unclaimed_write_; }

  bool claimed_request_ = false;
  bool unclaimed_write_ = false;
};

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_SESSION_H_
