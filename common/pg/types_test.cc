#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "absl/time/clock.h"
#include "common/pg/pg_testing.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::NewPool;
using test::Script;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class PgTypes : public ::testing::Test {
 protected:
  testing::TestDatabase db_;
  std::unique_ptr<Pool> pool_ = NewPool(db_.dsn());
};

TEST_F(PgTypes, Utf8TextRoundTripsByteForByte) {
  const std::string text = "æøå ąęłńśźż åäö ÆØÅ ĄĘŁŃŚŹŻ ÅÄÖ — Kraków, Tromsø, Malmö";
  Script(*pool_, "CREATE TABLE names (id int PRIMARY KEY, name text NOT NULL)");
  ASSERT_TRUE(pool_->Exec(Statement("INSERT INTO names VALUES ($1, $2)"), 1, text).ok());
  absl::StatusOr<Result> r = pool_->Exec(
      Statement("SELECT name, octet_length(name), length(name) FROM names WHERE id = $1"), 1);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetString(0, 0), text);
  EXPECT_EQ(r->GetInt64(0, 1), static_cast<int64_t>(text.size()));
  EXPECT_EQ(r->GetInt64(0, 2), 55);  // characters, not bytes: the server read UTF-8
}

TEST_F(PgTypes, InvalidUtf8IsInvalidArgument) {
  absl::Status s = pool_->Exec(Statement("SELECT $1::text"), std::string("\xc3\x28")).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

TEST_F(PgTypes, StringArraysWithCommasQuotesAndBackslashesRoundTrip) {
  const std::vector<std::string> values = {"a,b",  "say \"hi\"", "C:\\dir\\",      "{x}",
                                           "NULL", "",           "  spaced out  ", "æøå,ąę"};
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("SELECT $1::text[], cardinality($1::text[]), ($1::text[])[5] IS NULL, "
                            "($1::text[])[3]"),
                  values);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->GetStringArray(0, 0), ElementsAreArray(values));
  EXPECT_EQ(r->GetInt32(0, 1), static_cast<int32_t>(values.size()));
  EXPECT_FALSE(r->GetBool(0, 2)) << "the text NULL must not become SQL NULL";
  EXPECT_EQ(r->GetString(0, 3), "C:\\dir\\");
}

TEST_F(PgTypes, ArraysFromTheServerParseIncludingNullsAndEmpty) {
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("SELECT ARRAY['x', NULL, 'y z', '']::text[], '{}'::text[], "
                            "ARRAY[1, NULL, -3]::int4[], '[0:1]={7,8}'::int8[]"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->GetStringArray(0, 0), ElementsAre("x", "", "y z", ""));
  EXPECT_THAT(r->GetStringArray(0, 1), ElementsAre());
  EXPECT_THAT(r->GetInt32Array(0, 2), ElementsAre(1, 0, -3));
  EXPECT_THAT(r->GetInt64Array(0, 3), ElementsAre(7, 8));
}

TEST_F(PgTypes, IntArraysRoundTripAndBindToAny) {
  Script(*pool_,
         "CREATE TABLE projects (id bigint PRIMARY KEY, code text NOT NULL);"
         "INSERT INTO projects SELECT n, 'P-' || n FROM generate_series(1, 10) n");
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("SELECT id FROM projects WHERE id = ANY($1) ORDER BY id"),
                  std::vector<int64_t>{9, 2, 4000000000, 5});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rows(), 3);
  EXPECT_EQ(r->GetInt64(2, 0), 9);
  r = pool_->Exec(Statement("SELECT count(*) FROM projects WHERE code = ANY($1)"),
                  std::vector<std::string>{"P-1", "P-10", "P-1,P-2"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetInt64(0, 0), 2);
  r = pool_->Exec(Statement("SELECT $1::int4[]"), std::vector<int32_t>{INT32_MIN, 0, INT32_MAX});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->GetInt32Array(0, 0), ElementsAre(INT32_MIN, 0, INT32_MAX));
}

TEST_F(PgTypes, ByteaRoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += bytes;
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("SELECT $1::bytea, length($1::bytea)"), Bytes(bytes));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetBytes(0, 0), bytes);
  EXPECT_EQ(r->GetInt32(0, 1), 512);
}

