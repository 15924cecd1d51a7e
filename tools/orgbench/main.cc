// orgbench: partner search at scale. Generates a directory of organisations (a million by
// default) straight into PostgreSQL, then calls SearchOrganisations with text and two
// filters through the real gRPC service, one call at a time and 16 at a time, for a
// fixed duration each, and prints one line per run:
//
//   scenario=search_1m concurrency=1 qps=212 p50_us=4310 p95_us=9120 p99_us=14020
//
//   orgbench                                    # own PostgreSQL and Redis, service in-process
//   orgbench --rows=10000 --duration=5s         # a quick run
//   orgbench --dsn="host=... dbname=orgbench"   # an existing database, migrated here
//   orgbench --dsn=... --address=127.0.0.1:50051 --principal_secret=...  # a running service
//
// A database that already holds at least --rows organisations is searched as it is, so a
// second run skips the generation.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/organisations/organisation_store.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/servers.h"
#include "tools/orgbench/directory_store.h"
#include "tools/orgbench/vocabulary.h"

extern char** environ;

namespace coopnet::orgbench {
namespace {

using organisations::v1::OrganisationService;
using organisations::v1::SearchOrganisationsRequest;
using organisations::v1::SearchOrganisationsResponse;

constexpr int64_t kBatch = 50000;

// What one run measured.
struct Run {
  int concurrency = 0;
  absl::Duration elapsed;
  std::vector<int64_t> latencies_us;  // of the calls that succeeded
  int64_t errors = 0;
  int64_t empty = 0;    // successful calls that found nothing
  int64_t results = 0;  // organisations on the first pages, summed
  std::string first_error;
};

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * sorted.size()));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string ScenarioName(int64_t rows) {
  if (rows >= 1000000 && rows % 1000000 == 0) return absl::StrCat("search_", rows / 1000000, "m");
  if (rows >= 1000 && rows % 1000 == 0) return absl::StrCat("search_", rows / 1000, "k");
  return absl::StrCat("search_", rows);
}

