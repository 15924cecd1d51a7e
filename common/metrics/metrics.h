// coopnet::metrics — Prometheus metrics of a coopnet binary, scraped from an admin port.
//
// All metrics live in one shared registry. GrpcServerMetrics records the families of
// go-grpc-prometheus under their exact names and labels, and GrpcClientMetrics its
// client-side twins, so the usual gRPC dashboards and alerts work on coopnet unchanged;
// CounterFamily, GaugeFamily and HistogramFamily cover the rest (cache hits, pool sizes,
// HTTP requests). Every Exposer also serves the process's CPU, memory and descriptors
// (process_metrics.h). Label children are cached per label set, as prometheus-cpp's
// Family::Add hashes and locks the whole family on every call.
//
//   COOPNET_ASSIGN_OR_RETURN(auto exposer, metrics::Exposer::Start("0.0.0.0:9101"));
//   COOPNET_ASSIGN_OR_RETURN(auto grpc, metrics::GrpcServerMetrics::Create());
//   grpc->Started("/coopnet.organisations.v1.OrganisationService/GetOrganisation",
//                 metrics::GrpcType::kUnary);
//   grpc->Handled(method, metrics::GrpcType::kUnary, "NotFound", 0.004);
//
//   COOPNET_ASSIGN_OR_RETURN(metrics::CounterFamily lookups,
//       metrics::CounterFamily::Create("coopnet_cache_lookups_total",
//                                      "Cache lookups by cache and result.", {"cache", "result"}));
//   lookups.With({"organisations", "hit"}).Increment();
#ifndef COOPNET_COMMON_METRICS_METRICS_H_
#define COOPNET_COMMON_METRICS_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
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

  // Serves `collectable` too, until Remove; Remove returns once no scrape is reading it.
  void Add(const std::shared_ptr<prometheus::Collectable>& collectable);
  void Remove(const std::shared_ptr<prometheus::Collectable>& collectable);

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
  static absl::StatusOr<LabeledFamily> Create(
      absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
      prometheus::Registry& registry =
          *SharedRegistry()) requires(!std::is_same_v<T, prometheus::Histogram>);

  // A histogram family whose children all count in `buckets` (upper bounds, ascending).
  static absl::StatusOr<LabeledFamily> Create(
      absl::string_view name, absl::string_view help, std::vector<std::string> label_names,
      std::vector<double> buckets, prometheus::Registry& registry = *SharedRegistry()) requires
      std::is_same_v<T, prometheus::Histogram>;

  // The child for `label_values`, given in the order of the label names. A count that
  // does not match is a bug; missing values then read as "" and extra ones are dropped,
  // so a scrape never fails because of it.
  T& With(absl::Span<const absl::string_view> label_values) const;

 private:
  explicit LabeledFamily(std::shared_ptr<internal::ChildCache<T>> children)
      : children_(std::move(children)) {}
  std::shared_ptr<internal::ChildCache<T>> children_;
};

// Gauges read when /metrics is scraped, each from a function: what a component counts
// already (bytes cached, connections open) is shown as it is at that moment, with no
// thread sampling it. Served by Exposer::Add. The functions run on the scraping thread:
// they must be cheap and thread-safe, and what they read must live until Exposer::Remove.
//
//   auto gauges = std::make_shared<metrics::ScrapedGauges>(std::vector<ScrapedGauges::Gauge>{
//       {"coopnet_gateway_cache_bytes", "Bytes kept", {{"cache", "keys"}},
//        [this] { return double(authenticator_->cache_bytes()); }}});
//   exposer->Add(gauges);
class ScrapedGauges : public prometheus::Collectable {
 public:
  struct Gauge {
    std::string name;
    std::string help;
    std::vector<std::pair<std::string, std::string>> labels;
    std::function<double()> read;
  };
  // Gauges of one name (with different labels) make one family.
  explicit ScrapedGauges(std::vector<Gauge> gauges) : gauges_(std::move(gauges)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::vector<Gauge> gauges_;
};

using CounterFamily = LabeledFamily<prometheus::Counter>;
using GaugeFamily = LabeledFamily<prometheus::Gauge>;
using HistogramFamily = LabeledFamily<prometheus::Histogram>;

// The `grpc_type` label: how many messages each side of the method sends.
enum class GrpcType { kUnary, kClientStream, kServerStream, kBidiStream };

// "unary", "client_stream", "server_stream" or "bidi_stream".
absl::string_view GrpcTypeName(GrpcType type);

// The `grpc_code` label: Go's name of a gRPC status code ("OK", "NotFound", ...), which
// dashboards built for go-grpc-prometheus expect. gRPC's codes are absl's.
absl::string_view GoCodeName(absl::StatusCode code);

// go-grpc-prometheus's default handling-time buckets (Prometheus' DefBuckets), seconds.
const std::vector<double>& DefaultGrpcBuckets();

// The families go-grpc-prometheus keeps for one end of gRPC calls: <end>_started_total,
// <end>_handled_total, <end>_handling_seconds, <end>_msg_received_total and
// <end>_msg_sent_total, labelled grpc_type, grpc_service, grpc_method (and grpc_code on
// handled_total), where <end> is grpc_server or grpc_client (see the two classes below).
// `full_method` is gRPC's "/package.Service/Method"; one without that shape is recorded
// as service and method "unknown", as in Go. Thread-safe.
class GrpcMetrics {
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
    friend class GrpcMetrics;
    Method(const GrpcMetrics& owner, GrpcType type, absl::string_view service,
           absl::string_view method);

    const GrpcMetrics& owner_;
    const absl::string_view type_;
    const std::string service_;
    const std::string method_;
    prometheus::Counter& started_;
    prometheus::Counter& received_;
    prometheus::Counter& sent_;
    prometheus::Histogram& handling_;
  };

  GrpcMetrics(const GrpcMetrics&) = delete;
  GrpcMetrics& operator=(const GrpcMetrics&) = delete;

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

 protected:
  // The five families of one end.
  struct Families {
    CounterFamily started;
    CounterFamily handled;
    CounterFamily received;
    CounterFamily sent;
    HistogramFamily handling;
  };
  enum class End { kServer, kClient };
  static absl::StatusOr<Families> RegisterFamilies(End end, prometheus::Registry& registry);
  explicit GrpcMetrics(Families families) : families_(std::move(families)) {}

 private:
  const Families families_;
  absl::Mutex mu_;
  // Keyed by the type's name and the full method.
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_ ABSL_GUARDED_BY(mu_);
};

// The calls a server answers: grpc_server_*.
class GrpcServerMetrics : public GrpcMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServerMetrics>> Create(
      prometheus::Registry& registry = *SharedRegistry());

 private:
  using GrpcMetrics::GrpcMetrics;
};

// The calls a process makes to other processes: grpc_client_*.
class GrpcClientMetrics : public GrpcMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcClientMetrics>> Create(
      prometheus::Registry& registry = *SharedRegistry());

  // The families in SharedRegistry() that every channel of the process counts its calls
  // in, so that their method limit is one for the process.
  static GrpcClientMetrics& Shared();

 private:
  using GrpcMetrics::GrpcMetrics;
};

}  // namespace coopnet::metrics

#endif  // COOPNET_COMMON_METRICS_METRICS_H_
