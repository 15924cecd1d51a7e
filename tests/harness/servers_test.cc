#include "tests/harness/servers.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>

namespace coopnet::testing {
namespace {

// Runs `sql` on a new connection; returns the first value or the error text.
std::string QueryOne(const std::string& dsn, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PQerrorMessage(conn.get());
  return PQgetvalue(r.get(), 0, 0);
}

TEST(TestDatabase, IsFreshAndSpeaksUtf8) {
  TestDatabase db;
  EXPECT_EQ(QueryOne(db.dsn(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
  EXPECT_EQ(QueryOne(db.dsn(), "SELECT 'Kujawsko-Pomorskie, Örebro, Bærum'"),
            "Kujawsko-Pomorskie, Örebro, Bærum");
}

TEST(TestDatabase, TwoDatabasesDoNotShareTables) {
  TestDatabase a;
  TestDatabase b;
  ASSERT_EQ(QueryOne(a.dsn(), "CREATE TABLE only_in_a (x int); SELECT 1"), "1");
  EXPECT_NE(QueryOne(b.dsn(), "SELECT count(*) FROM only_in_a"), "0");
}

TEST(PostgresServer, RestartCutsConnectionsAndServesAgain) {
  PostgresServer server;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(server.dsn().c_str()), &PQfinish);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK);
  server.Restart();
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), "SELECT 1"), &PQclear);
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_EQ(QueryOne(server.dsn(), "SELECT 42"), "42");
}

}  // namespace
}  // namespace coopnet::testing
