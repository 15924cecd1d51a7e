// regbench: how many registrations a second the registrations service takes, beside
// pgbench running the same SQL shape (a conditional seat UPDATE and an INSERT in one
// transaction) on the same PostgreSQL in the same run, then a check that nothing was
// overbooked.
//
// Serves the organisations, events and registrations processes in-process (the test
// stack) on a PostgreSQL and Redis of its own (or --pg_dsn / --redis_address), publishes
// --events events plus one hot event, and measures, in --rounds turns of --duration for
// pgbench and for the service each (so that both see the machine alike):
//   - spread: --concurrency callers registering one person each for a random one of the
//     --events events; pgbench the same with a random seat row;
//   - hot: the same callers all registering for the one hot event; pgbench the same on
//     one seat row;
// then fills an event of 100 seats with 1,000 callers at once, and checks every event:
// confirmed participants within capacity and equal to what the seat ledger says.
// Prints one `key=value` line per measurement and the ratios to pgbench. Not a test: it
// asserts nothing but the overbooking check, and figures depend on the machine.
//
//   regbench                       # own servers, 3 rounds of 5 s per side and scenario
//   regbench --rounds=1 --duration=3s   # a quick run
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

extern char** environ;

namespace coopnet::regbench {
namespace {

using registrations::v1::Registration;
using registrations::v1::RegistrationPolicy;

constexpr char kDatabasePrefix[] = "regbench_";
// Large enough that no measured run fills an event: both sides do the same work throughout.
constexpr int kUnfillable = 1000000;

[[noreturn]] void Die(absl::string_view what, const absl::Status& s = absl::OkStatus()) {
  std::cerr << "regbench: " << what << (s.ok() ? "" : ": ") << (s.ok() ? "" : s.message())
            << std::endl;
  std::exit(1);
}

// What the callers of one or more runs saw.
struct Figures {
  std::vector<double> latencies_us;
  int64_t errors = 0;
  absl::Duration elapsed;

