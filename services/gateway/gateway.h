// coopnet::gateway::Gateway — the only door from outside: the gRPC port (generic
// forwarding, health, reflection), the HTTP/JSON port (routes, OpenAPI, CORS) and the
// metrics port, over one catalog of routed methods, one admission (keys, policies, rate
// limits) and one forwarder to the backends.
//
// The binary, the in-process test stack and the benchmark all run this:
//
//   GatewayOptions options;
//   options.backends = {{"coopnet.organisations.v1", "127.0.0.1:50051"},
//                       {"coopnet.events.v1", "127.0.0.1:50052"}};
//   options.principal_keys = keys;   // principal::KeySet with a key of issuer `gateway`
//   COOPNET_ASSIGN_OR_RETURN(std::unique_ptr<Gateway> gateway, Gateway::Start(options));
//   ...
//   gateway->Shutdown();  // on SIGTERM: drains, then cancels what is left
#ifndef COOPNET_SERVICES_GATEWAY_GATEWAY_H_
#define COOPNET_SERVICES_GATEWAY_GATEWAY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client/service_channel.h"
#include "common/metrics/metrics.h"
#include "common/redis/client.h"
#include "common/server/health.h"
#include "common/server/worker_pool.h"
#include "common/tls/tls.h"
#include "services/gateway/access.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/backends.h"
#include "services/gateway/forwarder.h"
#include "services/gateway/grpc_front.h"
#include "services/gateway/http_api.h"
#include "services/gateway/http_route.h"
#include "services/gateway/http_server.h"
#include "services/gateway/reflection.h"

namespace coopnet::gateway {

struct GatewayOptions {
  // Listen addresses; port 0 picks a free port. An empty metrics address turns it off.
  std::string grpc_address = "0.0.0.0:50050";
  std::string http_address = "0.0.0.0:8080";
  std::string metrics_address = "0.0.0.0:9100";
  // Which process answers which API package; must include coopnet.organisations.v1,
  // which checks API keys.
  std::vector<BackendAddress> backends;
  // TLS on both ports and to the backends (each backend's certificate must name its
  // service), or plaintext. Outside callers need no certificate of their own.
  tls::Transport transport;
  // Sign the principals the gateway sends: the first key of issuer `gateway`.
  principal::KeySet principal_keys;
  // The operators' bootstrap key; empty for none.
  std::string admin_key;
  // Redis of the shared rate-limit buckets (its address and credentials), and the prefix
  // of their keys.
  std::string redis_address = "127.0.0.1:16379";
  std::string redis_username;
  std::string redis_password;
  std::string bucket_prefix = "coopnet:gateway:bucket:";
  Limits limits;
  // How long an API key's check is trusted: revocation takes effect within it.
  absl::Duration key_cache_time = absl::Seconds(5);
  // The longest a unary call may take (a caller's shorter deadline wins).
  absl::Duration call_timeout = absl::Seconds(15);
  // How long an answer to an anonymous public read is given again to the same question
  // (see AnswerCache); zero asks the backend every time.
  absl::Duration anonymous_cache_time = absl::Seconds(1);
  // The most the answers kept for anonymous reads take, in bytes: half for gRPC's
  // answers, half for HTTP's as rendered.
  size_t answer_cache_bytes = 32 << 20;
  // The most the answers about API keys take, in bytes.
  size_t key_cache_bytes = 16 << 20;
  // How often the backends' health is asked.
  absl::Duration health_interval = absl::Seconds(1);
  // The largest request, in bytes, on either port.
  int64_t max_request_bytes = 1 << 20;
  FrontOptions front;
  // Origins of web portals that may call the HTTP port from browsers ("*": any).
  std::vector<std::string> cors_origins;
  int http_threads = 2;
  // What HTTP clients can hold: connections, and how long headers and bodies may take.
  HttpLimits http_limits;
  // Concurrent calls (HTTP/2 streams) on one gRPC connection.
  int grpc_max_streams = 100;
  // Threads that ask Redis for rate-limit tokens.
  int limit_workers = 4;
  absl::Duration max_connection_age = absl::Minutes(5);
  // How long calls in flight may finish after Shutdown begins.
  absl::Duration drain_timeout = absl::Seconds(20);
};

class Gateway {
 public:
  // Builds everything and starts serving. INVALID_ARGUMENT for a bad configuration;
  // UNAVAILABLE when a port cannot be bound.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_server_->port(); }
  int metrics_port() const { return exposer_ ? exposer_->Port() : 0; }
  // SERVING: every backend answers its health check.
  bool serving() const { return health_->serving(); }
  const ApiCatalog& catalog() const { return catalog_; }
  const RouteTable& routes() const { return routes_; }
  // What the answers kept for anonymous reads take now (both ports), in bytes: at most
  // options' answer_cache_bytes.
  size_t answer_cache_bytes() const;
  // What the answers about API keys take now, in bytes.
  size_t key_cache_bytes() const { return authenticator_->cache_bytes(); }
  // HTTP connections open now.
  int http_connections() const { return http_server_->open_connections(); }
  // Streams (Watch methods) open now, on both ports.
  int open_streams() const { return grpc_front_->streams().open(); }

  // Health NOT_SERVING; both ports stop taking calls and let those in flight finish until
  // the drain deadline; what is left is cancelled. Idempotent.
  void Shutdown();

 private:
  Gateway(GatewayOptions options, ApiCatalog catalog, Reflection reflection);
  absl::Status Serve();

  const GatewayOptions options_;
  Backends backends_;
  const ApiCatalog catalog_;
  const Reflection reflection_;
  // Built from catalog_ once it is in place: routes point at its methods.
  RouteTable routes_;
  std::unique_ptr<metrics::GrpcServerMetrics> grpc_metrics_;
  std::unique_ptr<metrics::Exposer> exposer_;
  // What /metrics reads of the parts below when scraped: cache bytes, connections, streams.
  std::shared_ptr<metrics::ScrapedGauges> gauges_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<client::ServiceChannel> organisations_;
  std::unique_ptr<HttpServer> http_server_;
  std::unique_ptr<Forwarder> forwarder_;
  std::unique_ptr<server::WorkerPool> limit_workers_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<KeyAuthenticator> authenticator_;
  std::unique_ptr<Access> access_;
  std::unique_ptr<GrpcFront> grpc_front_;
  std::unique_ptr<HttpApi> http_api_;
  std::unique_ptr<server::HealthService> health_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int grpc_port_ = 0;
  bool shut_down_ = false;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_GATEWAY_H_
