// gatewaybench: what the gateway costs, measured beside what it cannot be faster than.
//
// Starts, in this process, the organisations and events services on real PostgreSQL and
// Redis (the test harness's, or servers of its own), an echo EventService answering
// GetEvent from memory, and two gateways: one in front of events, one in front of echo.
// Then, one run each on this machine:
//   - gRPC GetEvent of a cached public event at 1, 16 and 64 calls in flight: echo, the
//     events service directly, the gateway in front of events, the gateway in front of
//     echo; ratios against echo.
//   - HTTP GET of the same event with wrk at 16 and 64 connections: nginx serving the
//     same JSON as a static file, the gateway in front of events and in front of echo;
//     ratios against nginx.
// Prints one `scenario=... key=value ...` line per measurement. Not a test: it asserts
// nothing, and the figures depend on the machine. Needs `wrk` and `nginx` (Debian).
//
//   gatewaybench [--seconds=5s]
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/server/health.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tools/loadgen/get_event_load.h"

extern char** environ;

namespace coopnet::gatewaybench {
namespace {

using loadgen::Figures;
namespace ev = events::v1;

[[noreturn]] void Die(absl::string_view what) {
  std::cerr << "gatewaybench: " << what << std::endl;
  std::exit(1);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    Die("no free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    Die(absl::StrCat("cannot run ", args[0], " (apt-get install ", args[0], ")"));
  }
  return pid;
}

// nginx serving `body` at `path` from a folder of its own, until destroyed.
class StaticServer {
 public:
  StaticServer(const std::string& path, const std::string& body) : port_(FreePort()) {
    char pattern[] = "/tmp/gatewaybench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) Die("no temporary folder");
    dir_ = pattern;
    // nginx's workers run as nobody when started by root.
    chmod(dir_.c_str(), 0755);
    const std::filesystem::path file = std::filesystem::path(dir_) / "www" / path.substr(1);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << body;
    for (auto p = file.parent_path(); p.string().size() > dir_.size(); p = p.parent_path()) {
      chmod(p.c_str(), 0755);
    }
    chmod(file.c_str(), 0644);
    std::ofstream(dir_ + "/nginx.conf") << absl::StrFormat(
        "worker_processes 2;\npid %s/nginx.pid;\nerror_log %s/error.log;\n"
        "events { worker_connections 1024; }\n"
        "http { access_log off; server { listen 127.0.0.1:%d; "
        "location / { root %s/www; default_type application/json; } } }\n",
        dir_, dir_, port_, dir_);
    pid_ = Spawn({"nginx", "-p", dir_, "-c", dir_ + "/nginx.conf", "-g", "daemon off;"});
    // Ready once it answers; bounded.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Wrk(path, 2, absl::Seconds(1)).empty()) {
      if (absl::Now() > deadline) Die("nginx did not answer within 10 s");
    }
  }
  ~StaticServer() {
    kill(pid_, SIGQUIT);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }

  // The output of wrk against this server: "" when nothing answered.
  std::string Wrk(const std::string& path, int connections, absl::Duration duration) const;

  int port() const { return port_; }

 private:
  int port_;
  std::string dir_;
  pid_t pid_ = 0;
};

struct HttpFigures {
  double qps = 0;
  std::string p50, p99;
  int64_t errors = 0;
};

// Runs wrk for `duration` at `connections` against http://127.0.0.1:port`path`.
HttpFigures RunWrk(int port, const std::string& path, int connections, absl::Duration duration) {
  const std::string command =
      absl::StrFormat("wrk -t2 -c%d -d%ds --latency http://127.0.0.1:%d%s 2>&1", connections,
                      std::max<int64_t>(1, absl::ToInt64Seconds(duration)), port, path);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Die("cannot run wrk (apt-get install wrk)");
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  pclose(pipe);
  HttpFigures figures;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() >= 2 && words[0] == "Requests/sec:") {
      (void)absl::SimpleAtod(words[1], &figures.qps);
    } else if (words.size() >= 2 && words[0] == "50%") {
      figures.p50 = std::string(words[1]);
    } else if (words.size() >= 2 && words[0] == "99%") {
      figures.p99 = std::string(words[1]);
    } else if (words.size() == 5 && words[0] == "Non-2xx") {  // Non-2xx or 3xx responses: N
      (void)absl::SimpleAtoi(words[4], &figures.errors);
    }
  }
  return figures;
}

std::string StaticServer::Wrk(const std::string& path, int connections,
                              absl::Duration duration) const {
  return RunWrk(port_, path, connections, duration).qps > 0 ? "ok" : "";
}

void PrintHttp(absl::string_view scenario, int connections, const HttpFigures& f,
               const HttpFigures* baseline) {
  std::string line = absl::StrFormat("scenario=%s connections=%d qps=%.0f p50=%s p99=%s", scenario,
                                     connections, f.qps, f.p50, f.p99);
  if (baseline != nullptr) {
    absl::StrAppendFormat(&line, " baseline=nginx ratio=%.2f", f.qps / baseline->qps);
  }
  if (f.errors > 0) absl::StrAppend(&line, " non_2xx=", f.errors);
  std::cout << line << std::endl;
}