  void Add(const Figures& run) {
    latencies_us.insert(latencies_us.end(), run.latencies_us.begin(), run.latencies_us.end());
    errors += run.errors;
    elapsed += run.elapsed;
  }
  int64_t registrations() const { return static_cast<int64_t>(latencies_us.size()); }
  double per_second() const {
    return static_cast<double>(latencies_us.size()) / absl::ToDoubleSeconds(elapsed);
  }
  double Percentile(double q) const {
    if (latencies_us.empty()) return 0;
    std::vector<double> sorted = latencies_us;
    const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
    std::nth_element(sorted.begin(), sorted.begin() + at, sorted.end());
    return sorted[at];
  }
};

// Connections the callers share, as a gateway's few connections carry many callers.
constexpr int kConnections = 16;

// `callers` threads registering one new person at a time for the event `pick` chooses,
// until `duration` has passed (once each when it is zero).
Figures Register(testing::RegistrationsStack& stack, int callers, absl::Duration duration,
                 const std::function<std::string(std::mt19937&)>& pick) {
  std::fprintf(stderr, "regbench: %d callers registering for %s\n", callers,
               absl::FormatDuration(duration).c_str());
  static std::atomic<int64_t> people{0};
  std::vector<std::unique_ptr<registrations::v1::RegistrationService::Stub>> stubs;
  for (int i = 0; i < std::min(callers, kConnections); ++i) stubs.push_back(stack.NewClient());
  std::vector<std::vector<double>> latencies(callers);
  std::atomic<int64_t> errors{0};
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + duration;
  const bool once = duration == absl::ZeroDuration();
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      registrations::v1::RegistrationService::Stub& stub = *stubs[c % stubs.size()];
      std::mt19937 random(c);
      for (int n = 0; once ? n < 1 : absl::Now() < end; ++n) {
        registrations::v1::CreateRegistrationRequest request;
        request.set_parent(pick(random));
        Registration& r = *request.mutable_registration();
        r.set_organisation_name("Foreningen Grøn Hverdag");
        r.set_organisation_country("DK");
        registrations::v1::Participant& p = *r.add_participants();
        p.set_given_name("Mette");
        p.set_family_name("Holm");
        p.set_email(absl::StrCat("p", people.fetch_add(1), "@bench.example"));
        grpc::ClientContext context;
        testing::RegistrationsStack::Sign(context, principal::Anonymous());
        Registration made;
        const absl::Time start = absl::Now();
        const grpc::Status s = stub.CreateRegistration(&context, request, &made);
        if (s.ok()) {
          latencies[c].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
        } else if (errors.fetch_add(1) < 3) {
          std::cerr << "regbench: " << s.error_message() << "\n";
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Figures f;
  for (const std::vector<double>& l : latencies) {
    f.latencies_us.insert(f.latencies_us.end(), l.begin(), l.end());
  }
  f.errors = errors.load();
  f.elapsed = absl::Now() - begin;
  return f;
}

// The same transaction as a registration's seat step, for pgbench: the seat row of
// `event` taken if it has room, and the registration inserted, committed together.
std::string PgbenchScript(const std::string& event) {
  return absl::StrCat(
      "\\set event ", event,
      "\n\\set n random(1, 2000000000)\n"
      "BEGIN;\n"
      "UPDATE seats SET taken = taken + 1 WHERE event_id = :event AND taken < capacity;\n"
      "INSERT INTO registrations (event_id, email)"
      " VALUES (:event, 'p' || :client_id || '.' || :n || '@bench.example');\n"
      "END;\n");
}

// pgbench's transactions a second for `script`, or why it could not say.
absl::StatusOr<double> Pgbench(const std::string& pgbench, const std::string& dsn,
                               const std::string& script, int clients, absl::Duration duration) {
  std::fprintf(stderr, "regbench: pgbench with %d clients for %s\n", clients,
               absl::FormatDuration(duration).c_str());
  char path[] = "/tmp/regbench-XXXXXX.sql";
  const int fd = mkstemps(path, 4);
  if (fd < 0) return absl::InternalError("cannot write the pgbench script");
  close(fd);
  std::ofstream(path) << script;
  const std::string command = absl::StrCat(pgbench, " -n -M prepared -c ", clients, " -j 2 -T ",
                                           std::max<int64_t>(1, absl::ToInt64Seconds(duration)),
                                           " -f ", path, " '", dsn, "' 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[512];
  while (pipe != nullptr && fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  const int exit = pipe != nullptr ? pclose(pipe) : -1;
  unlink(path);
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    double tps = 0;
    if (absl::ConsumePrefix(&line, "tps = ") &&
        absl::SimpleAtod(line.substr(0, line.find(' ')), &tps)) {
      return tps;
    }
  }
  return absl::InternalError(absl::StrCat("pgbench failed (exit ", exit, "): ", out));
}

// Runs pgbench with `script` and the service's callers with `pick` in turns, `rounds`
// times each, so that both see the same machine (others' load comes and goes), and
// prints the totals: registrations a second, pgbench's transactions a second, the ratio.
absl::Status Compare(absl::string_view scenario, testing::RegistrationsStack& stack,
                     const std::string& pgbench, const std::string& baseline,
                     const std::string& script, int callers, int rounds, absl::Duration duration,
                     const std::function<std::string(std::mt19937&)>& pick, double goal) {
  Figures service;
  double pgbench_transactions = 0;
  const int64_t batches_before = stack.process().desk->batches();
  for (int round = 0; round < rounds; ++round) {
    COOPNET_ASSIGN_OR_RETURN(double tps, Pgbench(pgbench, baseline, script, callers, duration));
    pgbench_transactions += tps * absl::ToDoubleSeconds(duration);
    service.Add(Register(stack, callers, duration, pick));
  }
  const double pgbench_tps = pgbench_transactions / (rounds * absl::ToDoubleSeconds(duration));
  const double ratio = pgbench_tps > 0 ? service.per_second() / pgbench_tps : 0;
  const int64_t batches = stack.process().desk->batches() - batches_before;
  std::printf(
      "scenario=%s concurrency=%d rounds=%d registrations=%lld errors=%lld "
      "registrations_per_s=%.0f p50_us=%.0f p99_us=%.0f registrations_per_batch=%.1f "
      "pgbench_tps=%.0f ratio=%.2f goal=%.1f %s\n",
      std::string(scenario).c_str(), callers, rounds,
      static_cast<long long>(service.registrations()), static_cast<long long>(service.errors),
      service.per_second(), service.Percentile(0.5), service.Percentile(0.99),
      batches > 0 ? static_cast<double>(service.registrations()) / batches : 0, pgbench_tps, ratio,
      goal, ratio >= goal ? "met" : "missed");
  std::fflush(stdout);
  return absl::OkStatus();
}

// Every event's confirmed participants against its capacity and its seat ledger; the
// events that break either.
absl::StatusOr<std::vector<std::string>> Overbooked(pg::Pool& pool) {
  const pg::Statement kCheck{
      "SELECT l.event_id, l.pool_seats[1], l.pool_confirmed[1],"
      "  coalesce(sum(r.participant_count) FILTER (WHERE r.state = 'CONFIRMED'), 0)"
      " FROM event_ledgers l LEFT JOIN registrations r ON r.event_id = l.event_id"
      " GROUP BY l.event_id, l.pool_seats, l.pool_confirmed"};
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(kCheck));
  std::vector<std::string> broken;
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t seats = r.GetInt64(row, 1);
    const int64_t ledger = r.GetInt64(row, 2);
    const int64_t confirmed = r.GetInt64(row, 3);
    if (confirmed > seats || confirmed != ledger) {
      broken.push_back(absl::StrCat(r.GetString(row, 0), " seats=", seats, " ledger=", ledger,
                                    " confirmed=", confirmed));
    }
  }
  std::printf("check=overbooking events=%d overbooked=%zu\n", r.rows(), broken.size());
  return broken;
}

std::string DatabaseDsn(const std::string& server, absl::string_view name) {
  return absl::StrCat(server, " dbname=", kDatabasePrefix, name);
}

absl::Status CreateDatabases(const std::string& server) {
  COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> admin,
                           pg::Pool::Create({.dsn = server + " dbname=postgres", .size = 1}));
  COOPNET_RETURN_IF_ERROR(admin->Run([](pg::Session& session) -> absl::Status {
    for (const char* name : {"organisations", "events", "registrations", "pgbench"}) {
      COOPNET_RETURN_IF_ERROR(session.ExecScript(
          absl::StrCat("DROP DATABASE IF EXISTS ", kDatabasePrefix, name, " WITH (FORCE)")));
      COOPNET_RETURN_IF_ERROR(
          session.ExecScript(absl::StrCat("CREATE DATABASE ", kDatabasePrefix, name)));
    }
    return absl::OkStatus();
  }));
  COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<pg::Pool> baseline,
                           pg::Pool::Create({.dsn = DatabaseDsn(server, "pgbench"), .size = 1}));
  return baseline->Run([](pg::Session& session) {
    return session.ExecScript(
        absl::StrCat("CREATE TABLE seats (event_id int PRIMARY KEY, capacity int NOT NULL,"
                     " taken int NOT NULL DEFAULT 0);"
                     "CREATE TABLE registrations (id bigserial PRIMARY KEY, event_id int NOT NULL,"
                     " email text NOT NULL, create_time timestamptz NOT NULL DEFAULT now());"
                     "INSERT INTO seats SELECT g, ",
                     kUnfillable, ", 0 FROM generate_series(0, 50) AS g;"));
  });
}

int Main(int argc, char** argv) {
  config::Loader loader("regbench");
  const std::string& pg_dsn = loader.String(
      "pg_dsn", "", "PostgreSQL server (libpq, without dbname); empty starts one of its own");
  const std::string& redis_address =
      loader.String("redis_address", "", "Redis host:port; empty starts one of its own");
  const absl::Duration& duration =
      loader.Duration("duration", absl::Seconds(5), "how long each run lasts");
  const int64_t& rounds =
      loader.Int("rounds", 3, "runs of pgbench and of the service, in turns, per scenario");
  const int64_t& callers = loader.Int("concurrency", 16, "calls in flight in each run");
  const int64_t& spread = loader.Int("events", 50, "events the spread run registers for");
  const int64_t& pool_size = loader.Int(
      "pg_pool_size", 8, "database connections and workers of the registrations process");
  const std::string& pgbench = loader.String("pgbench", "pgbench", "the pgbench program");
  if (absl::Status s = loader.Load(argc, argv, environ); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  if (loader.HelpRequested()) return 0;
  if (spread < 1 || spread > 50) Die("--events must be 1 to 50");
  // A log line per call would measure the logger.
  log::Init("regbench", log::Level::kWarn);

  std::unique_ptr<testing::PostgresServer> own_postgres;
  std::string server = pg_dsn;
  if (server.empty()) {
    std::fprintf(stderr, "regbench: starting PostgreSQL and Redis\n");
    own_postgres = std::make_unique<testing::PostgresServer>();
    server = own_postgres->dsn("");
  }
  if (absl::Status s = CreateDatabases(server); !s.ok()) Die("creating the databases", s);
  std::unique_ptr<testing::RedisServer> own_redis;
  std::string redis = redis_address;
  if (redis.empty()) {
    own_redis = std::make_unique<testing::RedisServer>();
    redis = own_redis->address();
  }
  testing::RegistrationsStack stack(
      DatabaseDsn(server, "organisations"), DatabaseDsn(server, "events"),
      DatabaseDsn(server, "registrations"), redis,
      {.workers = static_cast<int>(pool_size), .queue_capacity = 4096});

  const std::string organiser = stack.CreateOrganisation(testing::seeds::KofoedsSkole());
  RegistrationPolicy open;
  open.set_capacity(kUnfillable);
  open.set_waitlist_enabled(true);
  std::vector<std::string> events;
  for (int i = 0; i <= spread; ++i) {
    events.push_back(stack.PublishMeeting(organiser, 30 + i));
    stack.SetPolicy(events.back(), open);
  }
  const std::string hot = events.back();
  events.pop_back();
  const int concurrency = static_cast<int>(callers);
  const std::string baseline = DatabaseDsn(server, "pgbench");

  // A short warm-up fills the caches (events, prepared statements) before measuring.
  Register(stack, 2, absl::Seconds(1),
           [&](std::mt19937& random) { return events[random() % events.size()]; });
  absl::Status s = Compare(
      absl::StrCat("spread_", spread, "_events"), stack, pgbench, baseline,
      PgbenchScript(absl::StrCat("random(1, ", spread, ")")), concurrency, static_cast<int>(rounds),
      duration, [&](std::mt19937& random) { return events[random() % events.size()]; }, 0.5);
  if (s.ok()) {
    s = Compare(
        "hot_event", stack, pgbench, baseline, PgbenchScript("0"), concurrency,
        static_cast<int>(rounds), duration, [&](std::mt19937&) { return hot; }, 1.0);
  }
  if (!s.ok()) Die("pgbench", s);

  // A full house: 1,000 callers at once for 100 seats.
  RegistrationPolicy small;
  small.set_capacity(100);
  small.set_waitlist_enabled(true);
  const std::string full = stack.PublishMeeting(organiser, 90);
  stack.SetPolicy(full, small);
  Register(stack, 1000, absl::ZeroDuration(), [&](std::mt19937&) { return full; });
  {
    grpc::ClientContext context;
    testing::RegistrationsStack::Sign(context, principal::Admin());
    registrations::v1::GetRegistrationPolicyRequest request;
    request.set_name(full + "/registrationPolicy");
    RegistrationPolicy policy;
    const grpc::Status s = stack.Stub()->GetRegistrationPolicy(&context, request, &policy);
    if (!s.ok()) Die(s.error_message());
    std::printf("check=full_house callers=1000 seats=100 confirmed=%d waitlisted=%d\n",
                policy.seats().confirmed(), policy.seats().waitlisted());
  }

  absl::StatusOr<std::vector<std::string>> broken = Overbooked(stack.pool());
  if (!broken.ok()) Die("checking for overbooking", broken.status());
  for (const std::string& event : *broken) std::printf("overbooked %s\n", event.c_str());
  return broken->empty() ? 0 : 1;
}

}  // namespace
}  // namespace coopnet::regbench

int main(int argc, char** argv) { return coopnet::regbench::Main(argc, argv); }