// Calls SearchOrganisations from `concurrency` threads, each starting its next call when
// the last one answered, taking the queries of `mix` in turn, for `duration`.
Run Load(const std::shared_ptr<grpc::Channel>& channel, const principal::Signer& signer,
         const std::vector<SearchOrganisationsRequest>& mix, int concurrency,
         absl::Duration duration) {
  std::atomic<size_t> next{0};
  std::vector<Run> per_thread(concurrency);
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      Run& run = per_thread[t];
      auto stub = OrganisationService::NewStub(channel);
      while (absl::Now() < end) {
        const SearchOrganisationsRequest& request = mix[next++ % mix.size()];
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        signer.Attach(principal::Anonymous("198.51.100.77"), context);
        SearchOrganisationsResponse response;
        const absl::Time sent = absl::Now();
        grpc::Status s = stub->SearchOrganisations(&context, request, &response);
        const int64_t us = absl::ToInt64Microseconds(absl::Now() - sent);
        if (!s.ok()) {
          if (run.errors++ == 0) run.first_error = s.error_message();
          continue;
        }
        run.latencies_us.push_back(us);
        run.results += response.results_size();
        if (response.results_size() == 0) ++run.empty;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Run total;
  total.concurrency = concurrency;
  total.elapsed = absl::Now() - start;
  for (Run& run : per_thread) {
    total.latencies_us.insert(total.latencies_us.end(), run.latencies_us.begin(),
                              run.latencies_us.end());
    total.errors += run.errors;
    total.empty += run.empty;
    total.results += run.results;
    if (total.first_error.empty()) total.first_error = run.first_error;
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  return total;
}

void Print(const std::string& scenario, const Run& run) {
  const double seconds = absl::ToDoubleSeconds(run.elapsed);
  const size_t calls = run.latencies_us.size();
  std::printf("scenario=%s concurrency=%d qps=%.0f p50_us=%lld p95_us=%lld p99_us=%lld\n",
              scenario.c_str(), run.concurrency, calls / seconds,
              static_cast<long long>(Percentile(run.latencies_us, 0.50)),
              static_cast<long long>(Percentile(run.latencies_us, 0.95)),
              static_cast<long long>(Percentile(run.latencies_us, 0.99)));
  std::fprintf(stderr,
               "  %zu searches in %.1f s, %lld errors, %lld found nothing, %.1f results per "
               "first page, max %lld us%s%s\n",
               calls, seconds, static_cast<long long>(run.errors),
               static_cast<long long>(run.empty),
               calls > 0 ? static_cast<double>(run.results) / calls : 0.0,
               static_cast<long long>(run.latencies_us.empty() ? 0 : run.latencies_us.back()),
               run.first_error.empty() ? "" : "; first error: ", run.first_error.c_str());
  std::fflush(stdout);
}

// Settings for a million rows on our own throwaway server: the table and its index in
// memory, room for the bulk load's WAL.
absl::Status TuneOwnServer(testing::PostgresServer& server) {
  COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> admin,
                           pg::Pool::Create({.dsn = server.dsn("postgres"), .size = 1}));
  COOPNET_RETURN_IF_ERROR(admin->Run([](pg::Session& session) -> absl::Status {
    for (const char* setting : {"ALTER SYSTEM SET shared_buffers = '4GB'",
                                "ALTER SYSTEM SET effective_cache_size = '8GB'",
                                "ALTER SYSTEM SET maintenance_work_mem = '512MB'",
                                "ALTER SYSTEM SET max_wal_size = '8GB'",
                                "ALTER SYSTEM SET checkpoint_timeout = '30min'"}) {
      COOPNET_RETURN_IF_ERROR(session.ExecScript(setting));
    }
    return session.ExecScript("CREATE DATABASE orgbench");
  }));
  admin.reset();
  server.Restart();
  return absl::OkStatus();
}

absl::Status Generate(pg::Pool& pool, int64_t rows) {
  COOPNET_RETURN_IF_ERROR(pg::Migrate(pool, organisations::Migrations()));
  COOPNET_ASSIGN_OR_RETURN(int64_t existing, CountOrganisations(pool));
  if (existing >= rows) {
    std::fprintf(stderr, "orgbench: searching the %lld organisations already there\n",
                 static_cast<long long>(existing));
    return absl::OkStatus();
  }
  if (existing > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database holds ", existing, " organisations, fewer than --rows=", rows,
                     ": give an empty database or one with at least that many"));
  }
  // In the past, so that organisations created later sort after them.
  const absl::Time base = absl::Now() - absl::Milliseconds(rows) - absl::Hours(1);
  const absl::Time start = absl::Now();
  for (int64_t first = 1; first <= rows; first += kBatch) {
    COOPNET_RETURN_IF_ERROR(InsertGenerated(pool, first, std::min(kBatch, rows - first + 1), base));
    std::fprintf(stderr, "orgbench: %lld of %lld organisations in %.0f s\n",
                 static_cast<long long>(std::min(rows, first + kBatch - 1)),
                 static_cast<long long>(rows), absl::ToDoubleSeconds(absl::Now() - start));
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  config::Loader loader("orgbench");
  const std::string& dsn = loader.String(
      "dsn", "", "PostgreSQL database (libpq) to generate into and search; empty starts one");
  const int64_t& rows = loader.Int("rows", 1000000, "organisations to generate");
  const absl::Duration& duration =
      loader.Duration("duration", absl::Seconds(30), "how long each concurrency runs");
  const absl::Duration& warmup =
      loader.Duration("warmup", absl::Seconds(10), "searches before measuring, to fill caches");
  const std::string& address = loader.String(
      "address", "", "host:port of a running organisations service; empty serves in-process");
  const std::string& secret =
      loader.Secret("principal_secret", "", "secret that signs principals; needed with --address");
  const std::string& concurrencies =
      loader.String("concurrency", "1,16", "calls in flight of each run, comma-separated");
  const int64_t& queries = loader.Int("queries", 1000, "distinct searches in the mix");
  const int64_t& seed = loader.Int("seed", 7, "seed of the mix of searches");
  if (absl::Status s = loader.Load(argc, argv, environ); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  if (loader.HelpRequested()) return 0;
  std::vector<int> runs;
  for (absl::string_view part : absl::StrSplit(concurrencies, ',')) {
    int concurrency = 0;
    if (!absl::SimpleAtoi(part, &concurrency) || concurrency < 1) {
      std::cerr << "orgbench: --concurrency must list whole numbers from 1, got " << concurrencies
                << "\n";
      return 2;
    }
    runs.push_back(concurrency);
  }
  if (!address.empty() && secret.size() < principal::kMinSecretBytes) {
    std::cerr << "orgbench: --address needs --principal_secret (32 bytes or more)\n";
    return 2;
  }

  std::unique_ptr<testing::PostgresServer> own_server;
  std::string database = dsn;
  if (database.empty()) {
    std::fprintf(stderr, "orgbench: starting PostgreSQL\n");
    own_server = std::make_unique<testing::PostgresServer>();
    if (absl::Status s = TuneOwnServer(*own_server); !s.ok()) {
      std::cerr << "orgbench: " << s << "\n";
      return 1;
    }
    database = own_server->dsn("orgbench");
  }
  {
    auto pool = pg::Pool::Create({.dsn = database, .size = 2});
    absl::Status s = pool.ok() ? Generate(**pool, rows) : pool.status();
    if (s.ok()) s = Analyze(**pool);
    if (s.ok()) {
      absl::StatusOr<std::vector<std::string>> settings = ServerSettings(**pool);
      for (const std::string& line : settings.ok() ? *settings : std::vector<std::string>()) {
        std::fprintf(stderr, "  %s\n", line.c_str());
      }
    }
    if (!s.ok()) {
      std::cerr << "orgbench: " << s << "\n";
      return 1;
    }
  }

  // Declared after the database server, so that they stop before it.
  std::unique_ptr<testing::RedisServer> redis;
  std::unique_ptr<testing::OrganisationsStack> stack;
  std::shared_ptr<grpc::Channel> channel;
  std::string signing_secret = secret;
  if (address.empty()) {
    redis = std::make_unique<testing::RedisServer>();
    stack = std::make_unique<testing::OrganisationsStack>(database, redis->address());
    channel = stack->channel();
    signing_secret = testing::kTestSecret;
  } else {
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  const principal::Signer signer(signing_secret);
  const std::vector<SearchOrganisationsRequest> mix = QueryMix(queries, seed);
  const std::string scenario = ScenarioName(rows);

  std::fprintf(stderr, "orgbench: warming up for %s\n", absl::FormatDuration(warmup).c_str());
  Load(channel, signer, mix, 2, warmup);
  for (int concurrency : runs) Print(scenario, Load(channel, signer, mix, concurrency, duration));
  return 0;
}

}  // namespace
}  // namespace coopnet::orgbench

int main(int argc, char** argv) { return coopnet::orgbench::Main(argc, argv); }
