// What the Kubernetes manifests promise of every process, shown on the real binaries:
// when the pod is told to stop (SIGTERM) under load, health turns NOT_SERVING, the calls
// in flight finish, new calls are refused, and the process exits 0 within its drain
// deadline; and Prometheus (`promtool check metrics`) accepts its /metrics page.
//
// Calls are held in flight deterministically: a session of the test locks every table
// of the service's database, so each call that reaches PostgreSQL waits on the lock
// (seen in pg_stat_activity) until the test commits, after the SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/harness/servers.h"
#include "tests/harness/service_process.h"
#include "tests/harness/wait.h"
#include "tools/cli/call.h"

extern char** environ;

namespace coopnet {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kDrain = absl::Seconds(10);
constexpr int kCallsInFlight = 12;

// One binary run as a child process with only the COOPNET_* settings it is given (the
// rest of the environment is kept), its output in a log file.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& settings, const std::string& log)
      : log_(log) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!absl::StartsWith(*entry, "COOPNET_")) env.emplace_back(*entry);
    }
    for (const auto& [name, value] : settings) env.push_back(absl::StrCat(name, "=", value));
    std::vector<std::string> argv = {binary};
    argv.insert(argv.end(), args.begin(), args.end());

    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
    auto pointers = [](std::vector<std::string>& strings) {
      std::vector<char*> out;
      for (auto& s : strings) out.push_back(s.data());
      out.push_back(nullptr);
      return out;
    };
    auto argv_pointers = pointers(argv);
    auto env_pointers = pointers(env);
    const int error = posix_spawn(&pid_, binary.c_str(), &files, nullptr, argv_pointers.data(),
                                  env_pointers.data());
    posix_spawn_file_actions_destroy(&files);
    if (error != 0) {
      ADD_FAILURE() << "cannot start " << binary << ": " << strerror(error);
      pid_ = 0;
    }
  }

  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }

  // The exit status once the process has ended, or nullopt if it has not within
  // `timeout`; -signal when a signal ended it.
  std::optional<int> AwaitExit(absl::Duration timeout) {
    int status = 0;
    const bool ended =
        testing::WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!ended) return std::nullopt;
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  std::string Log() const {
    std::ostringstream text;
    text << std::ifstream(log_).rdbuf();
    return text.str();
  }

 private:
  pid_t pid_ = 0;
  std::string log_;
};

// A session of its own on the service's database.
class Session {
 public:
  explicit Session(const std::string& dsn) : connection_(PQconnectdb(dsn.c_str())) {}
  ~Session() { PQfinish(connection_); }

  // The first column of the first row, or the error.
  std::string Query(const std::string& sql) {
    PGresult* result = PQexec(connection_, sql.c_str());
    std::string out;
    const auto status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      out = PQgetvalue(result, 0, 0);
    } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      out = absl::StrCat("ERROR: ", PQerrorMessage(connection_));
    }
    PQclear(result);
    return out;
  }

 private:
  PGconn* connection_;
};

std::string Address() { return absl::StrCat("127.0.0.1:", testing::FreePort()); }

std::string Fetch(const std::string& url) {
  testing::CommandResult got = testing::RunCommand(absl::StrCat("curl -sf ", url));
  return got.exit_code == 0 ? got.output : "";
}

// promtool's verdict on `page`: empty when it accepts it.
std::string PromtoolComplaints(const std::string& page, const std::string& dir) {
  const std::string file = absl::StrCat(dir, "/metrics.txt");
  std::ofstream(file) << page;
  testing::CommandResult verdict =
      testing::RunCommand(absl::StrCat("promtool check metrics < ", file));
  if (verdict.exit_code == 0) return "";
  return verdict.output.empty() ? "promtool failed without a word" : verdict.output;
}

struct Case {
  std::string name;    // the binary under test
  std::string method;  // a call that reads the database
  std::string request;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class DrainTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    // The calls below come as an operator, signed with the first key: the gateway's.
    setenv("COOPNET_PRINCIPAL_KEYS", testing::kTestKeys.c_str(), 1);
    char dir_template[] = "/tmp/coopnet-drain-XXXXXX";
    dir_ = mkdtemp(dir_template);
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf ", dir_).c_str()); }

  static std::string Binary(const std::string& name) {
    return absl::StrCat(COOPNET_BINARY_DIR, "/services/", name, "/", name);
  }

  std::map<std::string, std::string> Common() const {
    return {{"COOPNET_PRINCIPAL_KEYS", testing::kTestKeys},
            {"COOPNET_MANAGE_TOKEN_SECRET", testing::kTestManageTokenSecret},
            {"COOPNET_REDIS_ADDRESS", testing::SharedRedisAddress()},
            {"COOPNET_DRAIN_TIMEOUT", absl::StrCat(absl::ToInt64Seconds(kDrain), "s")}};
  }