TEST_F(PgTypes, NumbersAndBoolsRoundTrip) {
  absl::StatusOr<Result> r = pool_->Exec(
      Statement("SELECT $1::int4, $2::int8, $3::int8, $4::float8, $5::float8, $6::float8, "
                "$7::float8, $8::bool, $9::bool"),
      INT32_MIN, INT64_MIN, INT64_MAX, 0.1, 1e300, -std::numeric_limits<double>::infinity(),
      std::nan(""), true, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetInt32(0, 0), INT32_MIN);
  EXPECT_EQ(r->GetInt64(0, 1), INT64_MIN);
  EXPECT_EQ(r->GetInt64(0, 2), INT64_MAX);
  EXPECT_EQ(r->GetDouble(0, 3), 0.1);
  EXPECT_EQ(r->GetDouble(0, 4), 1e300);
  EXPECT_EQ(r->GetDouble(0, 5), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(r->GetDouble(0, 6)));
  EXPECT_TRUE(r->GetBool(0, 7));
  EXPECT_FALSE(r->GetBool(0, 8));
}

TEST_F(PgTypes, EmptyOptionalIsNull) {
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("SELECT $1::text, $2::int8, $3::text"), std::optional<std::string>(),
                  std::optional<int64_t>(), std::optional<std::string>("set"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->IsNull(0, 0));
  EXPECT_EQ(r->GetString(0, 0), "");
  EXPECT_TRUE(r->IsNull(0, 1));
  EXPECT_EQ(r->GetInt64(0, 1), 0);
  EXPECT_FALSE(r->IsNull(0, 2));
  EXPECT_EQ(r->GetString(0, 2), "set");
}

TEST_F(PgTypes, TimestampsRoundTripToTheMicrosecond) {
  const absl::Time t = absl::FromUnixMicros(1714566896123456) + absl::Nanoseconds(789);
  absl::StatusOr<Result> r = pool_->Exec(
      Statement("SELECT $1::timestamptz, '2024-03-31 01:30:00.5+02'::timestamptz, now(), "
                "'infinity'::timestamptz, '0044-03-15 12:00:00 BC'::timestamp"),
      t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetTime(0, 0), absl::FromUnixMicros(1714566896123456));
  EXPECT_EQ(r->GetTime(0, 1),
            absl::FromCivil(absl::CivilSecond(2024, 3, 30, 23, 30, 0), absl::UTCTimeZone()) +
                absl::Milliseconds(500));
  EXPECT_LT(absl::AbsDuration(r->GetTime(0, 2) - absl::Now()), absl::Minutes(1));
  EXPECT_EQ(r->GetTime(0, 3), absl::InfiniteFuture());
  EXPECT_EQ(r->GetTime(0, 4),
            absl::FromCivil(absl::CivilSecond(-43, 3, 15, 12, 0, 0), absl::UTCTimeZone()));
}

TEST_F(PgTypes, AffectedRowsCountsChangedRows) {
  Script(*pool_,
         "CREATE TABLE grants (id int, open bool);"
         "INSERT INTO grants SELECT n, n % 2 = 0 FROM generate_series(1, 9) n");
  absl::StatusOr<Result> r =
      pool_->Exec(Statement("UPDATE grants SET open = $1 WHERE open"), false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->affected_rows(), 4);
  EXPECT_EQ(r->rows(), 0);
  r = pool_->Exec(Statement("DELETE FROM grants WHERE id > $1"), 7);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->affected_rows(), 2);
}

TEST_F(PgTypes, NulByteInTextIsInvalidArgument) {
  absl::Status s = pool_->Exec(Statement("SELECT $1::text"), std::string("a\0b", 3)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

TEST_F(PgTypes, WrongNumberOfArgumentsIsInternal) {
  const Statement kTwo{"SELECT $1::int + $2::int"};
  EXPECT_EQ(pool_->Exec(kTwo, 1).status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(pool_->Exec(kTwo, 1, 2, 3).status().code(), absl::StatusCode::kInternal);
  absl::StatusOr<Result> r = pool_->Exec(kTwo, 1, 2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->GetInt32(0, 0), 3);
}

TEST_F(PgTypes, StatementPreparedInAFailedTransactionStaysPrepared) {
  const Statement kDouble{"SELECT 2 * $1::int"};
  absl::Status s = pool_->InTransaction([&](Transaction& tx) -> absl::Status {
    COOPNET_RETURN_IF_ERROR(tx.Exec(kDouble, 1).status());
    return absl::CancelledError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<Result> r = pool_->Exec(kDouble, i);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->GetInt32(0, 0), 2 * i);
  }
}

}  // namespace
}  // namespace coopnet::pg