int Main(int argc, char** argv) {
  config::Loader config("gatewaybench");
  const auto& seconds = config.Duration("seconds", absl::Seconds(5), "length of each run");
  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) Die(s.message());
  if (config.HelpRequested()) return 0;
  log::Init("gatewaybench", log::Level::kWarn);

  // The services, and one published event read once so that it is cached.
  testing::TestDatabase organisations_db, events_db;
  testing::EventsStack backends(organisations_db.dsn(), events_db.dsn(),
                                testing::SharedRedisAddress());
  ev::Event event;
  auto organisations = backends.organisations()->Stub();
  organisations::v1::Organisation organiser;
  {
    grpc::ClientContext context;
    testing::EventsStack::Sign(context, principal::Admin());
    organisations::v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = testing::seeds::KofoedsSkole();
    if (!organisations->CreateOrganisation(&context, request, &organiser).ok()) Die("organisation");
  }
  auto events = backends.Stub();
  {
    grpc::ClientContext context;
    testing::EventsStack::Sign(context, principal::Admin());
    ev::CreateEventRequest request;
    *request.mutable_event() = testing::seeds::CopenhagenInfoMeeting(organiser.name());
    if (!events->CreateEvent(&context, request, &event).ok()) Die("event");
    grpc::ClientContext publish_context;
    testing::EventsStack::Sign(publish_context, principal::Admin());
    ev::PublishEventRequest publish;
    publish.set_name(event.name());
    if (!events->PublishEvent(&publish_context, publish, &event).ok()) Die("publish");
    grpc::ClientContext read_context;
    testing::EventsStack::Sign(read_context, principal::Anonymous());
    ev::GetEventRequest read;
    read.set_name(event.name());
    if (!events->GetEvent(&read_context, read, &event).ok()) Die("read");
  }

  loadgen::EchoEventService echo(event);
  // A gateway in front of echo waits for echo's health, like any backend's.
  server::HealthService echo_health({});
  echo_health.SetServing(true);
  grpc::ServerBuilder builder;
  int echo_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo_port);
  builder.RegisterService(&echo);
  builder.RegisterService(&echo_health);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  if (echo_server == nullptr) Die("echo server did not start");

  testing::GatewayStack gateway(testing::BackendsOf(backends));
  std::vector<gateway::BackendAddress> echo_backends = testing::BackendsOf(backends);
  echo_backends[1].address = absl::StrCat("127.0.0.1:", echo_port);
  testing::GatewayStack echo_gateway(echo_backends);

  const principal::Signer::Sealed anonymous =
      principal::Signer(testing::kTestSecret).Seal(principal::Anonymous("203.0.113.9"));
  const std::vector<std::pair<std::string, std::string>> signed_anonymous = {
      {principal::kPrincipalKey, anonymous.bytes}, {principal::kSignatureKey, anonymous.signature}};
  std::cout << absl::StrFormat("# gatewaybench: cached GetEvent, %s per run, %d cores",
                               absl::FormatDuration(seconds), std::thread::hardware_concurrency())
            << std::endl;
  for (int concurrency : {1, 16, 64}) {
    const int channels = std::min(concurrency, 4);
    struct Target {
      const char* scenario;
      int port;
      const std::vector<std::pair<std::string, std::string>>* metadata;
    };
    const std::vector<std::pair<std::string, std::string>> none;
    const std::vector<Target> targets = {{"echo", echo_port, &none},
                                         {"events_direct", backends.port(), &signed_anonymous},
                                         {"gateway_grpc", gateway.grpc_port(), &none},
                                         {"gateway_grpc_echo", echo_gateway.grpc_port(), &none}};
    Figures baseline;
    for (const Target& target : targets) {
      auto stubs = loadgen::Stubs(target.port, channels);
      // Warm up connections, caches and the allocator first.
      loadgen::LoadGetEvent(stubs, *target.metadata, event.name(), concurrency,
                            absl::Milliseconds(500));
      const Figures figures =
          loadgen::LoadGetEvent(stubs, *target.metadata, event.name(), concurrency, seconds);
      const bool is_echo = std::string(target.scenario) == "echo";
      if (is_echo) baseline = figures;
      std::cout << loadgen::GetLine(target.scenario, concurrency, figures,
                                    is_echo ? nullptr : &baseline)
                << std::endl;
    }
  }

  const std::string path = absl::StrCat("/v1/", event.name());
  const testing::HttpReply answer = gateway.Http("GET", path);
  if (answer.status != 200) Die(absl::StrCat("gateway HTTP: ", answer.status, " ", answer.body));
  StaticServer nginx(path, answer.body);
  for (int connections : {16, 64}) {
    RunWrk(nginx.port(), path, connections, absl::Seconds(1));
    const HttpFigures baseline = RunWrk(nginx.port(), path, connections, seconds);
    PrintHttp("nginx_static", connections, baseline, nullptr);
    RunWrk(gateway.http_port(), path, connections, absl::Seconds(1));
    PrintHttp("gateway_http", connections, RunWrk(gateway.http_port(), path, connections, seconds),
              &baseline);
    PrintHttp("gateway_http_echo", connections,
              RunWrk(echo_gateway.http_port(), path, connections, seconds), &baseline);
  }
  echo_health.Shutdown();
  echo_server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace coopnet::gatewaybench

int main(int argc, char** argv) { return coopnet::gatewaybench::Main(argc, argv); }
