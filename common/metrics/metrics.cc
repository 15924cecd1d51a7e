#include "common/metrics/metrics.h"

#include <prometheus/check_names.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics/process_metrics.h"

namespace coopnet::metrics {
namespace internal {

template <typename T>
class ChildCache {
 public:
  ChildCache(prometheus::Family<T>& family, std::vector<std::string> label_names,
             std::vector<double> buckets = {})
      : family_(family), label_names_(std::move(label_names)), buckets_(std::move(buckets)) {}

  T& With(absl::Span<const absl::string_view> values) {
    auto value = [&values](size_t i) { return i < values.size() ? values[i] : ""; };
    // Length-prefixed, so ("a:b", "c") and ("a", "b:c") never share a key.
    std::string key;
    for (size_t i = 0; i < label_names_.size(); ++i) {
      absl::StrAppend(&key, value(i).size(), ":", value(i));
    }
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = children_.find(key); it != children_.end()) return *it->second;
    }
    prometheus::Labels labels;
    for (size_t i = 0; i < label_names_.size(); ++i) {
      labels.emplace(label_names_[i], std::string(value(i)));
    }
    // Added outside mu_: a racing thread gets the same child back from Family::Add.
    T* child;
    if constexpr (std::is_same_v<T, prometheus::Histogram>) {
      child = &family_.Add(labels, buckets_);
    } else {
      child = &family_.Add(labels);
    }
    absl::MutexLock lock(&mu_);
    children_.emplace(std::move(key), child);
    return *child;
  }

 private:
  prometheus::Family<T>& family_;  // Owned by the registry, which outlives every metric.
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, T*> children_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
namespace {

// prometheus-cpp throws on bad names; checking first keeps its exceptions in this file.
absl::Status CheckNames(absl::string_view name, const std::vector<std::string>& label_names) {
  if (!prometheus::CheckMetricName(std::string(name))) {
    return absl::InvalidArgumentError(absl::StrCat("metrics: \"", name, "\" is not a valid name"));
  }
  absl::flat_hash_set<std::string> seen;
  for (const std::string& label : label_names) {
    if (!prometheus::CheckLabelName(label) || !seen.insert(label).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics: label \"", label, "\" of ", name, " is invalid or repeated"));
    }
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::shared_ptr<internal::ChildCache<T>>> Register(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
    prometheus::Registry& registry, std::vector<double> buckets = {}) {
  if (absl::Status s = CheckNames(name, label_names); !s.ok()) return s;
  try {
    auto build = [&] {
      if constexpr (std::is_same_v<T, prometheus::Counter>) {
        return prometheus::BuildCounter();
      } else if constexpr (std::is_same_v<T, prometheus::Gauge>) {
        return prometheus::BuildGauge();
      } else {
        return prometheus::BuildHistogram();
      }
    };
    prometheus::Family<T>& family =
        build().Name(std::string(name)).Help(std::string(help)).Register(registry);
    return std::make_shared<internal::ChildCache<T>>(family, std::move(label_names),
                                                     std::move(buckets));
  } catch (const std::exception& e) {
    // The one remaining cause: the name is taken by a family of another type.
    return absl::InvalidArgumentError(
        absl::StrCat("metrics: cannot register ", name, ": ", e.what()));
  }
}

// As go-grpc-prometheus's splitMethodName.
std::pair<absl::string_view, absl::string_view> SplitMethod(absl::string_view full_method) {
  if (!full_method.empty() && full_method[0] == '/') full_method.remove_prefix(1);
  const size_t slash = full_method.find('/');
  if (slash == absl::string_view::npos) return {"unknown", "unknown"};
  return {full_method.substr(0, slash), full_method.substr(slash + 1)};
}

}  // namespace

const std::shared_ptr<prometheus::Registry>& SharedRegistry() {
  // Never destroyed, so metrics touched from static destructors stay valid.
  static const auto* registry =
      new std::shared_ptr<prometheus::Registry>(std::make_shared<prometheus::Registry>());
  return *registry;
}

Exposer::Exposer(std::shared_ptr<prometheus::Registry> registry,
                 std::unique_ptr<prometheus::Exposer> exposer, int port)
    : registry_(std::move(registry)), exposer_(std::move(exposer)), port_(port) {}

Exposer::~Exposer() = default;

absl::StatusOr<std::unique_ptr<Exposer>> Exposer::Start(
    absl::string_view bind_address, std::shared_ptr<prometheus::Registry> registry) {
  // civetweb would read an empty address as its default port 8080.
  if (bind_address.empty() || registry == nullptr) {
    return absl::InvalidArgumentError("metrics: Start needs a bind address and a registry");
  }
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(std::string(bind_address));
    exposer->RegisterCollectable(registry);
    exposer->RegisterCollectable(ProcessMetrics::Shared());
    std::vector<int> ports = exposer->GetListeningPorts();
    if (ports.empty()) {
      return absl::UnavailableError(absl::StrCat("metrics: no port bound for ", bind_address));
    }
    return std::unique_ptr<Exposer>(new Exposer(std::move(registry), std::move(exposer), ports[0]));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot serve on ", bind_address, ": ", e.what()));
  }
}

