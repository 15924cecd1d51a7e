#include "common/pg/result.h"

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "common/pg/text_format.h"

namespace coopnet::pg {
namespace {

template <typename Int>
std::vector<Int> ToInts(const std::vector<std::optional<std::string>>& elements, bool* ok) {
  std::vector<Int> out;
  out.reserve(elements.size());
  for (const std::optional<std::string>& element : elements) {
    Int value = 0;
    if (element.has_value() && !absl::SimpleAtoi(*element, &value)) *ok = false;
    out.push_back(value);
  }
  return out;
}

}  // namespace

void Result::Clear::operator()(pg_result* result) const { PQclear(result); }

Result::Result(pg_result* result) : result_(result) {}

int Result::rows() const { return result_ ? PQntuples(result_.get()) : 0; }

int Result::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

int64_t Result::affected_rows() const {
  int64_t n = 0;
  if (result_ && absl::SimpleAtoi(PQcmdTuples(result_.get()), &n)) return n;
  return 0;
}

absl::string_view Result::Cell(int row, int column) const {
  if (row < 0 || row >= rows() || column < 0 || column >= columns()) {
    std::fprintf(stderr, "coopnet::pg::Result: cell (%d, %d) read from a result of %d x %d\n", row,
                 column, rows(), columns());
    std::abort();
  }
  return absl::string_view(PQgetvalue(result_.get(), row, column),
                           PQgetlength(result_.get(), row, column));
}

void Result::Misread(int row, int column, absl::string_view as) const {
  const absl::string_view value = Cell(row, column);
  std::fprintf(stderr, "coopnet::pg::Result: column %d (\"%s\") of row %d read as %s: \"%.*s\"\n",
               column, PQfname(result_.get(), column), row, std::string(as).c_str(),
               static_cast<int>(std::min<size_t>(value.size(), 80)), value.data());
  std::abort();
}

bool Result::IsNull(int row, int column) const {
  Cell(row, column);
  return PQgetisnull(result_.get(), row, column) == 1;
}

std::string Result::GetString(int row, int column) const { return std::string(Cell(row, column)); }

absl::string_view Result::GetStringView(int row, int column) const { return Cell(row, column); }

int32_t Result::GetInt32(int row, int column) const {
  if (IsNull(row, column)) return 0;
  int32_t value;
  if (!absl::SimpleAtoi(Cell(row, column), &value)) Misread(row, column, "int32");
  return value;
}

int64_t Result::GetInt64(int row, int column) const {
  if (IsNull(row, column)) return 0;
  int64_t value;
  if (!absl::SimpleAtoi(Cell(row, column), &value)) Misread(row, column, "int64");
  return value;
}

bool Result::GetBool(int row, int column) const {
  if (IsNull(row, column)) return false;
  const absl::string_view value = Cell(row, column);
  if (value == "t") return true;
  if (value == "f") return false;
  Misread(row, column, "bool");
}

double Result::GetDouble(int row, int column) const {
  if (IsNull(row, column)) return 0;
  double value;
  if (!absl::SimpleAtod(Cell(row, column), &value)) Misread(row, column, "double");
  return value;
}

std::string Result::GetBytes(int row, int column) const {
  if (IsNull(row, column)) return "";
  absl::StatusOr<std::string> bytes = text::ParseBytea(Cell(row, column));
  if (!bytes.ok()) Misread(row, column, "bytea");
  return *std::move(bytes);
}

absl::Time Result::GetTime(int row, int column) const {
  if (IsNull(row, column)) return absl::UnixEpoch();
  absl::StatusOr<absl::Time> time = text::ParseTimestamp(Cell(row, column));
  if (!time.ok()) Misread(row, column, "timestamptz");
  return *time;
}

std::vector<std::string> Result::GetStringArray(int row, int column) const {
  if (IsNull(row, column)) return {};
  auto elements = text::ParseArray(Cell(row, column));
  if (!elements.ok()) Misread(row, column, "a one-dimensional array");
  std::vector<std::string> out;
  out.reserve(elements->size());
  for (std::optional<std::string>& element : *elements) {
    out.push_back(element.has_value() ? std::move(*element) : std::string());
  }
  return out;
}

std::vector<int32_t> Result::GetInt32Array(int row, int column) const {
  if (IsNull(row, column)) return {};
  auto elements = text::ParseArray(Cell(row, column));
  bool ok = elements.ok();
  std::vector<int32_t> out;
  if (ok) out = ToInts<int32_t>(*elements, &ok);
  if (!ok) Misread(row, column, "int32[]");
  return out;
}

std::vector<int64_t> Result::GetInt64Array(int row, int column) const {
  if (IsNull(row, column)) return {};
  auto elements = text::ParseArray(Cell(row, column));
  bool ok = elements.ok();
  std::vector<int64_t> out;
  if (ok) out = ToInts<int64_t>(*elements, &ok);
  if (!ok) Misread(row, column, "int64[]");
  return out;
}

}  // namespace coopnet::pg
