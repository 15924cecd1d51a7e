// coopnet::server — one way to run a coopnet gRPC service.
//
// A Server listens with keepalive and a maximum connection age (so that clients
// re-resolve and spread over new pods), serves grpc.health.v1 (NOT_SERVING until the
// readiness check passes: database reachable and migrated) and server reflection,
// counts every call in Prometheus with go-grpc-prometheus names, logs it as one JSON
// line with its trace id, and drains on SIGTERM: health turns NOT_SERVING, calls in
// flight get until the drain deadline, then the rest are cancelled.
//
// A service is a ServiceTable (service_table.h): each method of its proto beside the
// member function that handles it. Unary handlers run on a bounded worker pool with the
// verified caller (Server::Unary), never on gRPC's own threads:
//
//   int main() {
//     server::PrepareProcess();   // first, before any thread starts
//     server::Server server(options, keys);   // principal keys (COOPNET_PRINCIPAL_KEYS)
//     OrganisationService service(server, ...);   // fills its ServiceTable
//     server.Register(service.table());
//     server.SetReadinessCheck([&] { return pg::IsMigrated(...).status(); });
//     if (auto s = server.Start(); !s.ok()) ...
//     server.WaitForTermination();
//   }
#ifndef COOPNET_COMMON_SERVER_SERVER_H_
#define COOPNET_COMMON_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "common/principal/principal.h"
#include "common/server/health.h"
#include "common/server/worker_pool.h"

namespace coopnet::server {

class ServiceTable;

struct ServerOptions {
  // Short name for logs and metrics, e.g. `organisations`.
  std::string service_name;
  // ErrorInfo domain of every error, e.g. `organisations.coopnet`.
  std::string error_domain;
  // gRPC listen address; port 0 picks a free port (see Server::port()).
  std::string listen_address = "0.0.0.0:50051";
  // Prometheus exposer address; empty for none.
  std::string metrics_address;
  // What the gRPC port listens with (TLS, see common/tls); null for plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // Threads for blocking work: the size of the database pool.
  int workers = 8;
  // Calls that may wait for a worker before the server answers RESOURCE_EXHAUSTED.
  int queue_capacity = 512;
  // Connections are closed (gracefully) after this long so that clients rebalance.
  absl::Duration max_connection_age = absl::Minutes(5);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // How long calls in flight may finish after SIGTERM.
  absl::Duration drain_timeout = absl::Seconds(20);
  // How often readiness is checked.
  absl::Duration readiness_interval = absl::Seconds(2);
};

// What a handler knows about the call it serves.
struct Call {
  // The verified caller.
  principal::Principal principal;
  // From the `traceparent` header; empty when none came.
  std::string trace_id;
  // The `accept-language` metadata, as the gateway passed it on.
  std::string accept_language;
  absl::Time deadline = absl::InfiniteFuture();
  grpc::CallbackServerContext* context = nullptr;
};

// Readies a serving process; call first thing in main(), before any thread starts.
// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, so
// that WaitForTermination receives them. Turns off Abseil's mutex deadlock detection:
// Debian builds Abseil without NDEBUG, so otherwise every Lock() records itself in a
// process-wide lock graph (some 3 % of a registration's instructions). Tests keep it.
void PrepareProcess();

// Waits for SIGTERM or SIGINT (blocked by PrepareProcess) and names the one that came.
absl::string_view AwaitTerminationSignal();

// Gives `builder` what every coopnet gRPC server has: the connection ages and keepalive of
// `options`, and interceptors that count every call in `metrics` (which must outlive the
// server) and log it as one JSON line. Server::Start uses it; so does a server built
// without Server, such as the gateway's generic front.
void PrepareBuilder(const ServerOptions& options, metrics::GrpcServerMetrics& metrics,
                    grpc::ServerBuilder& builder);

class Server {
 public:
  // Accepts principals signed with `keys` for `options.service_name`, and signs this
  // service's own calls to others with the first key of that issuer, if it holds one.
  Server(ServerOptions options, principal::KeySet keys);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a service before Start(); its full name is what health checks ask for. Crashes
  // if the table leaves a method of its proto without a handler (a bug).
  void Register(ServiceTable& table);
  // The same for a service gRPC's generated code implements (tests); `full_name` is what
  // health checks ask for.
  void Register(grpc::Service* service, const std::string& full_name);

  // Checked every readiness_interval from Start() on: health is SERVING while it
  // returns OK. Without one, the server is ready as soon as it starts.
  void SetReadinessCheck(std::function<absl::Status()> check);

  // Binds, starts serving and starts the readiness loop.
  absl::Status Start();

  // The bound gRPC port (useful with port 0), and the metrics port (0 when off).
  int port() const { return port_; }
  int metrics_port() const { return exposer_ ? exposer_->Port() : 0; }

  // Runs `work` on the worker pool with the verified caller and finishes the call with
  // its status. Refuses without starting the work: UNAUTHENTICATED without a valid
  // principal, DEADLINE_EXCEEDED when the deadline passed before a worker was free,
  // CANCELLED when the client went away, RESOURCE_EXHAUSTED when the queue is full.
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  std::function<absl::Status(const Call&)> work);

  // Waits for SIGTERM or SIGINT (see PrepareProcess), then Shutdown().
  void WaitForTermination();

  // Health NOT_SERVING, then stop taking calls, letting those in flight finish until
  // the drain deadline. Idempotent.
  void Shutdown();

  // Calls waiting for a worker, and workers busy: for gauges and for tests.
  int queued_calls() const { return workers_ ? workers_->queued() : 0; }
  int busy_workers() const { return workers_ ? workers_->busy() : 0; }

  // The verified caller of an incoming call, which no other call may present again (see
  // principal::Verifier): what Unary does first, and what streaming handlers call.
  absl::StatusOr<principal::Principal> Authenticate(grpc::CallbackServerContext& context);

  HealthService& health() { return *health_; }
  // Signs this service's calls to other services; FAILED_PRECONDITION naming the setting
  // when the keys hold none of this service's own.
  absl::StatusOr<principal::Signer> signer() const;
  const ServerOptions& options() const { return options_; }

 private:
  void ReadinessLoop();

  const ServerOptions options_;
  const principal::KeySet keys_;
  principal::Verifier verifier_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::function<absl::Status()> readiness_check_;
  std::unique_ptr<metrics::GrpcServerMetrics> grpc_metrics_;
  std::unique_ptr<metrics::Exposer> exposer_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Notification stopping_;
  std::thread readiness_thread_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace coopnet::server

#endif  // COOPNET_COMMON_SERVER_SERVER_H_