void Exposer::Add(const std::shared_ptr<prometheus::Collectable>& collectable) {
  exposer_->RegisterCollectable(collectable);
}

void Exposer::Remove(const std::shared_ptr<prometheus::Collectable>& collectable) {
  exposer_->RemoveCollectable(collectable);
}

std::vector<prometheus::MetricFamily> ScrapedGauges::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  for (const Gauge& gauge : gauges_) {
    if (families.empty() || families.back().name != gauge.name) {
      families.push_back({gauge.name, gauge.help, prometheus::MetricType::Gauge, {}});
    }
    prometheus::ClientMetric& metric = families.back().metric.emplace_back();
    for (const auto& [name, value] : gauge.labels) metric.label.push_back({name, value});
    metric.gauge.value = gauge.read();
  }
  return families;
}

template <typename T>
absl::StatusOr<LabeledFamily<T>> LabeledFamily<T>::Create(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
    prometheus::Registry& registry) requires(!std::is_same_v<T, prometheus::Histogram>) {
  auto children = Register<T>(name, help, std::move(label_names), registry);
  if (!children.ok()) return children.status();
  return LabeledFamily(*std::move(children));
}

template <typename T>
absl::StatusOr<LabeledFamily<T>> LabeledFamily<T>::Create(
    absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
    std::vector<double> buckets,
    prometheus::Registry& registry) requires std::is_same_v<T, prometheus::Histogram> {
  auto children = Register<T>(name, help, std::move(label_names), registry, std::move(buckets));
  if (!children.ok()) return children.status();
  return LabeledFamily(*std::move(children));
}

template <typename T>
T& LabeledFamily<T>::With(absl::Span<const absl::string_view> label_values) const {
  return children_->With(label_values);
}

template class LabeledFamily<prometheus::Counter>;
template class LabeledFamily<prometheus::Gauge>;
template class LabeledFamily<prometheus::Histogram>;

absl::string_view GrpcTypeName(GrpcType type) {
  switch (type) {
    case GrpcType::kUnary:
      return "unary";
    case GrpcType::kClientStream:
      return "client_stream";
    case GrpcType::kServerStream:
      return "server_stream";
    case GrpcType::kBidiStream:
      return "bidi_stream";
  }
  return "unary";
}

const std::vector<double>& DefaultGrpcBuckets() {
  static const auto* buckets =
      new std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
  return *buckets;
}

absl::string_view GoCodeName(absl::StatusCode code) {
  static constexpr absl::string_view kNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < static_cast<int>(std::size(kNames)) ? kNames[index] : "Unknown";
}

