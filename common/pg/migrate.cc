#include "common/pg/migrate.h"

#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace coopnet::pg {
namespace {

constexpr uint64_t Fnv1a64(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// One key for every coopnet service: each has a database of its own, and advisory locks
// are per database.
constexpr int64_t kLockKey = static_cast<int64_t>(Fnv1a64("coopnet.migrations"));

constexpr absl::string_view kLibraryTables = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version int PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS request_log (
  scope text,
  request_id text,
  request_hash bytea NOT NULL,
  response bytea,
  create_time timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, request_id)
);
)sql";

const Statement kLock{"SELECT pg_advisory_lock($1::bigint)"};
const Statement kUnlock{"SELECT pg_advisory_unlock($1::bigint)"};
const Statement kTablesExist{
    "SELECT to_regclass('schema_migrations') IS NOT NULL "
    "AND to_regclass('request_log') IS NOT NULL"};
const Statement kApplied{"SELECT version FROM schema_migrations ORDER BY version"};
const Statement kRecord{"INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"};

absl::Status Refuse(absl::string_view reason, absl::string_view message) {
  return status::Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

// `status` with `prefix` before its message, keeping its code and payloads.
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

absl::Status CheckIncreasing(const std::vector<Migration>& migrations) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return Refuse(
          "MIGRATIONS_NOT_INCREASING",
          absl::StrCat("migration versions must be strictly increasing: ",
                       migrations[i - 1].version, " (", migrations[i - 1].name, ") is followed by ",
                       migrations[i].version, " (", migrations[i].name, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::set<int>> AppliedVersions(Session& session) {
  COOPNET_ASSIGN_OR_RETURN(Result applied, session.Exec(kApplied));
  std::set<int> versions;
  for (int row = 0; row < applied.rows(); ++row) versions.insert(applied.GetInt32(row, 0));
  return versions;
}

absl::Status MigrateLocked(Lease& lease, const std::vector<Migration>& migrations) {
  COOPNET_RETURN_IF_ERROR(lease.session().ExecScript(kLibraryTables));
  COOPNET_ASSIGN_OR_RETURN(const std::set<int> applied, AppliedVersions(lease.session()));
  std::set<int> known;
  for (const Migration& m : migrations) known.insert(m.version);
  for (int version : applied) {
    if (known.count(version) == 0) {
      return Refuse("SCHEMA_TOO_NEW",
                    absl::StrCat("the database has migration ", version,
                                 ", which this binary does not know: a newer release has "
                                 "migrated it, so this one must not run against it"));
    }
  }
  const int highest = applied.empty() ? 0 : *applied.rbegin();
  for (const Migration& m : migrations) {
    if (applied.count(m.version) == 0 && !applied.empty() && m.version < highest) {
      return Refuse("MIGRATION_OUT_OF_ORDER",
                    absl::StrCat("migration ", m.version, " (", m.name,
                                 ") is not applied although the later migration ", highest,
                                 " is; give a new migration a number above every released one"));
    }
  }
  for (const Migration& m : migrations) {
    if (applied.count(m.version) != 0) continue;
    absl::Status status = lease.InTransaction([&](Transaction& tx) -> absl::Status {
      COOPNET_RETURN_IF_ERROR(tx.ExecScript(m.sql));
      return tx.Exec(kRecord, m.version, m.name).status();
    });
    if (!status.ok()) {
      return Prefixed(status, absl::StrCat("migration ", m.version, " (", m.name, ") failed: "));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(Pool& pool, const std::vector<Migration>& migrations) {
  COOPNET_RETURN_IF_ERROR(CheckIncreasing(migrations));
  COOPNET_ASSIGN_OR_RETURN(Lease lease, pool.Acquire());
  COOPNET_RETURN_IF_ERROR(lease.session().Exec(kLock, kLockKey).status());
  const absl::Status status = MigrateLocked(lease, migrations);
  // A session-level lock outlives transactions; the connection must not go back to the
  // pool holding it. (If the connection broke, the server released it already.)
  const absl::Status unlocked = lease.session().Exec(kUnlock, kLockKey).status();
  return status.ok() ? unlocked : status;
}

absl::StatusOr<bool> IsMigrated(Pool& pool, const std::vector<Migration>& migrations) {
  bool migrated = false;
  COOPNET_RETURN_IF_ERROR(pool.Run([&](Session& session) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(Result exists, session.Exec(kTablesExist));
    if (!exists.GetBool(0, 0)) {
      migrated = false;
      return absl::OkStatus();
    }
    COOPNET_ASSIGN_OR_RETURN(const std::set<int> applied, AppliedVersions(session));
    migrated = true;
    for (const Migration& m : migrations) {
      if (applied.count(m.version) == 0) migrated = false;
    }
    return absl::OkStatus();
  }));
  return migrated;
}

}  // namespace coopnet::pg
