#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>

#include "common/pg/pg_testing.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::KillMyConnection;
using test::NewPool;
using test::QueryOne;
using test::Script;

TEST(PgTransaction, CommitsWhatTheBodyDid) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  Script(*pool, "CREATE TABLE partners (name text)");
  const Statement kAdd{"INSERT INTO partners VALUES ($1)"};
  absl::Status s = pool->InTransaction([&](Transaction& tx) -> absl::Status {
    COOPNET_RETURN_IF_ERROR(tx.Exec(kAdd, "Gmina Kórnik").status());
    return tx.Exec(kAdd, "Örebro kommun").status();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM partners"), "2");
}

TEST(PgTransaction, BodyErrorRollsBackAndIsReturned) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  Script(*pool, "CREATE TABLE partners (name text)");
  const Statement kAdd{"INSERT INTO partners VALUES ($1)"};
  int runs = 0;
  absl::Status s = pool->InTransaction([&](Transaction& tx) -> absl::Status {
    ++runs;
    COOPNET_RETURN_IF_ERROR(tx.Exec(kAdd, "Bærum kommune").status());
    return absl::NotFoundError("no such project");
  });
  EXPECT_EQ(s, absl::NotFoundError("no such project"));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM partners"), "0");
}

TEST(PgTransaction, SerializationFailureIsRetried) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 2});
  Script(*pool,
         "CREATE TABLE coordinators (name text PRIMARY KEY, on_duty bool NOT NULL);"
         "INSERT INTO coordinators VALUES ('alice', true), ('bob', true)");
  const Statement kOnDuty{"SELECT count(*) FROM coordinators WHERE on_duty"};
  const Statement kGoOff{"UPDATE coordinators SET on_duty = false WHERE name = $1"};

  // Write skew: each checks that someone else stays on duty, then leaves. Both read
  // before either writes, so SERIALIZABLE must abort one (40001); run again, it sees
  // that only one is left and stays.
  std::latch both_read(2);
  std::atomic<int> runs{0};
  auto go_off = [&](const std::string& name) {
    int my_runs = 0;
    return pool->InTransaction(
        [&](Transaction& tx) -> absl::Status {
          ++runs;
          ++my_runs;
          COOPNET_ASSIGN_OR_RETURN(Result on_duty, tx.Exec(kOnDuty));
          if (my_runs == 1) both_read.arrive_and_wait();
          if (on_duty.GetInt64(0, 0) < 2) return absl::OkStatus();
          return tx.Exec(kGoOff, name).status();
        },
        {.isolation = Isolation::kSerializable});
  };
  absl::Status alice, bob;
  std::thread a([&] { alice = go_off("alice"); });
  std::thread b([&] { bob = go_off("bob"); });
  a.join();
  b.join();
  EXPECT_TRUE(alice.ok()) << alice;
  EXPECT_TRUE(bob.ok()) << bob;
  EXPECT_GE(runs, 3) << "one transaction must have been aborted and run again";
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM coordinators WHERE on_duty"), "1");
}

TEST(PgTransaction, DeadlockIsRetried) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 2});
  Script(*pool,
         "CREATE TABLE budgets (id int PRIMARY KEY, euros int NOT NULL);"
         "INSERT INTO budgets VALUES (1, 100), (2, 100)");
  const Statement kAdd{"UPDATE budgets SET euros = euros + $2 WHERE id = $1"};
  std::latch both_locked(2);
  std::atomic<int> runs{0};
  auto transfer = [&](int from, int to) {
    int my_runs = 0;
    return pool->InTransaction([&](Transaction& tx) -> absl::Status {
      ++runs;
      ++my_runs;
      // Find the deadlock sooner than the default second.
      COOPNET_RETURN_IF_ERROR(tx.ExecScript("SET LOCAL deadlock_timeout = '50ms'"));
      COOPNET_RETURN_IF_ERROR(tx.Exec(kAdd, from, -10).status());
      if (my_runs == 1) both_locked.arrive_and_wait();
      return tx.Exec(kAdd, to, 10).status();
    });
  };
  absl::Status one, two;
  std::thread a([&] { one = transfer(1, 2); });
  std::thread b([&] { two = transfer(2, 1); });
  a.join();
  b.join();
  EXPECT_TRUE(one.ok()) << one;
  EXPECT_TRUE(two.ok()) << two;
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(QueryOne(*pool, "SELECT string_agg(euros::text, ',' ORDER BY id) FROM budgets"),
            "100,100");
}