absl::StatusOr<GrpcMetrics::Families> GrpcMetrics::RegisterFamilies(
    End end, prometheus::Registry& registry) {
  const bool server = end == End::kServer;
  const std::string prefix = server ? "grpc_server_" : "grpc_client_";
  const std::vector<std::string> labels = {"grpc_type", "grpc_service", "grpc_method"};
  // Help texts as go-grpc-prometheus writes them.
  auto started = CounterFamily::Create(prefix + "started_total",
                                       server ? "Total number of RPCs started on the server."
                                              : "Total number of RPCs started on the client.",
                                       labels, registry);
  if (!started.ok()) return started.status();
  auto handled = CounterFamily::Create(
      prefix + "handled_total",
      server ? "Total number of RPCs completed on the server, regardless of success or failure."
             : "Total number of RPCs completed by the client, regardless of success or failure.",
      {"grpc_type", "grpc_service", "grpc_method", "grpc_code"}, registry);
  if (!handled.ok()) return handled.status();
  auto received =
      CounterFamily::Create(prefix + "msg_received_total",
                            server ? "Total number of RPC stream messages received on the server."
                                   : "Total number of RPC stream messages received by the client.",
                            labels, registry);
  if (!received.ok()) return received.status();
  auto sent =
      CounterFamily::Create(prefix + "msg_sent_total",
                            server ? "Total number of gRPC stream messages sent by the server."
                                   : "Total number of gRPC stream messages sent by the client.",
                            labels, registry);
  if (!sent.ok()) return sent.status();
  auto handling = HistogramFamily::Create(
      prefix + "handling_seconds",
      server ? "Histogram of response latency (seconds) of gRPC that had been application-level "
               "handled by the server."
             : "Histogram of response latency (seconds) of the gRPC until it is finished by the "
               "application.",
      labels, DefaultGrpcBuckets(), registry);
  if (!handling.ok()) return handling.status();
  return Families{*std::move(started), *std::move(handled), *std::move(received), *std::move(sent),
                  *std::move(handling)};
}

absl::StatusOr<std::unique_ptr<GrpcServerMetrics>> GrpcServerMetrics::Create(
    prometheus::Registry& registry) {
  absl::StatusOr<Families> families = RegisterFamilies(End::kServer, registry);
  if (!families.ok()) return families.status();
  return std::unique_ptr<GrpcServerMetrics>(new GrpcServerMetrics(*std::move(families)));
}

absl::StatusOr<std::unique_ptr<GrpcClientMetrics>> GrpcClientMetrics::Create(
    prometheus::Registry& registry) {
  absl::StatusOr<Families> families = RegisterFamilies(End::kClient, registry);
  if (!families.ok()) return families.status();
  return std::unique_ptr<GrpcClientMetrics>(new GrpcClientMetrics(*std::move(families)));
}

GrpcClientMetrics& GrpcClientMetrics::Shared() {
  // Never destroyed: channels may finish calls during static destruction.
  static GrpcClientMetrics* const shared = [] {
    absl::StatusOr<std::unique_ptr<GrpcClientMetrics>> created = Create(*SharedRegistry());
    // Only a family of another type under one of these names fails here: a bug.
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", std::string(created.status().message()).c_str());
      std::abort();
    }
    return created->release();
  }();
  return *shared;
}

GrpcMetrics::Method::Method(const GrpcMetrics& owner, GrpcType type, absl::string_view service,
                            absl::string_view method)
    : owner_(owner),
      type_(GrpcTypeName(type)),
      service_(service),
      method_(method),
      started_(owner.families_.started.With({type_, service_, method_})),
      received_(owner.families_.received.With({type_, service_, method_})),
      sent_(owner.families_.sent.With({type_, service_, method_})),
      handling_(owner.families_.handling.With({type_, service_, method_})) {}

void GrpcMetrics::Method::Handled(absl::string_view code, double seconds) {
  owner_.families_.handled.With({type_, service_, method_, code}).Increment();
  handling_.Observe(seconds);
}

GrpcMetrics::Method& GrpcMetrics::For(absl::string_view full_method, GrpcType type) {
  std::string key = absl::StrCat(GrpcTypeName(type), full_method);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = methods_.find(key); it != methods_.end()) return *it->second;
  }
  auto [service, method] = SplitMethod(full_method);
  absl::MutexLock lock(&mu_);
  // Method names come from callers (a generic service such as the gateway's sees any
  // path): past more methods than any API of ours has, a new one counts as "unknown".
  if (methods_.size() >= kMaxMethods && !methods_.contains(key)) {
    key = absl::StrCat(GrpcTypeName(type), "/unknown/unknown");
    service = method = "unknown";
  }
  auto [it, added] = methods_.try_emplace(key);
  if (added) it->second.reset(new Method(*this, type, service, method));
  return *it->second;
}

}  // namespace coopnet::metrics
