#include "tests/harness/servers.h"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace coopnet::testing {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "test harness: " << what << std::endl;
  std::abort();
}

std::string MakeTempFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "coopnet-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed");
  // The postgres user must reach the data folder inside.
  chmod(pattern.c_str(), 0755);
  return pattern;
}

void ExecOrFail(const std::string& dsn, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    Fail(absl::StrCat("cannot connect to ", dsn, ": ", PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    Fail(absl::StrCat(sql, ": ", PQerrorMessage(conn.get())));
  }
}

// The servers of a test binary run outside tests/run.sh, alive until exit.
struct OwnSharedServers {
  PostgresServer postgres;
  RedisServer redis;
};

OwnSharedServers& OwnShared() {
  static auto* servers = new OwnSharedServers();
  static const bool cleanup = [] {
    std::atexit([] { delete servers; });
    return true;
  }();
  (void)cleanup;
  return *servers;
}

}  // namespace

CommandResult RunCommand(const std::string& command) {
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) Fail("cannot run " + command);
  CommandResult result;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string RunServersScript(const std::string& args) {
  const std::string command = absl::StrCat(COOPNET_SOURCE_DIR, "/deploy/local/servers.sh ", args);
  CommandResult run = RunCommand(command);
  if (run.exit_code != 0) Fail(absl::StrCat(command, " failed:\n", run.output));
  return run.output;
}

int FreePort() {
  int port = 0;
  std::string out = RunServersScript("free-port");
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(out), &port)) Fail("no free port: " + out);
  return port;
}

SmtpServer::SmtpServer(SmtpServerOptions options)
    : options_(std::move(options)), dir_(MakeTempFolder()), port_(FreePort()) {
  Start();
}

SmtpServer::~SmtpServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string SmtpServer::url() const { return absl::StrCat("smtp://127.0.0.1:", port_); }

void SmtpServer::Start() {
  if (pid_ != 0) return;
  std::vector<std::string> args = {
      "/usr/bin/python3", absl::StrCat(COOPNET_SOURCE_DIR, "/tests/harness/smtp_server.py"),
      absl::StrCat(port_), dir_};
  if (!options_.tls_cert.empty()) {
    args.insert(args.end(), {"--tls", options_.tls_cert, options_.tls_key});
  }
  if (!options_.username.empty()) {
    args.insert(args.end(), {"--auth", options_.username, options_.password});
  }
  int ready[2];
  if (pipe(ready) != 0) Fail("no pipe for the SMTP server");
  const pid_t pid = fork();
  if (pid < 0) Fail("cannot fork the SMTP server");
  if (pid == 0) {
    dup2(ready[1], STDOUT_FILENO);
    close(ready[0]);
    close(ready[1]);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(ready[1]);
  pid_ = pid;
  // It says "ready" once it listens; nothing, and it died.
  std::string said;
  char buffer[256];
  ssize_t n;
  while (said.find("ready\n") == std::string::npos &&
         (n = read(ready[0], buffer, sizeof buffer)) > 0) {
    said.append(buffer, static_cast<size_t>(n));
  }
  close(ready[0]);
  if (said.find("ready\n") == std::string::npos) Fail("the SMTP server did not start: " + said);
}

void SmtpServer::Stop() {
  if (pid_ == 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
}

std::vector<std::string> SmtpServer::Received() const {
  std::vector<std::string> received;
  for (int n = 1;; ++n) {
    std::ifstream in(absl::StrCat(dir_, "/", n, ".json"));
    if (!in) break;
    std::ostringstream text;
    text << in.rdbuf();
    received.push_back(text.str());
  }
  return received;
}

const std::string& SharedPostgresDsn() {
  static const std::string dsn = [] {
    const char* env = std::getenv("COOPNET_TEST_PG_DSN");
    return env != nullptr ? std::string(env) : OwnShared().postgres.dsn("");
  }();
  return dsn;
}

const std::string& SharedRedisAddress() {
  static const std::string address = [] {
    const char* env = std::getenv("COOPNET_TEST_REDIS");
    return env != nullptr ? std::string(env) : OwnShared().redis.address();
  }();
  return address;
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const uint32_t salt = std::random_device()();
  return absl::StrCat(prefix, "_", getpid(), "_", salt % 100000, "_", counter++);
}

TestDatabase::TestDatabase() : name_(UniqueName("t")) {
  ExecOrFail(SharedPostgresDsn() + " dbname=postgres", "CREATE DATABASE " + name_);
  dsn_ = absl::StrCat(SharedPostgresDsn(), " dbname=", name_);
}

TestDatabase::~TestDatabase() {
  ExecOrFail(SharedPostgresDsn() + " dbname=postgres",
             "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

PostgresServer::PostgresServer() : dir_(MakeTempFolder()), port_(FreePort()) { Start(); }

PostgresServer::~PostgresServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::dsn(const std::string& database) const {
  std::string dsn = absl::StrCat("host=127.0.0.1 port=", port_, " user=postgres");
  if (!database.empty()) absl::StrAppend(&dsn, " dbname=", database);
  return dsn;
}

void PostgresServer::Start() {
  RunServersScript(absl::StrCat("postgres-start ", dir_, "/pg ", port_, " fast"));
}

void PostgresServer::Stop() { RunServersScript(absl::StrCat("postgres-stop ", dir_, "/pg")); }

void PostgresServer::Restart() { RunServersScript(absl::StrCat("postgres-restart ", dir_, "/pg")); }

RedisServer::RedisServer() : dir_(MakeTempFolder()), port_(FreePort()) { Start(); }

RedisServer::~RedisServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

void RedisServer::Start() {
  RunServersScript(absl::StrCat("redis-start ", dir_, "/redis ", port_));
}

void RedisServer::Stop() { RunServersScript(absl::StrCat("redis-stop ", dir_, "/redis")); }

}  // namespace coopnet::testing
