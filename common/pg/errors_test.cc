#include "common/pg/errors.h"

#include <gtest/gtest.h>

#include "common/status/status.h"

namespace coopnet::pg {
namespace {

struct Case {
  const char* sqlstate;
  absl::StatusCode code;
  const char* reason;
};

TEST(PgErrors, SqlStatesMapToCodesAndReasons) {
  using C = absl::StatusCode;
  const Case cases[] = {
      {"23505", C::kAlreadyExists, "UNIQUE_VIOLATION"},
      {"23503", C::kFailedPrecondition, "FOREIGN_KEY_VIOLATION"},
      {"23514", C::kInvalidArgument, "CHECK_VIOLATION"},
      {"23502", C::kInvalidArgument, "NOT_NULL_VIOLATION"},
      {"22P02", C::kInvalidArgument, "DATA_EXCEPTION"},
      {"22001", C::kInvalidArgument, "DATA_EXCEPTION"},
      {"40001", C::kAborted, "SERIALIZATION_FAILURE"},
      {"40P01", C::kAborted, "DEADLOCK_DETECTED"},
      {"57014", C::kDeadlineExceeded, "QUERY_CANCELED"},
      {"57P01", C::kUnavailable, "DATABASE_UNAVAILABLE"},
      {"57P03", C::kUnavailable, "DATABASE_UNAVAILABLE"},
      {"08006", C::kUnavailable, "DATABASE_UNAVAILABLE"},
      {"53300", C::kResourceExhausted, "INSUFFICIENT_RESOURCES"},
      {"42601", C::kInternal, "DATABASE_ERROR"},
      {"XX000", C::kInternal, "DATABASE_ERROR"},
  };
  for (const Case& c : cases) {
    absl::Status s = SqlError(c.sqlstate, "boom");
    EXPECT_EQ(s.code(), c.code) << c.sqlstate;
    EXPECT_EQ(status::GetErrorInfo(s)->reason(), c.reason) << c.sqlstate;
    EXPECT_EQ(SqlStateOf(s), c.sqlstate);
    EXPECT_EQ(s.message(), absl::StrCat("boom (SQLSTATE ", c.sqlstate, ")"));
  }
}

TEST(PgErrors, ConstraintTravelsWithTheStatusButNotOverTheWire) {
  absl::Status s = SqlError("23505", "duplicate key", "organisations_vat_id_key");
  EXPECT_EQ(ConstraintOf(s), "organisations_vat_id_key");
  EXPECT_EQ(ConstraintOf(SqlError("23505", "duplicate key")), std::nullopt);
  EXPECT_EQ(SqlStateOf(absl::InternalError("not from the database")), std::nullopt);
  const grpc::Status wire = status::ToGrpc(s, "organisations.coopnet");
  EXPECT_EQ(wire.error_details().find("organisations_vat_id_key"), std::string::npos);
}

TEST(PgErrors, OnlySerializationFailureAndDeadlockAreRetryable) {
  EXPECT_TRUE(IsRetryable(SqlError("40001", "x")));
  EXPECT_TRUE(IsRetryable(SqlError("40P01", "x")));
  EXPECT_FALSE(IsRetryable(SqlError("23505", "x")));
  EXPECT_FALSE(IsRetryable(absl::AbortedError("not from the database")));
}

}  // namespace
}  // namespace coopnet::pg
