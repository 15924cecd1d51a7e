#include "services/gateway/gateway.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/impl/server_builder_option.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/principal/principal.h"
#include "common/server/server.h"
#include "common/status/status.h"
#include "services/gateway/openapi.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {
namespace {

constexpr char kOrganisationsPackage[] = "coopnet.organisations.v1";
// Who signs the gateway's principals, among the principal keys.
constexpr char kIssuer[] = "gateway";

// gRPC's reflection plugin, once any server of the process has asked for it, joins every
// server built later and would answer reflection with the gateway's own two services;
// the gateway answers reflection itself (Reflection), for the services behind it.
class WithoutStockReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                         return dynamic_cast<grpc::reflection::ProtoServerReflectionPlugin*>(
                                    plugin.get()) != nullptr;
                       }),
        plugins->end());
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(GatewayOptions options) {
  if (options.principal_keys.SigningKey(kIssuer) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "COOPNET_PRINCIPAL_KEYS holds no key of issuer ", kIssuer,
        ", which signs the principals the gateway sends (add kid:", kIssuer, ":secret)"));
  }
  if (!options.admin_key.empty() && options.admin_key.size() < principal::kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the admin key must be at least ", principal::kMinSecretBytes, " bytes"));
  }
  std::vector<std::string> packages;
  for (const BackendAddress& backend : options.backends) packages.push_back(backend.package);
  if (std::find(packages.begin(), packages.end(), kOrganisationsPackage) == packages.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the backends must include ", kOrganisationsPackage, ", which checks API keys"));
  }
  COOPNET_ASSIGN_OR_RETURN(ApiCatalog catalog, ApiCatalog::Build(packages));
  std::vector<std::string> services;
  for (const auto* service : catalog.services()) services.push_back(service->full_name());
  COOPNET_ASSIGN_OR_RETURN(Reflection reflection, Reflection::Create(services));
  auto gateway = std::unique_ptr<Gateway>(
      new Gateway(std::move(options), std::move(catalog), std::move(reflection)));
  COOPNET_RETURN_IF_ERROR(gateway->Serve());
  return gateway;
}

Gateway::Gateway(GatewayOptions options, ApiCatalog catalog, Reflection reflection)
    : options_(std::move(options)),
      backends_(options_.backends, options_.health_interval, metrics::GrpcClientMetrics::Shared(),
                options_.transport),
      catalog_(std::move(catalog)),
      reflection_(std::move(reflection)) {}