TEST(PgTransaction, GivesUpAfterMaxAttemptsWithAborted) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  int runs = 0;
  absl::Status s = pool->InTransaction(
      [&](Transaction& tx) {
        ++runs;
        return tx.ExecScript(
            "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; "
            "END $$");
      },
      {.max_attempts = 3});
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_EQ(SqlStateOf(s), "40001");
  EXPECT_EQ(runs, 3);
}

TEST(PgTransaction, ConnectionLostBeforeCommitIsRetriedOnANewConnection) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  Script(*pool, "CREATE TABLE orders (run int)");
  const Statement kOrder{"INSERT INTO orders VALUES ($1)"};
  int runs = 0;
  absl::Status s = pool->InTransaction([&](Transaction& tx) -> absl::Status {
    ++runs;
    COOPNET_RETURN_IF_ERROR(tx.Exec(kOrder, runs).status());
    if (runs == 1) return tx.Exec(KillMyConnection()).status();
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(QueryOne(*pool, "SELECT string_agg(run::text, ',') FROM orders"), "2");
}

TEST(PgTransaction, ServerRestartInsideTheBodyIsRetried) {
  testing::PostgresServer server;
  std::unique_ptr<Pool> pool = NewPool(server.dsn(), {.size = 2});
  Script(*pool, "CREATE TABLE orders (run int)");
  const Statement kOrder{"INSERT INTO orders VALUES ($1)"};
  int runs = 0;
  absl::Status s = pool->InTransaction([&](Transaction& tx) -> absl::Status {
    ++runs;
    COOPNET_RETURN_IF_ERROR(tx.Exec(kOrder, runs).status());
    if (runs == 1) server.Restart();
    return tx.Exec(kOrder, runs).status();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(QueryOne(*pool, "SELECT string_agg(run::text, ',') FROM orders"), "2,2");
}

TEST(PgTransaction, ConnectionLostDuringCommitIsUnavailableAndNotRetried) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  // A deferred trigger runs inside COMMIT; this one ends its own server process there.
  Script(*pool, R"sql(
    CREATE TABLE payments (euros int);
    CREATE FUNCTION die_in_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_terminate_backend(pg_backend_pid());
      PERFORM pg_sleep(30);  -- where the termination lands
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER die_in_commit AFTER INSERT ON payments
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_in_commit();
  )sql");
  const Statement kPay{"INSERT INTO payments VALUES ($1)"};
  int runs = 0;
  absl::Status s = pool->InTransaction([&](Transaction& tx) {
    ++runs;
    return tx.Exec(kPay, 100).status();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "TRANSACTION_OUTCOME_UNKNOWN");
  EXPECT_EQ(runs, 1);
  // The pool recovers for the next caller.
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM payments"), "0");
}

TEST(PgTransaction, BodyThatIgnoresAFailedStatementIsInternal) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  absl::Status s = pool->InTransaction([&](Transaction& tx) {
    (void)tx.Exec(Statement("SELECT 1 / $1::int"), 0);
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "TRANSACTION_ROLLED_BACK");
}

TEST(PgTransaction, ReadOnlyTransactionRefusesWrites) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  Script(*pool, "CREATE TABLE notes (body text)");
  absl::Status s = pool->InTransaction(
      [&](Transaction& tx) {
        return tx.Exec(Statement("INSERT INTO notes VALUES ($1)"), "x").status();
      },
      {.read_only = true});
  EXPECT_EQ(SqlStateOf(s), "25006") << s;
}

TEST(PgTransaction, LeaseTransactionDoesNotReconnect) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  int runs = 0;
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    absl::Status s = lease->InTransaction([&](Transaction& tx) {
      ++runs;
      return tx.Exec(KillMyConnection()).status();
    });
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(QueryOne(*pool, "SELECT 1"), "1");
}

}  // namespace
}  // namespace coopnet::pg
