#include "common/metrics/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace coopnet::metrics {
namespace {

// The fields of /proc/self/stat after the command's name, which may itself hold spaces
// and parentheses: field 3 (state) is the first.
std::vector<std::string> StatFields() {
  std::ifstream file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(stat).substr(name_end + 1), ' ', absl::SkipEmpty());
}

// Field `number` of proc(5)'s numbering of /proc/self/stat, from the fields StatFields read.
std::optional<double> StatField(const std::vector<std::string>& fields, size_t number) {
  double value = 0;
  const size_t index = number - 3;
  if (index >= fields.size() || !absl::SimpleAtod(fields[index], &value)) return std::nullopt;
  return value;
}

// When the machine booted, in seconds since the epoch: /proc/stat's btime.
std::optional<double> BootTime() {
  std::ifstream file("/proc/stat");
  for (std::string line; std::getline(file, line);) {
    absl::string_view rest = line;
    double seconds = 0;
    if (absl::ConsumePrefix(&rest, "btime ") && absl::SimpleAtod(rest, &seconds)) return seconds;
  }
  return std::nullopt;
}

std::optional<double> OpenDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor reading the folder
}

std::optional<double> MaxDescriptors() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return static_cast<double>(limit.rlim_cur);
}

void Add(std::vector<prometheus::MetricFamily>& families, std::string name, std::string help,
         prometheus::MetricType type, std::optional<double> value) {
  if (!value.has_value()) return;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = *value;
  } else {
    metric.gauge.value = *value;
  }
  families.push_back({std::move(name), std::move(help), type, {metric}});
}

}  // namespace

const std::shared_ptr<ProcessMetrics>& ProcessMetrics::Shared() {
  // Never destroyed: an exposer may still scrape during static destruction.
  static const auto* shared =
      new std::shared_ptr<ProcessMetrics>(std::make_shared<ProcessMetrics>());
  return *shared;
}

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  static const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));
  const std::vector<std::string> stat = StatFields();
  auto scaled = [](std::optional<double> value, double factor) -> std::optional<double> {
    if (!value.has_value()) return std::nullopt;
    return *value * factor;
  };
  std::optional<double> cpu_ticks;
  if (auto user = StatField(stat, 14), system = StatField(stat, 15); user && system) {
    cpu_ticks = *user + *system;
  }
  std::optional<double> start_time;
  if (auto boot = BootTime(), started = StatField(stat, 22); boot && started) {
    start_time = *boot + *started / ticks_per_second;
  }

  // Help texts as Go's client library writes them.
  std::vector<prometheus::MetricFamily> families;
  Add(families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      prometheus::MetricType::Counter, scaled(cpu_ticks, 1 / ticks_per_second));
  Add(families, "process_open_fds", "Number of open file descriptors.",
      prometheus::MetricType::Gauge, OpenDescriptors());
  Add(families, "process_max_fds", "Maximum number of open file descriptors.",
      prometheus::MetricType::Gauge, MaxDescriptors());
  Add(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
      prometheus::MetricType::Gauge, StatField(stat, 23));
  Add(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
      prometheus::MetricType::Gauge, scaled(StatField(stat, 24), page_bytes));
  Add(families, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", prometheus::MetricType::Gauge,
      start_time);
  return families;
}

}  // namespace coopnet::metrics
