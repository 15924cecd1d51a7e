#include "common/pg/pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/deadline/deadline.h"
#include "common/pg/pg_testing.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::KillMyConnection;
using test::NewPool;
using test::QueryOne;
using test::Script;

const Statement kAnswer{"SELECT 40 + $1::int"};

TEST(PgPool, CreateRejectsBadOptionsWithoutConnecting) {
  EXPECT_EQ(Pool::Create({.dsn = "host=127.0.0.1", .size = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pool::Create({.dsn = "host=127.0.0.1 password=hunter2 nonsense"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pool::Create({.dsn = "host=127.0.0.1 password=hunter2 nonsense"})
                .status()
                .message()
                .find("hunter2"),
            absl::string_view::npos);
}

TEST(PgPool, CreateSucceedsWhileServerIsDownAndCallsFailFastUntilItStarts) {
  testing::PostgresServer server;
  server.Stop();
  absl::StatusOr<std::unique_ptr<Pool>> pool =
      Pool::Create({.dsn = server.dsn(), .size = 2, .connect_timeout = absl::Seconds(5)});
  ASSERT_TRUE(pool.ok()) << pool.status();

  const absl::Time start = absl::Now();
  EXPECT_EQ((*pool)->Exec(kAnswer, 2).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*pool)->InTransaction([](Transaction&) { return absl::OkStatus(); }).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ((*pool)->Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "a refused connection must not wait";
  EXPECT_EQ((*pool)->in_use(), 0);

  server.Start();
  absl::StatusOr<Result> r = (*pool)->Exec(kAnswer, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetInt32(0, 0), 42);
}

TEST(PgPool, NextCallsSucceedAfterServerRestart) {
  testing::PostgresServer server;
  std::unique_ptr<Pool> pool = NewPool(server.dsn(), {.size = 4});
  Script(*pool, "CREATE TABLE visits (n int)");
  const Statement kInsert{"INSERT INTO visits VALUES ($1)"};
  {
    // Open and prepare on every connection, so that every one is stale after the restart.
    std::vector<Lease> leases;
    for (int i = 0; i < 4; ++i) {
      absl::StatusOr<Lease> lease = pool->Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      ASSERT_TRUE(lease->session().Exec(kAnswer, i).ok());
      leases.push_back(*std::move(lease));
    }
  }

  server.Restart();

  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<Result> r = pool->Exec(kAnswer, 2);
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.status();
    EXPECT_EQ(r->GetInt32(0, 0), 42);
    absl::Status s =
        pool->InTransaction([&](Transaction& tx) { return tx.Exec(kInsert, i).status(); });
    EXPECT_TRUE(s.ok()) << "call " << i << ": " << s;
    s = pool->Run([&](Session& session) { return session.Exec(kAnswer, i).status(); });
    EXPECT_TRUE(s.ok()) << "call " << i << ": " << s;
  }
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM visits"), "4");
}

TEST(PgPool, ConcurrentCallsSucceedAfterServerRestart) {
  testing::PostgresServer server;
  std::unique_ptr<Pool> pool = NewPool(server.dsn(), {.size = 4});
  {
    std::vector<Lease> leases;
    for (int i = 0; i < 4; ++i) leases.push_back(*pool->Acquire());
    for (Lease& lease : leases) ASSERT_TRUE(lease.session().Exec(kAnswer, 1).ok());
  }

  server.Restart();

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (!pool->Exec(kAnswer, i).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
}

TEST(PgPool, RunRetriesOnceWhenItsConnectionDiesUnderItsFirstStatement) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  int runs = 0;
  absl::Status s = pool->Run([&](Session& session) {
    ++runs;
    if (runs == 1) return session.Exec(KillMyConnection()).status();
    return session.Exec(kAnswer, 2).status();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
}

TEST(PgPool, RunDoesNotRepeatABodyWhoseEarlierStatementsCommitted) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  Script(*pool, "CREATE TABLE letters (body text)");
  const Statement kSend{"INSERT INTO letters VALUES ($1)"};
  int runs = 0;
  absl::Status s = pool->Run([&](Session& session) {
    ++runs;
    COOPNET_RETURN_IF_ERROR(session.Exec(kSend, "sent once").status());
    return session.Exec(KillMyConnection()).status();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM letters"), "1");
}

// A read of several statements (a bound, then the page) cut after its first: reading
// twice changes nothing, so it runs again rather than failing its caller.
TEST(PgPool, ReadRunsAgainWhenItsConnectionDiesAfterAnEarlierStatement) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  int runs = 0;
  int64_t answer = 0;
  absl::Status s = pool->Read([&](Session& session) -> absl::Status {
    ++runs;
    COOPNET_ASSIGN_OR_RETURN(Result first, session.Exec(kAnswer, 0));
    if (runs == 1) return session.Exec(KillMyConnection()).status();
    COOPNET_ASSIGN_OR_RETURN(Result second, session.Exec(kAnswer, 2));
    answer = first.GetInt64(0, 0) + second.GetInt64(0, 0);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(answer, 40 + 42);
}

TEST(PgPool, AcquireWaitsForAcquireTimeoutThenIsResourceExhausted) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool =
      NewPool(db.dsn(), {.size = 1, .acquire_timeout = absl::Milliseconds(50)});
  absl::StatusOr<Lease> held = pool->Acquire();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(pool->size(), 1);
  EXPECT_EQ(pool->in_use(), 1);

  const absl::Time start = absl::Now();
  absl::Status s = pool->Exec(kAnswer, 2).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "POOL_EXHAUSTED");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(pool->waiting(), 0);
}

TEST(PgPool, WaiterGetsTheConnectionWhenItIsReleased) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1, .acquire_timeout = absl::Seconds(30)});
  std::optional<Lease> held(*pool->Acquire());
  absl::Status waiter_status = absl::UnknownError("not run");
  std::thread waiter([&] { waiter_status = pool->Exec(kAnswer, 2).status(); });

  // The gauge is what tells us the waiter is queued; poll it, within a deadline.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (pool->waiting() != 1 && absl::Now() < deadline) std::this_thread::yield();
  EXPECT_EQ(pool->waiting(), 1);
  held.reset();
  waiter.join();
  EXPECT_TRUE(waiter_status.ok()) << waiter_status;
  EXPECT_EQ(pool->waiting(), 0);
  EXPECT_EQ(pool->in_use(), 0);
}

// The call's deadline (common/deadline) bounds every wait on its behalf.
const Statement kSlow{"SELECT pg_sleep($1::float8)"};

TEST(PgPool, SlowStatementEndsAtTheCallsDeadlineAndTheNextCallIsServed) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  const absl::Time start = absl::Now();
  absl::Status s;
  {
    deadline::Scope scope(start + absl::Milliseconds(300));
    s = pool->Exec(kSlow, 10.0).status();
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "CALL_DEADLINE_EXCEEDED");
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Seconds(3)) << "the statement ran on past the deadline";

  // The only connection is free again at once, and nothing cancels the next statement.
  const absl::Time next = absl::Now();
  absl::StatusOr<Result> r = pool->Exec(kAnswer, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetInt32(0, 0), 42);
  EXPECT_LT(absl::Now() - next, absl::Seconds(1));
  absl::StatusOr<Result> slept = pool->Exec(kSlow, 0.5);
  EXPECT_TRUE(slept.ok()) << slept.status();
}

TEST(PgPool, TransactionPastTheCallsDeadlineRollsBack) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  Script(*pool, "CREATE TABLE visits (n int)");
  const Statement kVisit{"INSERT INTO visits VALUES (1)"};
  absl::Status s;
  {
    deadline::Scope scope(absl::Now() + absl::Milliseconds(200));
    s = pool->InTransaction([&](Transaction& tx) -> absl::Status {
      COOPNET_RETURN_IF_ERROR(tx.Exec(kVisit).status());
      return tx.Exec(kSlow, 10.0).status();
    });
  }
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM visits"), "0");
}

