// coopnet::pg::Result — the rows a statement returned, read by row and column index.
//
//   COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(kGetOrganisation, id));
//   if (r.rows() == 0) return absl::NotFoundError(...);
//   org.set_display_name(r.GetString(0, 1));
//   if (!r.IsNull(0, 2)) org.set_parent(r.GetString(0, 2));
//   absl::Time created = r.GetTime(0, 3);
//
// Values are read from PostgreSQL's text output, which the pool pins to one form per
// connection (DateStyle ISO, TimeZone UTC, bytea_output hex). A NULL reads as the type's
// zero value ("", 0, false, absl::UnixEpoch(), {}): ask IsNull when NULL means something.
// The SQL fixes each column's type, so an accessor that disagrees with it (GetInt64 of a
// text column, a row past the end) is a bug in the caller that its first test finds;
// like absl::StatusOr::value() on an error it aborts, naming the column and the value,
// rather than return a wrong number.
#ifndef COOPNET_COMMON_PG_RESULT_H_
#define COOPNET_COMMON_PG_RESULT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// libpq's PGresult, without bringing libpq-fe.h into every store.
struct pg_result;

namespace coopnet::pg {

// The outcome of one statement. Move-only; owns its libpq result.
class Result {
 public:
  // No rows, no columns, nothing affected.
  Result() = default;
  // Takes ownership of a libpq result whose status is a success.
  explicit Result(pg_result* result);

  Result(Result&&) = default;
  Result& operator=(Result&&) = default;

  int rows() const;
  int columns() const;
  // Rows inserted, updated, deleted, merged, selected or copied; 0 for other commands.
  int64_t affected_rows() const;

  bool IsNull(int row, int column) const;

  // Any column, as PostgreSQL writes it, byte for byte.
  std::string GetString(int row, int column) const;
  absl::string_view GetStringView(int row, int column) const;  // valid while *this is

  int32_t GetInt32(int row, int column) const;      // int2, int4 (an int8 if it fits)
  int64_t GetInt64(int row, int column) const;      // int2, int4, int8, count(*)
  bool GetBool(int row, int column) const;          // boolean
  double GetDouble(int row, int column) const;      // float4, float8, numeric
  std::string GetBytes(int row, int column) const;  // bytea
  // timestamptz (or timestamp, taken as UTC) to the microsecond; ±infinity are
  // absl::InfiniteFuture() / absl::InfinitePast().
  absl::Time GetTime(int row, int column) const;

  // One-dimensional arrays; NULL elements read as "" and 0.
  std::vector<std::string> GetStringArray(int row, int column) const;  // text[], any[]
  std::vector<int32_t> GetInt32Array(int row, int column) const;       // int2[], int4[]
  std::vector<int64_t> GetInt64Array(int row, int column) const;       // int8[] too

 private:
  struct Clear {
    void operator()(pg_result* result) const;
  };

  // The text of a cell that exists; aborts on a row or column out of range.
  absl::string_view Cell(int row, int column) const;
  [[noreturn]] void Misread(int row, int column, absl::string_view as) const;

  std::unique_ptr<pg_result, Clear> result_;
};

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_RESULT_H_
