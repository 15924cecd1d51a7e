// coopnet::metrics — Prometheus metrics of a coopnet binary, scraped from an admin port.
//
// All metrics live in one shared registry. GrpcServerMetrics records the families of
// go-grpc-prometheus under their exact names and labels, so the usual gRPC dashboards
// and alerts work on coopnet unchanged; CounterFamily and GaugeFamily cover the rest
// (cache hits, pool sizes, breaker states). Label children are cached per label set, as
// prometheus-cpp's Family::Add hashes and locks the whole family on every call.
//
//   COOPNET_ASSIGN_OR_RETURN(auto exposer, metrics::Exposer::Start("0.0.0.0:9101"));
//   COOPNET_ASSIGN_OR_RETURN(auto grpc, metrics::GrpcServerMetrics::Create());
//   grpc->Started("/coopnet.organisations.v1.OrganisationService/GetOrganisation",
//                 metrics::GrpcType::kUnary);
//   grpc->Handled(method, metrics::GrpcType::kUnary, "NOT_FOUND", 0.004);
//
//   COOPNET_ASSIGN_OR_RETURN(metrics::CounterFamily lookups,
//       metrics::CounterFamily::Create("coopnet_cache_lookups_total",
//                                      "Cache lookups by cache and result.", {"cache", "result"}));
//   lookups.With({"organisations", "hit"}).Increment();
#ifndef COOPNET_COMMON_METRICS_METRICS_H_
#define COOPNET_COMMON_METRICS_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace coopnet::metrics {

// The registry every coopnet metric is created in unless a test passes its own. It
// lives until the process ends.
const std::shared_ptr<prometheus::Registry>& SharedRegistry();

// An HTTP server answering GET /metrics with `registry` in the Prometheus text format.
// Stops serving when destroyed.
class Exposer {
 public:
  // `bind_address` is "host:port" ("0.0.0.0:9101", "127.0.0.1:0" for any free port);
  // UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<Exposer>> Start(
      absl::string_view bind_address,
      std::shared_ptr<prometheus::Registry> registry = SharedRegistry());
  ~Exposer();

  // The port actually bound, which is what a caller needs after asking for port 0.
  int Port() const { return port_; }

 private:
  Exposer(std::shared_ptr<prometheus::Registry> registry,
          std::unique_ptr<prometheus::Exposer> exposer, int port);
  // prometheus-cpp only keeps a weak_ptr; holding it here keeps /metrics from going
  // empty if the caller drops its own reference. Declared first, so destroyed last.
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

namespace internal {
template <typename T>
class ChildCache;  // Label values -> child metric; defined in metrics.cc.
}  // namespace internal

// A metric family with fixed label names whose children are looked up by label values.
// Copies share the family. Creating a family whose name the registry already holds
// with the same type returns that family (prometheus-cpp merges them), so two
// components may declare the same family; they must then agree on its label names.
template <typename T>
class LabeledFamily {
 public:
  // INVALID_ARGUMENT for a name or label name Prometheus does not allow, or a name the
  // registry holds with another type. `registry` must outlive the family.
  static absl::StatusOr<LabeledFamily> Create(absl::string_view name, absl::string_view help,
                                              std::vector<std::string> label_names,
                                              prometheus::Registry& registry = *SharedRegistry());

  // The child for `label_values`, given in the order of the label names. A count that
  // does not match is a bug; missing values then read as "" and extra ones are dropped,
  // so a scrape never fails because of it.
  T& With(absl::Span<const absl::string_view> label_values) const;

 private:
  explicit LabeledFamily(std::shared_ptr<internal::ChildCache<T>> children)
      : children_(std::move(children)) {}
  std::shared_ptr<internal::ChildCache<T>> children_;
};

using CounterFamily = LabeledFamily<prometheus::Counter>;
using GaugeFamily = LabeledFamily<prometheus::Gauge>;

// The `grpc_type` label: how many messages each side of the method sends.
enum class GrpcType { kUnary, kClientStream, kServerStream, kBidiStream };

// "unary", "client_stream", "server_stream" or "bidi_stream".
absl::string_view GrpcTypeName(GrpcType type);

// go-grpc-prometheus's default handling-time buckets (Prometheus' DefBuckets), seconds.
const std::vector<double>& DefaultGrpcBuckets();

// The server-side families of go-grpc-prometheus: grpc_server_started_total,
// grpc_server_handled_total, grpc_server_handling_seconds, grpc_server_msg_received_total
// and grpc_server_msg_sent_total, labelled grpc_type, grpc_service, grpc_method (and
// grpc_code on handled_total). `full_method` is gRPC's "/package.Service/Method"; one
// without that shape is recorded as service and method "unknown", as in Go. Thread-safe.
class GrpcServerMetrics {
 public:
  // The series of one method, found once per call (see For) rather than once per count.
  class Method {
   public:
    void Started() { started_.Increment(); }
    void MsgReceived() { received_.Increment(); }
    void MsgSent() { sent_.Increment(); }
    // Counts the call under `code` (e.g. "OK", "NotFound") and observes `seconds` of
    // handling time.
    void Handled(absl::string_view code, double seconds);

   private:
    friend class GrpcServerMetrics;
    Method(const GrpcServerMetrics& owner, GrpcType type, absl::string_view service,
           absl::string_view method);

    const GrpcServerMetrics& owner_;
    const absl::string_view type_;
    const std::string service_;
    const std::string method_;
    prometheus::Counter& started_;
    prometheus::Counter& received_;
    prometheus::Counter& sent_;
    prometheus::Histogram& handling_;
  };

  static absl::StatusOr<std::unique_ptr<GrpcServerMetrics>> Create(
      prometheus::Registry& registry = *SharedRegistry());

  // Distinct methods recorded by name; calls to further ones count as service and method
  // "unknown", so callers naming made-up methods cannot grow the series without bound.
  static constexpr size_t kMaxMethods = 1000;

  // The series of `full_method` called as `type`; valid as long as this object.
  Method& For(absl::string_view full_method, GrpcType type);

  void Started(absl::string_view full_method, GrpcType type) { For(full_method, type).Started(); }
  void Handled(absl::string_view full_method, GrpcType type, absl::string_view code,
               double seconds) {
    For(full_method, type).Handled(code, seconds);
  }
  void MsgReceived(absl::string_view full_method, GrpcType type) {
    For(full_method, type).MsgReceived();
  }
  void MsgSent(absl::string_view full_method, GrpcType type) { For(full_method, type).MsgSent(); }

 private:
  GrpcServerMetrics(CounterFamily started, CounterFamily handled, CounterFamily received,
                    CounterFamily sent,
                    std::shared_ptr<internal::ChildCache<prometheus::Histogram>> handling);

  CounterFamily started_;
  CounterFamily handled_;
  CounterFamily received_;
  CounterFamily sent_;
  std::shared_ptr<internal::ChildCache<prometheus::Histogram>> handling_;

  absl::Mutex mu_;
  // Keyed by the type's name and the full method.
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::metrics

#endif  // COOPNET_COMMON_METRICS_METRICS_H_
