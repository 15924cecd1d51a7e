#include "common/pg/migrate.h"

#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "common/pg/pg_testing.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::NewPool;
using test::QueryOne;

// Deliberately not idempotent: applied twice, each would fail or count twice.
std::vector<Migration> Schema() {
  return {
      {1, "create_counter",
       "CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0);"},
      {2, "count", "UPDATE counter SET n = n + 1;"},
      {3, "create_projects", "CREATE TABLE projects (id bigint PRIMARY KEY, title text);"},
  };
}

std::string Applied(Pool& pool) {
  return QueryOne(pool,
                  "SELECT string_agg(version || ':' || name, ',' ORDER BY version) "
                  "FROM schema_migrations");
}

TEST(PgMigrate, AppliesEachMissingVersionInOrderOnce) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  std::vector<Migration> first_release = Schema();
  first_release.pop_back();
  ASSERT_TRUE(Migrate(*pool, first_release).ok());
  EXPECT_EQ(Applied(*pool), "1:create_counter,2:count");

  absl::Status s = Migrate(*pool, Schema());
  ASSERT_TRUE(s.ok()) << s;
  s = Migrate(*pool, Schema());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Applied(*pool), "1:create_counter,2:count,3:create_projects");
  EXPECT_EQ(QueryOne(*pool, "SELECT n FROM counter"), "1");
  EXPECT_EQ(QueryOne(*pool, "SELECT count(*) FROM schema_migrations WHERE applied_at <= now()"),
            "3");
}

// Advisory locks held on this test's database: the server is shared by tests running at
// the same time, whose migrations hold locks of their own.
constexpr char kAdvisoryLocksHere[] =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

TEST(PgMigrate, CreatesTheRequestLogAndReleasesItsLock) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn(), {.size = 1});
  ASSERT_TRUE(Migrate(*pool, {}).ok());
  EXPECT_EQ(QueryOne(*pool, "SELECT to_regclass('request_log') IS NOT NULL"), "t");
  EXPECT_EQ(QueryOne(*pool, kAdvisoryLocksHere), "0");
}

TEST(PgMigrate, ConcurrentMigratorsApplyEachVersionOnce) {
  testing::TestDatabase db;
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<Pool>> pools;
  for (int i = 0; i < kReplicas; ++i) pools.push_back(NewPool(db.dsn(), {.size = 1}));
  std::latch start(kReplicas);
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = Migrate(*pools[i], Schema());
    });
  }
  for (std::thread& replica : replicas) replica.join();
  for (const absl::Status& result : results) EXPECT_TRUE(result.ok()) << result;
  EXPECT_EQ(Applied(*pools[0]), "1:create_counter,2:count,3:create_projects");
  EXPECT_EQ(QueryOne(*pools[0], "SELECT n FROM counter"), "1");
}

TEST(PgMigrate, RefusesADatabaseWithAVersionItDoesNotKnow) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  ASSERT_TRUE(Migrate(*pool, Schema()).ok());
  std::vector<Migration> older = Schema();
  older.pop_back();
  absl::Status s = Migrate(*pool, older);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "SCHEMA_TOO_NEW");
  // An older replica still reports healthy during a rolling update.
  EXPECT_EQ(IsMigrated(*pool, older).value_or(false), true);
}

TEST(PgMigrate, RefusesVersionsThatAreNotStrictlyIncreasing) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  std::vector<Migration> twice = {{1, "a", "SELECT 1;"}, {1, "b", "SELECT 1;"}};
  EXPECT_EQ(Migrate(*pool, twice).code(), absl::StatusCode::kFailedPrecondition);
  std::vector<Migration> backwards = {{2, "a", "SELECT 1;"}, {1, "b", "SELECT 1;"}};
  EXPECT_EQ(Migrate(*pool, backwards).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(QueryOne(*pool, "SELECT to_regclass('schema_migrations') IS NULL"), "t");
}

TEST(PgMigrate, RefusesAMissingVersionBelowAnAppliedOne) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  std::vector<Migration> schema = Schema();
  ASSERT_TRUE(Migrate(*pool, {schema[0], schema[2]}).ok());
  absl::Status s = Migrate(*pool, schema);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "MIGRATION_OUT_OF_ORDER");
  EXPECT_EQ(QueryOne(*pool, "SELECT n FROM counter"), "0");
}

TEST(PgMigrate, FailedMigrationLeavesNoTraceAndNamesItself) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  std::vector<Migration> schema = Schema();
  schema.push_back(
      {4, "broken", "CREATE TABLE half_done (x int); INSERT INTO nowhere VALUES (1);"});
  absl::Status s = Migrate(*pool, schema);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("migration 4 (broken) failed"), absl::string_view::npos) << s;
  EXPECT_EQ(SqlStateOf(s), "42P01");
  EXPECT_EQ(Applied(*pool), "1:create_counter,2:count,3:create_projects");
  EXPECT_EQ(QueryOne(*pool, "SELECT to_regclass('half_done') IS NULL"), "t");
  EXPECT_EQ(QueryOne(*pool, kAdvisoryLocksHere), "0");
}

TEST(PgMigrate, IsMigratedOnlyWhenEveryKnownVersionIsApplied) {
  testing::TestDatabase db;
  std::unique_ptr<Pool> pool = NewPool(db.dsn());
  EXPECT_EQ(IsMigrated(*pool, Schema()).value_or(true), false);
  std::vector<Migration> first = Schema();
  first.pop_back();
  ASSERT_TRUE(Migrate(*pool, first).ok());
  EXPECT_EQ(IsMigrated(*pool, Schema()).value_or(true), false);
  ASSERT_TRUE(Migrate(*pool, Schema()).ok());
  EXPECT_EQ(IsMigrated(*pool, Schema()).value_or(false), true);
}

TEST(PgMigrate, IsMigratedIsUnavailableWhileTheServerIsDown) {
  testing::PostgresServer server;
  std::unique_ptr<Pool> pool = NewPool(server.dsn());
  server.Stop();
  EXPECT_EQ(IsMigrated(*pool, Schema()).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace coopnet::pg