absl::Status Gateway::Serve() {
  COOPNET_ASSIGN_OR_RETURN(routes_, RouteTable::Build(catalog_));
  COOPNET_ASSIGN_OR_RETURN(grpc_metrics_, metrics::GrpcServerMetrics::Create());
  if (!options_.metrics_address.empty()) {
    COOPNET_ASSIGN_OR_RETURN(exposer_, metrics::Exposer::Start(options_.metrics_address));
  }
  const principal::Signer signer(*options_.principal_keys.SigningKey(kIssuer), kIssuer);
  redis_ = redis::Client::Create({.address = options_.redis_address,
                                  .username = options_.redis_username,
                                  .password = options_.redis_password,
                                  .pool_size = options_.limit_workers});
  const auto organisations =
      std::find_if(options_.backends.begin(), options_.backends.end(),
                   [](const BackendAddress& b) { return b.package == kOrganisationsPackage; });
  organisations_ = std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = organisations->address,
                             .caller = "gateway",
                             .callee = "organisations",
                             .deadline = absl::Seconds(2),
                             .transport = options_.transport},
      signer);
  forwarder_ = std::make_unique<Forwarder>(
      backends_, signer, options_.call_timeout,
      AnswerCache::Options{.ttl = options_.anonymous_cache_time,
                           .max_bytes = options_.answer_cache_bytes / 2});
  limit_workers_ = std::make_unique<server::WorkerPool>(options_.limit_workers, 4096);
  limiter_ = std::make_unique<RateLimiter>(
      *redis_, *limit_workers_, RateLimiter::Options{.key_prefix = options_.bucket_prefix});
  authenticator_ = std::make_unique<KeyAuthenticator>(
      *organisations_, KeyAuthenticator::Options{.admin_key = options_.admin_key,
                                                 .cache_time = options_.key_cache_time,
                                                 .max_bytes = options_.key_cache_bytes});
  access_ = std::make_unique<Access>(*authenticator_, *limiter_, options_.limits);
  grpc_front_ =
      std::make_unique<GrpcFront>(catalog_, *access_, *forwarder_, reflection_, options_.front);
  http_api_ = std::make_unique<HttpApi>(routes_, *grpc_front_, OpenApiDocument(routes_),
                                        options_.cors_origins);

  std::vector<std::string> services;
  for (const auto* service : catalog_.services()) services.push_back(service->full_name());
  health_ = std::make_unique<server::HealthService>(services);
  grpc::ServerBuilder builder;
  // The only door from outside: callers show API keys, not certificates.
  builder.AddListeningPort(options_.grpc_address,
                           options_.transport.ServerCredentials(
                               /*require_client_certificates=*/false),
                           &grpc_port_);
  server::ServerOptions server_options;
  server_options.max_connection_age = options_.max_connection_age;
  server::PrepareBuilder(server_options, *grpc_metrics_, builder);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_request_bytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options_.grpc_max_streams);
  builder.SetOption(std::make_unique<WithoutStockReflection>());
  builder.RegisterService(health_.get());
  builder.RegisterCallbackGenericService(grpc_front_.get());
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.grpc_address, " (address in use?)"));
  }

  http_server_ = std::make_unique<HttpServer>(
      HttpServerOptions{.listen_address = options_.http_address,
                        .threads = options_.http_threads,
                        .max_body_bytes = static_cast<size_t>(options_.max_request_bytes),
                        .limits = options_.http_limits,
                        .render_refusal = RenderRefusal,
                        .tls = options_.transport.files()},
      [this](std::shared_ptr<HttpExchange> exchange) { http_api_->Handle(std::move(exchange)); });
  COOPNET_RETURN_IF_ERROR(http_server_->Start());
  if (exposer_) {
    using Gauge = metrics::ScrapedGauges::Gauge;
    constexpr char kCacheBytes[] = "coopnet_gateway_cache_bytes";
    constexpr char kCacheHelp[] =
        "Bytes the gateway's caches keep: answers to anonymous reads (grpc, http) and API keys";
    gauges_ = std::make_shared<metrics::ScrapedGauges>(std::vector<Gauge>{
        {kCacheBytes,
         kCacheHelp,
         {{"cache", "answers_grpc"}},
         [this] { return static_cast<double>(forwarder_->answers().bytes()); }},
        {kCacheBytes,
         kCacheHelp,
         {{"cache", "answers_http"}},
         [this] { return static_cast<double>(http_api_->answer_cache_bytes()); }},
        {kCacheBytes,
         kCacheHelp,
         {{"cache", "keys"}},
         [this] { return static_cast<double>(key_cache_bytes()); }},
        {"coopnet_gateway_http_connections",
         "HTTP connections open",
         {},
         [this] { return static_cast<double>(http_connections()); }},
        {"coopnet_gateway_open_streams", "Streams (Watch methods) open, on both ports", {}, [this] {
           return static_cast<double>(open_streams());
         }}});
    exposer_->Add(gauges_);
  }
  backends_.StartHealthChecks([this](bool all_serving) { health_->SetServing(all_serving); });
  log::Info("gateway listening", {{"grpc_port", grpc_port_},
                                  {"http_port", http_server_->port()},
                                  {"metrics_port", metrics_port()},
                                  {"methods", static_cast<int64_t>(catalog_.methods().size())},
                                  {"routes", static_cast<int64_t>(routes_.routes().size())}});
  return absl::OkStatus();
}

size_t Gateway::answer_cache_bytes() const {
  return forwarder_->answers().bytes() + http_api_->answer_cache_bytes();
}

void Gateway::Shutdown() {
  if (shut_down_ || grpc_server_ == nullptr) return;
  shut_down_ = true;
  const absl::Time deadline = absl::Now() + options_.drain_timeout;
  backends_.StopHealthChecks();
  health_->Shutdown();
  grpc_server_->Shutdown(absl::ToChronoTime(deadline));
  if (http_server_ != nullptr) http_server_->Drain(deadline);
  forwarder_->CancelAll();
  // Cancelled calls end at once; their answers go out while the HTTP threads still run.
  forwarder_->WaitUntilIdle(absl::Now() + absl::Seconds(5));
  if (http_server_ != nullptr) http_server_->Stop();
}

Gateway::~Gateway() {
  // No scrape may read what goes below.
  if (gauges_) exposer_->Remove(gauges_);
  Shutdown();
  // Each waits for the work under way that needs the ones after it.
  grpc_server_.reset();
  access_.reset();
  authenticator_.reset();
  limit_workers_.reset();
  limiter_.reset();
  forwarder_.reset();
  http_api_.reset();
  http_server_.reset();
}

}  // namespace coopnet::gateway
