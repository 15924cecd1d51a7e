// The benchmark's directory in PostgreSQL: organisations generated in bulk, straight into
// the organisations service's tables (migrations applied first), from the vocabulary.
//
//   COOPNET_RETURN_IF_ERROR(InsertGenerated(pool, /*first=*/1, /*count=*/50000, base));
//   COOPNET_RETURN_IF_ERROR(Analyze(pool));
#ifndef COOPNET_TOOLS_ORGBENCH_DIRECTORY_STORE_H_
#define COOPNET_TOOLS_ORGBENCH_DIRECTORY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"

namespace coopnet::orgbench {

// Inserts organisations number `first` to `first + count - 1` in one INSERT ... SELECT:
// organisation n is made at `base` + n milliseconds (its id is the service's id for that
// time) and its every other value follows from n, so the same n always gives the same
// organisation. Realistic rather than uniform: a country, one of its cities and a NUTS 3
// region; a kind (NGOs most often); a name of an organisation word of the country's
// language, a made-up word and the city; two themes; an English and a local description
// naming them and the city; working languages, SDGs, experience and whether it looks for
// partners.
absl::Status InsertGenerated(pg::Pool& pool, int64_t first, int64_t count, absl::Time base);

// VACUUM ANALYZE of what search reads, so that its GIN index has no pending entries and the
// planner knows the data.
absl::Status Analyze(pg::Pool& pool);

// `name = setting` lines of the server settings that decide the figures.
absl::StatusOr<std::vector<std::string>> ServerSettings(pg::Pool& pool);

}  // namespace coopnet::orgbench

#endif  // COOPNET_TOOLS_ORGBENCH_DIRECTORY_STORE_H_
