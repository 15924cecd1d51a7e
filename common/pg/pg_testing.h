// Helpers for common/pg's own tests.
#ifndef COOPNET_COMMON_PG_PG_TESTING_H_
#define COOPNET_COMMON_PG_PG_TESTING_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/pg/pool.h"

namespace coopnet::pg::test {

// A pool on `dsn`; fails the test if options are rejected.
inline std::unique_ptr<Pool> NewPool(const std::string& dsn, PoolOptions options = {}) {
  options.dsn = dsn;
  absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(std::move(options));
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

// Runs DDL or setup SQL, which must succeed.
inline void Script(Pool& pool, const std::string& sql) {
  absl::Status status = pool.Run([&](Session& s) { return s.ExecScript(sql); });
  ASSERT_TRUE(status.ok()) << status << "\n" << sql;
}

// The first column of the first row of a parameterless query, as text.
inline std::string QueryOne(Pool& pool, const std::string& sql) {
  absl::StatusOr<Result> r = pool.Exec(Statement(sql));
  EXPECT_TRUE(r.ok()) << r.status() << "\n" << sql;
  if (!r.ok() || r->rows() == 0) return "<no row>";
  return r->GetString(0, 0);
}

// Ends the server process of the session that runs it, as a crash or an administrator
// would; the statement itself fails with the connection.
inline const Statement& KillMyConnection() {
  static const Statement* statement =
      new Statement("SELECT pg_terminate_backend(pg_backend_pid())");
  return *statement;
}

}  // namespace coopnet::pg::test

#endif  // COOPNET_COMMON_PG_PG_TESTING_H_
