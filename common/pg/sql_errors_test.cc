#include <gtest/gtest.h>

#include "common/pg/errors.h"
#include "common/pg/pg_testing.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::NewPool;
using test::Script;

class PgErrorsFromServer : public ::testing::Test {
 protected:
  void SetUp() override {
    Script(*pool_, R"sql(
      CREATE TABLE countries (code text PRIMARY KEY);
      INSERT INTO countries VALUES ('NO'), ('PL'), ('SE');
      CREATE TABLE organisations (
        id bigint PRIMARY KEY,
        vat_id text NOT NULL CONSTRAINT organisations_vat_id_key UNIQUE,
        country text NOT NULL CONSTRAINT organisations_country_fkey REFERENCES countries,
        staff int NOT NULL CONSTRAINT organisations_staff_check CHECK (staff >= 0)
      );
    )sql");
  }

  testing::TestDatabase db_;
  std::unique_ptr<Pool> pool_ = NewPool(db_.dsn());
  const Statement kInsert{"INSERT INTO organisations VALUES ($1, $2, $3, $4)"};
};

TEST_F(PgErrorsFromServer, UniqueViolationIsAlreadyExistsWithConstraintName) {
  ASSERT_TRUE(pool_->Exec(kInsert, 1, "NO123", "NO", 5).ok());
  absl::Status s = pool_->Exec(kInsert, 2, "NO123", "NO", 5).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(SqlStateOf(s), "23505");
  EXPECT_EQ(ConstraintOf(s), "organisations_vat_id_key");
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "UNIQUE_VIOLATION");
  // The duplicate value (DETAIL) stays out of the message.
  EXPECT_EQ(s.message().find("NO123"), absl::string_view::npos) << s;
}

TEST_F(PgErrorsFromServer, UniqueViolationInsideATransactionKeepsItsConstraint) {
  ASSERT_TRUE(pool_->Exec(kInsert, 1, "PL1", "PL", 5).ok());
  absl::Status s = pool_->InTransaction(
      [&](Transaction& tx) { return tx.Exec(kInsert, 2, "PL1", "PL", 1).status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(ConstraintOf(s), "organisations_vat_id_key");
}

TEST_F(PgErrorsFromServer, ForeignKeyViolationIsFailedPrecondition) {
  absl::Status s = pool_->Exec(kInsert, 1, "XX1", "XX", 5).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ConstraintOf(s), "organisations_country_fkey");
  EXPECT_EQ(status::GetErrorInfo(s)->reason(), "FOREIGN_KEY_VIOLATION");
}

TEST_F(PgErrorsFromServer, CheckViolationAndBadInputAreInvalidArgument) {
  absl::Status check = pool_->Exec(kInsert, 1, "SE1", "SE", -1).status();
  EXPECT_EQ(check.code(), absl::StatusCode::kInvalidArgument) << check;
  EXPECT_EQ(ConstraintOf(check), "organisations_staff_check");

  absl::Status not_a_number = pool_->Exec(kInsert, "one", "SE1", "SE", 1).status();
  EXPECT_EQ(not_a_number.code(), absl::StatusCode::kInvalidArgument) << not_a_number;
  EXPECT_EQ(SqlStateOf(not_a_number), "22P02");

  absl::Status too_big = pool_->Exec(kInsert, 1, "SE1", "SE", int64_t{1} << 40).status();
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument) << too_big;
}

TEST_F(PgErrorsFromServer, StatementTimeoutIsDeadlineExceeded) {
  std::unique_ptr<Pool> impatient =
      NewPool(db_.dsn(), {.statement_timeout = absl::Milliseconds(50)});
  absl::Status s = impatient->Exec(Statement("SELECT pg_sleep(5)")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(SqlStateOf(s), "57014");
  EXPECT_TRUE(impatient->Exec(Statement("SELECT 1")).ok());
}

TEST_F(PgErrorsFromServer, SyntaxErrorIsInternal) {
  absl::Status s = pool_->Exec(Statement("SELEKT 1")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(SqlStateOf(s), "42601");
}

}  // namespace
}  // namespace coopnet::pg
