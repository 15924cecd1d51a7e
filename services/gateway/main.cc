// The gateway process: gRPC on :50050, HTTP/JSON on :8080, metrics on :9100, in front of
// the backends COOPNET_BACKENDS names. It has no database; SIGTERM drains it.
#include <iostream>

#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/startup/startup.h"
#include "services/gateway/gateway.h"

int main(int argc, char** argv) {
  using namespace coopnet;
  server::PrepareProcess();
  config::Loader config("gateway");
  const startup::ProcessSettings process = startup::ProcessSettings::Declare(config, 50050, 9100);
  const auto& http_address =
      config.String("http_address", "0.0.0.0:8080", "HTTP/JSON listen address");
  const auto& backends = config.String(
      "backends",
      "coopnet.organisations.v1=127.0.0.1:50051,coopnet.events.v1=127.0.0.1:50052,"
      "coopnet.registrations.v1=127.0.0.1:50053,coopnet.funding.v1=127.0.0.1:50054",
      "package=address of every backend, comma-separated (dns:///name:port balances over "
      "replicas)");
  const auto& admin_key = config.Secret(
      "admin_key", "", "the operators' bootstrap API key (32+ bytes); empty for none");
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
  const auto& trusted_proxies = config.String(
      "trusted_proxies", "",
      "CIDR blocks of the proxies whose X-Forwarded-For names the caller, comma-separated "
      "(10.0.0.0/8,fd00::/8); none: the peer is the caller");
  const auto& answer_cache_bytes =
      config.Int("answer_cache_bytes", 32 << 20,
                 "the most the answers kept for anonymous reads take, in bytes");
  const auto& key_cache_bytes =
      config.Int("key_cache_bytes", 16 << 20, "the most the answers about API keys take, in bytes");
  const auto& http_threads = config.Int("http_threads", 2, "threads serving HTTP connections");
  const auto& http_max_connections = config.Int(
      "http_max_connections", 10000, "HTTP connections open at once; more are closed at once");
  const auto& http_header_timeout =
      config.Duration("http_header_timeout", absl::Seconds(10),
                      "the longest from a request's first byte to the end of its headers");
  const auto& http_body_timeout = config.Duration("http_body_timeout", absl::Seconds(30),
                                                  "the longest reading a body may take");
  const auto& http_idle_timeout =
      config.Duration("http_idle_timeout", absl::Seconds(60),
                      "how long a kept-alive connection waits for a request");
  const auto& grpc_max_streams =
      config.Int("grpc_max_streams", 100, "concurrent calls on one gRPC connection");
  const auto& streams_per_key =
      config.Int("streams_per_key", 32, "streams (Watch) open at once per API key (0: no limit)");
  const auto& streams_per_address =
      config.Int("streams_per_address", 8,
                 "streams (Watch) open at once per address without a key (0: no limit)");
  if (std::optional<int> exit = startup::Load(config, argc, argv)) return *exit;
  std::optional<principal::KeySet> keys = process.PrincipalKeys(config);
  std::optional<tls::Transport> transport = process.Transport(config);
  if (!keys || !transport || !startup::StartLogs(config, process)) return 2;

  gateway::GatewayOptions options;
  absl::StatusOr<std::vector<gateway::BackendAddress>> parsed = gateway::ParseBackends(backends);
  if (!parsed.ok()) {
    std::cerr << "gateway: COOPNET_BACKENDS " << parsed.status().message() << "\n";
    return 2;
  }
  options.grpc_address = process.grpc_address;
  options.http_address = http_address;
  options.metrics_address = process.metrics_address;
  options.backends = *std::move(parsed);
  options.principal_keys = *std::move(keys);
  options.transport = *std::move(transport);
  options.admin_key = admin_key;
  options.redis_address = process.redis_address;
  options.redis_username = process.redis_username;
  options.redis_password = process.redis_password;
  if (!startup::RedisAccepts(config, *redis::Client::Create(process.Redis(process.redis_address)),
                             "COOPNET_REDIS_ADDRESS")) {
    return 2;
  }
  options.limits.address = {.rate = static_cast<double>(anonymous_rate),
                            .burst = static_cast<double>(anonymous_burst)};
  options.limits.key = {.rate = static_cast<double>(key_rate),
                        .burst = static_cast<double>(key_burst)};
  options.key_cache_time = key_cache_time;
  options.call_timeout = call_timeout;
  options.anonymous_cache_time = anonymous_cache_time;
  options.max_request_bytes = max_request_bytes;
  options.front.max_page_size = static_cast<int>(max_page_size);
  absl::StatusOr<gateway::TrustedProxies> proxies = gateway::TrustedProxies::Parse(trusted_proxies);
  if (!proxies.ok()) {
    std::cerr << "gateway: COOPNET_TRUSTED_PROXIES " << proxies.status().message() << "\n";
    return 2;
  }
  options.front.trusted_proxies = *std::move(proxies);
  options.front.streams = {.per_key = static_cast<int>(streams_per_key),
                           .per_address = static_cast<int>(streams_per_address)};
  options.answer_cache_bytes = static_cast<size_t>(answer_cache_bytes);
  options.key_cache_bytes = static_cast<size_t>(key_cache_bytes);
  options.http_limits = {.max_connections = static_cast<int>(http_max_connections),
                         .header_timeout = http_header_timeout,
                         .body_timeout = http_body_timeout,
                         .idle_timeout = http_idle_timeout};
  options.grpc_max_streams = static_cast<int>(grpc_max_streams);
  options.cors_origins = absl::StrSplit(cors_origins, ',', absl::SkipWhitespace());
  options.http_threads = static_cast<int>(http_threads);
  options.drain_timeout = process.drain_timeout;
  options.max_connection_age = process.max_connection_age;

  absl::StatusOr<std::unique_ptr<gateway::Gateway>> gateway = gateway::Gateway::Start(options);
  if (!gateway.ok()) {
    log::Error("cannot start", {{"error", std::string(gateway.status().message())}});
    return gateway.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  log::Info("draining", {{"signal", std::string(server::AwaitTerminationSignal())}});
  (*gateway)->Shutdown();
  log::Info("stopped", {});
  return 0;
}
