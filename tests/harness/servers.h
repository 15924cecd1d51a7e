// coopnet::testing — the real PostgreSQL and Redis servers tests talk to.
//
// tests/run.sh starts one PostgreSQL and one Redis for the whole run and names them in
// COOPNET_TEST_PG_DSN ("host=127.0.0.1 port=N user=postgres") and COOPNET_TEST_REDIS
// ("127.0.0.1:N"). A test binary run on its own (ctest, a debugger) starts its own pair
// instead, on first use. Each test takes a fresh database, so tests never see each
// other's rows; fault tests start private servers they may stop and restart.
//
//   testing::TestDatabase db;                         // CREATE DATABASE t_...
//   auto pool = pg::Pool::Create({.dsn = db.dsn()});  // ... DROP DATABASE at scope end
//
//   testing::PostgresServer pg;                       // private: pg.Restart() under load
#ifndef COOPNET_TESTS_HARNESS_SERVERS_H_
#define COOPNET_TESTS_HARNESS_SERVERS_H_

#include <string>
#include <vector>

namespace coopnet::testing {

// libpq keyword/value connection string of the run's PostgreSQL, without dbname.
const std::string& SharedPostgresDsn();

// "host:port" of the run's Redis.
const std::string& SharedRedisAddress();

// A string no other test process or test in this run uses: for Redis key prefixes,
// database names, request ids.
std::string UniqueName(const std::string& prefix);

// A new, empty database on the run's PostgreSQL, dropped (with its connections) when
// this goes out of scope.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // Connection string of the database.
  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string dsn_;
};

// A PostgreSQL server of this test's own (data in a temporary folder, a free port),
// started by the constructor and removed by the destructor. Fast, not durable.
class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Connection string without dbname; append " dbname=..." or use `dsn("postgres")`.
  std::string dsn(const std::string& database = "postgres") const;
  int port() const { return port_; }

  void Stop();
  void Start();
  // Stops with fast shutdown (every connection is cut) and starts again on the same port.
  void Restart();

 private:
  std::string dir_;
  int port_ = 0;
};

// A Redis server of this test's own, started by the constructor.
class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // "127.0.0.1:port".
  std::string address() const;
  int port() const { return port_; }

  void Stop();
  void Start();

 private:
  std::string dir_;
  int port_ = 0;
};

// A real SMTP server of this test's own (tests/harness/smtp_server.py on Debian's
// aiosmtpd), started by the constructor on a free port. It keeps every message it takes,
// as Python's `email` package reads it (see Received). A recipient whose local part starts
// with `refuse` is answered 550, with `later` 451.
struct SmtpServerOptions {
  // With both, STARTTLS is offered and required.
  std::string tls_cert = "";
  std::string tls_key = "";
  // With both, AUTH is required.
  std::string username = "";
  std::string password = "";
};

class SmtpServer {
 public:
  explicit SmtpServer(SmtpServerOptions options = {});
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  int port() const { return port_; }
  // `smtp://127.0.0.1:<port>`.
  std::string url() const;

  // Stops it (what it received stays) and starts it again on the same port.
  void Stop();
  void Start();

  // The messages received, oldest first, each as JSON: mail_from, rcpt_tos, subject,
  // from, to, reply_to, message_id, date (decoded), defects, parts (content_type,
  // params, filename, text), tls, authenticated.
  std::vector<std::string> Received() const;

 private:
  const SmtpServerOptions options_;
  std::string dir_;
  int port_ = 0;
  int pid_ = 0;
};

// What a shell command wrote (stdout and stderr) and its exit code (-1 when a signal
// ended it).
struct CommandResult {
  int exit_code = 0;
  std::string output;
};
CommandResult RunCommand(const std::string& command);

// A TCP port nobody listens on now.
int FreePort();

// Runs deploy/local/servers.sh with `args`; aborts the test binary with the script's
// output when it fails, since no test can mean anything without its servers.
std::string RunServersScript(const std::string& args);

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_SERVERS_H_
