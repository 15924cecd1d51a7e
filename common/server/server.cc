#include "common/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/support/server_interceptor.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/deadline/deadline.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/server/service_table.h"
#include "common/status/status.h"

namespace coopnet::server {
namespace {

absl::string_view Metadata(const grpc::CallbackServerContext& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

std::string TraceIdOf(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  auto it = metadata.find("traceparent");
  if (it == metadata.end()) return "";
  return log::TraceIdFromTraceparent(absl::string_view(it->second.data(), it->second.size()))
      .value_or("");
}

metrics::GrpcType RpcType(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return metrics::GrpcType::kUnary;
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return metrics::GrpcType::kClientStream;
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return metrics::GrpcType::kServerStream;
    default:
      return metrics::GrpcType::kBidiStream;
  }
}

// Counts and logs every call the way go-grpc-prometheus and our log format expect,
// including calls refused before a handler ran.
class ObservingInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservingInterceptor(grpc::experimental::ServerRpcInfo* info, metrics::GrpcServerMetrics& metrics)
      : method_(info->method()),
        metrics_(metrics.For(method_, RpcType(info->type()))),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      trace_id_ = TraceIdOf(*methods->GetRecvInitialMetadata());
      metrics_.Started();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      metrics_.MsgReceived();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      metrics_.MsgSent();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::Duration elapsed = absl::Now() - start_;
      metrics_.Handled(metrics::GoCodeName(static_cast<absl::StatusCode>(status.error_code())),
                       absl::ToDoubleSeconds(elapsed));
      // Probes ask every few seconds; their lines would drown the calls that matter.
      const log::Level level = absl::StartsWith(method_, "/grpc.health.v1.Health/")
                                   ? log::Level::kDebug
                                   : log::Level::kInfo;
      log::Write(level, "call",
                 {{"method", method_},
                  {"code", status::CodeName(static_cast<absl::StatusCode>(status.error_code()))},
                  {"duration_ms", absl::ToDoubleMilliseconds(elapsed)},
                  {"trace_id", trace_id_.empty() ? std::optional<std::string>() : trace_id_}});
    }
    methods->Proceed();
  }

 private:
  const absl::string_view method_;  // gRPC's, alive as long as the call
  metrics::GrpcServerMetrics::Method& metrics_;
  const absl::Time start_;
  std::string trace_id_;
};

class ObservingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservingInterceptorFactory(metrics::GrpcServerMetrics& metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ObservingInterceptor(info, metrics_);
  }

 private:
  metrics::GrpcServerMetrics& metrics_;
};

int Millis(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

void PrepareProcess() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

void PrepareBuilder(const ServerOptions& options, metrics::GrpcServerMetrics& metrics,
                    grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, Millis(options.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Millis(options.max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(options.keepalive_timeout));
  // Clients (the gateway) may ping idle connections every 10 s to notice dead peers.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<ObservingInterceptorFactory>(metrics));
  builder.experimental().SetInterceptorCreators(std::move(factories));
}

Server::Server(ServerOptions options, principal::KeySet keys)
    : options_(std::move(options)),
      keys_(keys),
      verifier_(std::move(keys), options_.service_name) {}

absl::StatusOr<principal::Principal> Server::Authenticate(grpc::CallbackServerContext& context) {
  return verifier_.Verify(context.client_metadata());
}

absl::StatusOr<principal::Signer> Server::signer() const {
  const principal::Key* key = keys_.SigningKey(options_.service_name);
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "COOPNET_PRINCIPAL_KEYS holds no key of issuer ", options_.service_name,
        ", which it needs to call other services (add kid:", options_.service_name, ":secret)"));
  }
  return principal::Signer(*key, options_.service_name);
}

Server::~Server() {
  Shutdown();
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (readiness_thread_.joinable()) readiness_thread_.join();
}

void Server::Register(ServiceTable& table) {
  table.CheckComplete();
  Register(&table, table.full_name());
}

void Server::Register(grpc::Service* service, const std::string& full_name) {
  services_.emplace_back(service, full_name);
}

void Server::SetReadinessCheck(std::function<absl::Status()> check) {
  readiness_check_ = std::move(check);
}