  // Starts a service on `database`, migrated, and waits for SERVING.
  std::unique_ptr<ChildProcess> StartService(const std::string& name,
                                             const testing::TestDatabase& database,
                                             std::string& grpc_address,
                                             std::string& metrics_address) {
    grpc_address = Address();
    metrics_address = Address();
    auto settings = Common();
    settings["COOPNET_PG_DSN"] = database.dsn();
    settings["COOPNET_GRPC_ADDRESS"] = grpc_address;
    settings["COOPNET_METRICS_ADDRESS"] = metrics_address;
    settings["COOPNET_MIGRATE_AT_START"] = "true";
    // Peers: none of the calls here needs one; the addresses only have to be valid.
    for (const char* peer : {"ORGANISATIONS", "EVENTS"}) {
      settings[absl::StrCat("COOPNET_", peer, "_ADDRESS")] = "127.0.0.1:1";
    }
    auto process = std::make_unique<ChildProcess>(Binary(name), std::vector<std::string>{"serve"},
                                                  settings, absl::StrCat(dir_, "/", name, ".log"));
    EXPECT_TRUE(AwaitServing(grpc_address)) << name << " not SERVING:\n" << process->Log();
    return process;
  }

  static bool AwaitServing(const std::string& address) {
    auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    auto stub = grpc::health::v1::Health::NewStub(channel);
    return testing::WaitUntil(
        [&] {
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
          HealthCheckResponse response;
          return stub->Check(&context, HealthCheckRequest(), &response).ok() &&
                 response.status() == HealthCheckResponse::SERVING;
        },
        absl::Seconds(60));
  }

  std::string dir_;
};

// Drives `process` (serving at `address`) through SIGTERM with calls held in flight by a
// lock on every table of `locked`, and checks what the manifests promise.
void DrainUnderLoad(ChildProcess& process, const std::string& address,
                    const testing::TestDatabase& locked, const Case& c) {
  Session locker(locked.dsn());
  ASSERT_EQ(locker.Query("BEGIN"), "");
  const std::string tables = locker.Query(
      "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
      "WHERE schemaname = 'public'");
  ASSERT_FALSE(tables.empty());
  ASSERT_EQ(locker.Query(absl::StrCat("LOCK TABLE ", tables, " IN ACCESS EXCLUSIVE MODE")), "");

  // The health watch a load balancer keeps open.
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext watch_context;
  watch_context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  auto watch = health->Watch(&watch_context, HealthCheckRequest());
  HealthCheckResponse seen;
  ASSERT_TRUE(watch->Read(&seen));
  ASSERT_EQ(seen.status(), HealthCheckResponse::SERVING);

  // The load: calls that wait on the lock.
  std::vector<cli::CallResult> results(kCallsInFlight);
  std::vector<std::thread> callers;
  // Whatever fails below, the lock goes and the callers end before this returns.
  absl::Cleanup release = [&] {
    locker.Query("COMMIT");
    for (auto& caller : callers) {
      if (caller.joinable()) caller.join();
    }
  };
  for (auto& result : results) {
    callers.emplace_back(
        [&] { result = cli::CallJson(*channel, c.method, c.request, 2 * kDrain); });
  }
  Session observer(locked.dsn());
  const bool waiting = testing::WaitUntil(
      [&] {
        return observer.Query(
                   "SELECT count(*) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND wait_event_type = 'Lock'") != "0";
      },
      absl::Seconds(20));
  ASSERT_TRUE(waiting) << "no call of " << c.method << " reached the database";

  const absl::Time signalled = absl::Now();
  process.Signal(SIGTERM);
  ASSERT_TRUE(watch->Read(&seen)) << "the health watch ended without NOT_SERVING";
  EXPECT_EQ(seen.status(), HealthCheckResponse::NOT_SERVING);

  // A new call, on a new connection, is refused while the others are still in flight.
  auto late_channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  cli::CallResult late;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        late = cli::CallJson(*late_channel, c.method, c.request, absl::Seconds(1));
        return late.status.error_code() == grpc::StatusCode::UNAVAILABLE;
      },
      absl::Seconds(5)))
      << "a call after SIGTERM was not refused: " << late.status.error_code() << " "
      << late.status.error_message();
  EXPECT_FALSE(process.AwaitExit(absl::ZeroDuration()).has_value())
      << "exited with calls still in flight";

  ASSERT_EQ(locker.Query("COMMIT"), "");
  std::move(release).Invoke();
  for (const auto& result : results) {
    EXPECT_TRUE(result.status.ok())
        << c.method << " in flight at SIGTERM ended " << result.status.error_code() << ": "
        << result.status.error_message();
  }
  const std::optional<int> code = process.AwaitExit(kDrain + absl::Seconds(5));
  ASSERT_TRUE(code.has_value()) << "still running " << kDrain + absl::Seconds(5)
                                << " after SIGTERM";
  EXPECT_EQ(*code, 0) << process.Log();
  std::cout << c.name << " exited " << absl::Now() - signalled << " after SIGTERM" << std::endl;
  EXPECT_LT(absl::Now() - signalled, kDrain + absl::Seconds(2)) << "exit took past the drain";
}

