// The gateway process: gRPC on :50050, HTTP/JSON on :8080, metrics on :9100, in front of
// the backends COOPNET_BACKENDS names. It has no database; SIGTERM drains it.
#include <signal.h>

#include <iostream>

#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "services/gateway/gateway.h"

extern char** environ;

int main(int argc, char** argv) {
  using namespace coopnet;
  server::PrepareProcess();
  config::Loader config("gateway");
  const auto& grpc_address = config.String("grpc_address", "0.0.0.0:50050", "gRPC listen address");
  const auto& http_address =
      config.String("http_address", "0.0.0.0:8080", "HTTP/JSON listen address");
  const auto& metrics_address = config.String("metrics_address", "0.0.0.0:9100",
                                              "Prometheus /metrics address; empty turns it off");
  const auto& backends = config.String(
      "backends",
      "coopnet.organisations.v1=127.0.0.1:50051,coopnet.events.v1=127.0.0.1:50052,"
      "coopnet.registrations.v1=127.0.0.1:50053,coopnet.funding.v1=127.0.0.1:50054",
      "package=address of every backend, comma-separated (dns:///name:port balances over "
      "replicas)");
  const auto& secret = config.Secret("principal_secret", config::kRequired,
                                     "shared secret (32+ bytes) that signs callers' principals");
  const auto& admin_key = config.Secret(
      "admin_key", "", "the operators' bootstrap API key (32+ bytes); empty for none");
  const auto& redis_address =
      config.String("redis_address", "127.0.0.1:16379", "Redis of the shared rate limits");
  const auto& anonymous_rate =
      config.Int("anonymous_rate", 20, "calls a second per address without a key (0: no limit)");
  const auto& anonymous_burst =
      config.Int("anonymous_burst", 40, "calls at once per address without a key");
  const auto& key_rate = config.Int("key_rate", 100, "calls a second per API key (0: no limit)");
  const auto& key_burst = config.Int("key_burst", 200, "calls at once per API key");
  const auto& key_cache_time = config.Duration(
      "key_cache_time", absl::Seconds(5), "how long a key's check is trusted (revocation delay)");
  const auto& call_timeout =
      config.Duration("call_timeout", absl::Seconds(15), "the longest a unary call may take");
  const auto& anonymous_cache_time =
      config.Duration("anonymous_cache_time", absl::Seconds(1),
                      "how long an answer to an anonymous public read is given again (0: never)");
  const auto& max_request_bytes =
      config.Int("max_request_bytes", 1 << 20, "the largest request body or message, in bytes");
  const auto& max_page_size =
      config.Int("max_page_size", 500, "larger page sizes are lowered to this");
  const auto& cors_origins = config.String(
      "cors_origins", "", "portal origins browsers may call from, comma-separated (* for any)");
  const auto& trust_forwarded_for =
      config.Bool("trust_forwarded_for", false,
                  "take callers' addresses from X-Forwarded-For (behind a proxy)");
  const auto& http_threads = config.Int("http_threads", 2, "threads serving HTTP connections");
  const auto& log_level = config.String("log_level", "info", "debug, info, warn or error");
  const auto& drain_timeout = config.Duration("drain_timeout", absl::Seconds(20),
                                              "how long calls in flight may finish after SIGTERM");
  const auto& max_connection_age = config.Duration("max_connection_age", absl::Minutes(5),
                                                   "gRPC connections are recycled after this long");
  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) {
    std::cerr << "gateway: " << s.message() << "\n";
    return 2;
  }
  if (config.HelpRequested()) return 0;
  absl::StatusOr<log::Level> level = log::ParseLevel(log_level);
  if (!level.ok()) {
    std::cerr << "gateway: COOPNET_LOG_LEVEL " << level.status().message() << "\n";
    return 2;
  }
  log::Init("gateway", *level);

  gateway::GatewayOptions options;
  absl::StatusOr<std::vector<gateway::BackendAddress>> parsed = gateway::ParseBackends(backends);
  if (!parsed.ok()) {
    std::cerr << "gateway: COOPNET_BACKENDS " << parsed.status().message() << "\n";
    return 2;
  }
  options.grpc_address = grpc_address;
  options.http_address = http_address;
  options.metrics_address = metrics_address;
  options.backends = *std::move(parsed);
  options.principal_secret = secret;
  options.admin_key = admin_key;
  options.redis_address = redis_address;
  options.limits.address = {.rate = static_cast<double>(anonymous_rate),
                            .burst = static_cast<double>(anonymous_burst)};
  options.limits.key = {.rate = static_cast<double>(key_rate),
                        .burst = static_cast<double>(key_burst)};
  options.key_cache_time = key_cache_time;
  options.call_timeout = call_timeout;
  options.anonymous_cache_time = anonymous_cache_time;
  options.max_request_bytes = max_request_bytes;
  options.front.max_page_size = static_cast<int>(max_page_size);
  options.front.trust_forwarded_for = trust_forwarded_for;
  options.cors_origins = absl::StrSplit(cors_origins, ',', absl::SkipWhitespace());
  options.http_threads = static_cast<int>(http_threads);
  options.drain_timeout = drain_timeout;
  options.max_connection_age = max_connection_age;

  absl::StatusOr<std::unique_ptr<gateway::Gateway>> gateway = gateway::Gateway::Start(options);
  if (!gateway.ok()) {
    log::Error("cannot start", {{"error", std::string(gateway.status().message())}});
    return gateway.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log::Info("draining", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*gateway)->Shutdown();
  log::Info("stopped", {});
  return 0;
}