TEST(PgPool, WaitForAConnectionEndsAtTheCallsDeadline) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1, .acquire_timeout = absl::Seconds(30)});
  absl::StatusOr<Lease> held = pool->Acquire();
  ASSERT_TRUE(held.ok()) << held.status();
  const absl::Time start = absl::Now();
  absl::Status s;
  {
    deadline::Scope scope(start + absl::Milliseconds(200));
    s = pool->Exec(kAnswer, 2).status();
  }
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "waited for acquire_timeout instead";
  EXPECT_EQ(pool->waiting(), 0);
}

TEST(PgPool, CallWhoseDeadlinePassedSendsNothing) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  Script(*pool, "CREATE TABLE visits (n int)");
  {
    deadline::Scope scope(absl::Now() - absl::Milliseconds(1));
    EXPECT_EQ(pool->Exec(Statement{"INSERT INTO visits VALUES (1)"}).status().code(),
              absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM visits"), "0");
}

TEST(PgPool, RestartWithinTheCallsDeadlineFailsNoCall) {
  testing::PostgresServer server;
  std::unique_ptr<Pool> pool = NewPool(server.dsn(), {.size = 2});
  Script(*pool, "CREATE TABLE visits (n int)");
  const Statement kVisit{"INSERT INTO visits VALUES (1)"};
  server.Stop();
  // Down for a while, as a restart is.
  std::thread restart([&] {
    absl::SleepFor(absl::Milliseconds(800));
    server.Start();
  });
  absl::Status read, write;
  {
    deadline::Scope scope(absl::Now() + absl::Seconds(30));
    read = pool->Exec(kAnswer, 2).status();
    write = pool->InTransaction(
        [&](Transaction& tx) -> absl::Status { return tx.Exec(kVisit).status(); });
  }
  restart.join();
  EXPECT_TRUE(read.ok()) << read;
  EXPECT_TRUE(write.ok()) << write;
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM visits"), "1");
}

TEST(PgPool, ConnectionsSpeakUtf8InUtcAndNameThemselves) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.statement_timeout = absl::Milliseconds(2500),
                                                  .application_name = "organisations"});
  EXPECT_EQ(QueryOne(*pool, "SHOW client_encoding"), "UTF8");
  EXPECT_EQ(QueryOne(*pool, "SHOW application_name"), "organisations");
  EXPECT_EQ(QueryOne(*pool, "SHOW statement_timeout"), "2500ms");
  EXPECT_EQ(QueryOne(*pool, "SHOW TimeZone"), "UTC");
}

TEST(PgPool, LeaseReturnsItsConnectionWithoutAnOpenTransaction) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  Script(*pool, "CREATE TABLE notes (body text)");
  {
    absl::StatusOr<Lease> lease = pool->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(lease->session().ExecScript("BEGIN; INSERT INTO notes VALUES ('draft')").ok());
  }
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM notes"), "0");
}

}  // namespace
}  // namespace coopnet::pg