TEST_P(DrainTest, SigtermUnderLoadFinishesCallsInFlightRefusesNewOnesAndExitsZero) {
  const Case& c = GetParam();
  testing::TestDatabase database;
  std::string address, metrics;
  auto process = StartService(c.name, database, address, metrics);
  ASSERT_FALSE(HasFailure());

  // Some traffic first, so that the metrics page shows calls too.
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(cli::CallJson(*channel, c.method, c.request).status.ok());
  const std::string page = Fetch(absl::StrCat("http://", metrics, "/metrics"));
  ASSERT_TRUE(absl::StrContains(page, "grpc_server_handled_total")) << page;
  EXPECT_TRUE(absl::StrContains(page, "\nprocess_resident_memory_bytes ")) << page;
  EXPECT_EQ(PromtoolComplaints(page, dir_), "");

  DrainUnderLoad(*process, address, database, c);
}

INSTANTIATE_TEST_SUITE_P(
    EveryService, DrainTest,
    ::testing::Values(Case{"organisations",
                           "coopnet.organisations.v1.OrganisationService/"
                           "ListOrganisations",
                           "{}"},
                      Case{"events", "coopnet.events.v1.EventService/ListEvents", "{}"},
                      Case{"registrations",
                           "coopnet.registrations.v1.RegistrationService/ExportPersonalData",
                           R"({"email": "anna.kowalska@example.org"})"},
                      Case{"funding", "coopnet.funding.v1.FundingService/ListProgrammes", "{}"}),
    [](const auto& info) { return info.param.name; });

// The gateway in front of the organisations service: its calls in flight wait on the
// backend's database.
class GatewayDrainTest : public DrainTest {};

TEST_F(GatewayDrainTest, SigtermUnderLoadFinishesCallsInFlightRefusesNewOnesAndExitsZero) {
  const Case c{"gateway", "coopnet.organisations.v1.OrganisationService/ListOrganisations",
               R"({"pageSize": 7})"};
  testing::TestDatabase database;
  std::string backend, backend_metrics;
  auto organisations = StartService("organisations", database, backend, backend_metrics);
  ASSERT_FALSE(HasFailure());

  const std::string address = Address();
  const std::string http = Address();
  const std::string metrics = Address();
  auto settings = Common();
  settings["COOPNET_BACKENDS"] = absl::StrCat("coopnet.organisations.v1=", backend);
  settings["COOPNET_GRPC_ADDRESS"] = address;
  settings["COOPNET_HTTP_ADDRESS"] = http;
  settings["COOPNET_METRICS_ADDRESS"] = metrics;
  settings["COOPNET_ADMIN_KEY"] = "drain-test-admin-key-0123456789-0123456789";
  // Every call must reach the backend, not the gateway's answer cache.
  settings["COOPNET_ANONYMOUS_CACHE_TIME"] = "0s";
  ChildProcess gateway(Binary("gateway"), {}, settings, absl::StrCat(dir_, "/gateway.log"));
  ASSERT_TRUE(AwaitServing(address)) << gateway.Log();

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(cli::CallJson(*channel, c.method, c.request).status.ok());
  ASSERT_TRUE(absl::StartsWith(Fetch(absl::StrCat("http://", http, "/v1/organisations")), "{"));
  const std::string page = Fetch(absl::StrCat("http://", metrics, "/metrics"));
  ASSERT_TRUE(absl::StrContains(page, "grpc_server_handled_total")) << page;
  // The backend's answers, the HTTP port's and the process's, as operators chart them.
  EXPECT_TRUE(absl::StrContains(page,
                                "grpc_client_handled_total{grpc_code=\"OK\",grpc_method="
                                "\"ListOrganisations\",grpc_service=\"coopnet.organisations.v1."
                                "OrganisationService\",grpc_type=\"unary\"} 2\n"))
      << page;
  EXPECT_TRUE(absl::StrContains(
      page,
      "coopnet_http_requests_total{code=\"200\",method=\"GET\",route=\"/v1/organisations\"} 1\n"))
      << page;
  EXPECT_TRUE(absl::StrContains(page, "\nprocess_open_fds ")) << page;
  EXPECT_EQ(PromtoolComplaints(page, dir_), "");

  DrainUnderLoad(gateway, address, database, c);
}

}  // namespace
}  // namespace coopnet
