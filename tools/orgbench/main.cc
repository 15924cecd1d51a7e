// orgbench: partner search at scale.
//
//   orgbench generate --dsn=... [--rows=1000000]
//     migrates the organisations database and fills it with generated organisations
//     (30 countries, names, themes and descriptions in 13 languages) straight through
//     SQL; a database that already holds --rows or more is left as it is.
//   orgbench search --address=HOST:PORT --principal_keys=... [--concurrency=1,16,64]
//     calls SearchOrganisations of the running service with text and two filters (a
//     place, a theme word, a typo'd theme word, a half-remembered name; with a country,
//     NUTS region, kind, theme or "looking for partners") and prints one line per
//     concurrency:
//
//   scenario=search_organisations concurrency=1 qps=97 p50_us=8124 p95_us=21640 p99_us=32297
//
// tools/bench runs both against a stack of its own.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "services/organisations/organisation_store.h"
#include "tools/loadgen/measure.h"
#include "tools/loadgen/program.h"
#include "tools/orgbench/directory_store.h"
#include "tools/orgbench/vocabulary.h"

namespace coopnet::orgbench {
namespace {

constexpr int64_t kBatch = 25000;

// Fills `pool`'s database up to `rows` organisations, `writers` batches at a time.
absl::Status Generate(pg::Pool& pool, int64_t rows, int writers) {
  COOPNET_RETURN_IF_ERROR(pg::Migrate(pool, organisations::Migrations()));
  COOPNET_ASSIGN_OR_RETURN(bool empty, loadgen::NeedsFilling(pool, "organisations", rows));
  if (!empty) return absl::OkStatus();
  // In the past, so that organisations created later sort after them.
  const absl::Time base = absl::Now() - absl::Milliseconds(rows) - absl::Hours(1);
  const int batches = static_cast<int>((rows + kBatch - 1) / kBatch);
  return loadgen::MakeInParallel(
      batches, writers, absl::StrCat("batches of ", kBatch, " organisations"), [&](int batch) {
        const int64_t first = 1 + batch * kBatch;
        return InsertGenerated(pool, first, std::min(kBatch, rows - first + 1), base);
      });
}

absl::Status GenerateInto(const std::string& dsn, int64_t rows, int64_t writers) {
  if (dsn.empty()) return absl::InvalidArgumentError("generate needs --dsn");
  COOPNET_ASSIGN_OR_RETURN(
      std::unique_ptr<pg::Pool> pool,
      pg::Pool::Create({.dsn = dsn, .size = static_cast<int>(std::max<int64_t>(writers, 1))}));
  COOPNET_RETURN_IF_ERROR(Generate(*pool, rows, static_cast<int>(writers)));
  COOPNET_RETURN_IF_ERROR(Analyze(*pool));
  COOPNET_ASSIGN_OR_RETURN(std::vector<std::string> settings, ServerSettings(*pool));
  for (const std::string& line : settings) std::fprintf(stderr, "  %s\n", line.c_str());
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  loadgen::Program program("orgbench", {"generate", "search"});
  config::Loader& options = program.options();
  const std::string& dsn =
      options.String("dsn", "", "generate: the organisations database (libpq) to fill");
  const int64_t& rows = options.Int("rows", 1000000, "generate: organisations to generate");
  const int64_t& writers = options.Int("writers", 2, "generate: batches written at once");
  const int64_t& queries = options.Int("queries", 1000, "search: distinct searches in the mix");
  const int64_t& seed = options.Int("seed", 7, "search: seed of the mix of searches");
  loadgen::Measurement measurement(options);
  if (!program.Start(argc, argv)) return program.exit_code();
  if (program.command() == "generate") return program.Exit(GenerateInto(dsn, rows, writers));
  if (absl::Status s = measurement.Check(); !s.ok()) return program.Exit(s, 2);
  loadgen::Workload search{
      .method = "/coopnet.organisations.v1.OrganisationService/SearchOrganisations",
      .request = loadgen::Cycle(QueryMix(static_cast<int>(queries), seed)),
      .metadata = measurement.Caller(principal::Anonymous("198.51.100.77"))};
  return measurement.Measure(search, "search_organisations");
}

}  // namespace
}  // namespace coopnet::orgbench

int main(int argc, char** argv) { return coopnet::orgbench::Main(argc, argv); }
