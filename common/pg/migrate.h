// coopnet::pg migrations — bringing a service's database to the schema its binary
// expects, safely from several replicas at once.
//
// Each service keeps migrations/NNNN_name.sql; coopnet_migrations() in CMake embeds them
// as `Migrations()`. At start-up, before serving:
//
//   COOPNET_RETURN_IF_ERROR(pg::Migrate(*pool, organisations::Migrations()));
//
// and in the health check: `pg::IsMigrated(*pool, organisations::Migrations())`.
//
// A migration runs in one transaction with its schema_migrations row, so it applies
// entirely or not at all. Its SQL must therefore not contain BEGIN/COMMIT nor what
// cannot run in a transaction (CREATE INDEX CONCURRENTLY). Released migrations are
// never edited: add a new one.
#ifndef COOPNET_COMMON_PG_MIGRATE_H_
#define COOPNET_COMMON_PG_MIGRATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pg/pool.h"

namespace coopnet::pg {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Applies the migrations the database lacks, in order, under a session-level advisory
// lock (key: FNV-1a 64 of "coopnet.migrations") so that concurrent migrators take turns
// and each version is applied once. Also creates schema_migrations and the request_log
// of request_log.h. FAILED_PRECONDITION, changing nothing, when versions are not
// strictly increasing, when the database has a version `migrations` lacks (a newer
// binary migrated it), or when a version is missing below one already applied. A
// failing migration leaves the earlier ones applied and returns its error, naming it.
// Waiting for the lock counts against the pool's statement_timeout, if any.
absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations);

// Whether every version in `migrations` has been applied (versions beyond them are
// fine: a newer replica of a rolling update got there first).
absl::StatusOr<bool> IsMigrated(Pool& pool, const std::vector<Migration>& migrations);

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_MIGRATE_H_