absl::Status Server::Start() {
  std::vector<std::string> names;
  for (const auto& [service, name] : services_) names.push_back(name);
  absl::StatusOr<std::unique_ptr<metrics::GrpcServerMetrics>> grpc_metrics =
      metrics::GrpcServerMetrics::Create();
  if (!grpc_metrics.ok()) return grpc_metrics.status();
  grpc_metrics_ = *std::move(grpc_metrics);
  health_ = std::make_unique<HealthService>(names);
  workers_ = std::make_unique<WorkerPool>(options_.workers, options_.queue_capacity);

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options_.listen_address,
      options_.credentials ? options_.credentials : grpc::InsecureServerCredentials(), &port_);
  PrepareBuilder(options_, *grpc_metrics_, builder);
  builder.RegisterService(health_.get());
  for (const auto& [service, name] : services_) builder.RegisterService(service);

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen_address, " (address in use?)"));
  }
  if (!options_.metrics_address.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::Exposer>> exposer =
        metrics::Exposer::Start(options_.metrics_address);
    if (!exposer.ok()) {
      server_->Shutdown();
      return exposer.status();
    }
    exposer_ = *std::move(exposer);
  }
  log::Info("listening", {{"address", options_.listen_address},
                          {"port", port_},
                          {"tls", options_.credentials != nullptr},
                          {"metrics_port", exposer_ ? exposer_->Port() : 0}});
  readiness_thread_ = std::thread([this] { ReadinessLoop(); });
  return absl::OkStatus();
}

void Server::ReadinessLoop() {
  bool was_ready = false;
  std::string last_problem;
  do {
    const absl::Status ready = readiness_check_ ? readiness_check_() : absl::OkStatus();
    if (ready.ok() != was_ready || (!ready.ok() && std::string(ready.message()) != last_problem)) {
      if (ready.ok()) {
        log::Info("ready", {});
      } else {
        log::Warn("not ready", {{"reason", std::string(ready.message())}});
      }
    }
    was_ready = ready.ok();
    last_problem = std::string(ready.message());
    health_->SetServing(ready.ok());
  } while (!stopping_.WaitForNotificationWithTimeout(options_.readiness_interval));
}

grpc::ServerUnaryReactor* Server::Unary(grpc::CallbackServerContext* context,
                                        std::function<absl::Status(const Call&)> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = [this, reactor](const absl::Status& s) {
    if (s.code() == absl::StatusCode::kInternal || s.code() == absl::StatusCode::kUnknown) {
      log::Error("internal error", {{"detail", std::string(s.message())}});
    }
    reactor->Finish(status::ToGrpc(s, options_.error_domain));
  };

  absl::StatusOr<principal::Principal> caller = Authenticate(*context);
  if (!caller.ok()) {
    finish(caller.status());
    return reactor;
  }
  auto call = std::make_shared<Call>();
  call->principal = *std::move(caller);
  call->trace_id = TraceIdOf(context->client_metadata());
  call->accept_language = std::string(Metadata(*context, "accept-language"));
  call->deadline = absl::FromChrono(context->deadline());
  call->context = context;

  const bool queued = workers_->TrySubmit([call, work = std::move(work), finish] {
    if (call->context->IsCancelled()) {
      finish(absl::CancelledError("the client cancelled the call"));
    } else if (absl::Now() >= call->deadline) {
      finish(absl::DeadlineExceededError("the deadline passed before the call could start"));
    } else {
      // Every wait on the call's behalf (database, batches) ends with it.
      deadline::Scope scope(call->deadline);
      finish(work(*call));
    }
  });
  if (!queued) {
    finish(status::Error(absl::StatusCode::kResourceExhausted, "SERVER_BUSY",
                         "the server is at capacity; retry with backoff"));
  }
  return reactor;
}

absl::string_view AwaitTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

void Server::WaitForTermination() {
  const absl::string_view signal = AwaitTerminationSignal();
  log::Info("draining", {{"signal", std::string(signal)},
                         {"deadline_s", absl::ToInt64Seconds(options_.drain_timeout)}});
  Shutdown();
  log::Info("stopped", {});
}

void Server::Shutdown() {
  if (server_ == nullptr || shut_down_.exchange(true)) return;
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  // NOT_SERVING first: a readiness check may be waiting on a stuck database, and load
  // balancers must hear of the drain now, not when the check returns.
  health_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_timeout));
  if (readiness_thread_.joinable()) readiness_thread_.join();
  // Every call has been answered; queued work (none should be left) runs before join.
  workers_.reset();
}

}  // namespace coopnet::server
