// coopnet::metrics::ProcessMetrics — the process_* families every Prometheus client
// library exports (CPU time, memory, file descriptors, start time), under the names and
// help texts of Go's, so the standard process dashboards and alerts (leaking descriptors,
// restarts) work on coopnet too.
//
// Read from /proc/self on each scrape, so nothing runs between scrapes. Every Exposer
// serves the process's one collector beside its registry; nothing else need register it.
//
//   std::shared_ptr<prometheus::Collectable> process = metrics::ProcessMetrics::Shared();
//   exposer.RegisterCollectable(process);
#ifndef COOPNET_COMMON_METRICS_PROCESS_METRICS_H_
#define COOPNET_COMMON_METRICS_PROCESS_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <vector>

namespace coopnet::metrics {

class ProcessMetrics : public prometheus::Collectable {
 public:
  // The one collector of this process; it lives until the process ends.
  static const std::shared_ptr<ProcessMetrics>& Shared();

  // process_cpu_seconds_total, process_resident_memory_bytes,
  // process_virtual_memory_bytes, process_open_fds, process_max_fds and
  // process_start_time_seconds; a value that cannot be read is left out, never guessed.
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace coopnet::metrics

#endif  // COOPNET_COMMON_METRICS_PROCESS_METRICS_H_
