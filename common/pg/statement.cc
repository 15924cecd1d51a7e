#include "common/pg/statement.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace coopnet::pg {
namespace {

// FNV-1a: stable across processes and builds, which std::hash does not promise, so a
// statement keeps its name in pg_prepared_statements from one release to the next.
uint64_t Fnv1a64(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

Statement::Statement(absl::string_view sql)
    : name_(absl::StrCat("coopnet_", absl::Hex(Fnv1a64(sql), absl::kZeroPad16))), sql_(sql) {}

Statement::Statement(absl::string_view name, absl::string_view sql) : name_(name), sql_(sql) {}

}  // namespace coopnet::pg
