#include "common/metrics/process_metrics.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace coopnet::metrics {
namespace {

using ::testing::HasSubstr;

std::string Exposition() {
  return prometheus::TextSerializer().Serialize(ProcessMetrics::Shared()->Collect());
}

// The value of the unlabelled sample `name` in `text`; -1 when there is none.
double Sample(const std::string& text, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    double value = 0;
    if (absl::ConsumePrefix(&line, absl::StrCat(name, " ")) && absl::SimpleAtod(line, &value)) {
      return value;
    }
  }
  return -1;
}

TEST(ProcessMetrics, ScrapeShowsEveryFamilyUnderGoNames) {
  const std::string text = Exposition();
  EXPECT_THAT(text, HasSubstr("# HELP process_cpu_seconds_total Total user and system CPU time "
                              "spent in seconds.\n# TYPE process_cpu_seconds_total counter\n"));
  for (absl::string_view gauge :
       {"process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("# TYPE ", gauge, " gauge\n", gauge, " ")));
  }
}

TEST(ProcessMetrics, ValuesArePlausibleForThisProcess) {
  const std::string text = Exposition();
  const double resident = Sample(text, "process_resident_memory_bytes");
  EXPECT_GT(resident, 1 << 20);
  EXPECT_LT(resident, 64.0 * (1LL << 30));
  EXPECT_GE(Sample(text, "process_virtual_memory_bytes"), resident);
  const double start = Sample(text, "process_start_time_seconds");
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600) << "this test process started over an hour ago?";
  EXPECT_GE(Sample(text, "process_cpu_seconds_total"), 0);
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(Sample(text, "process_max_fds"), static_cast<double>(limit.rlim_cur));
}

TEST(ProcessMetrics, OpenDescriptorsAreCountedExactly) {
  const double before = Sample(Exposition(), "process_open_fds");
  std::vector<int> opened;
  for (int i = 0; i < 5; ++i) opened.push_back(open("/dev/null", O_RDONLY));
  const double during = Sample(Exposition(), "process_open_fds");
  for (int fd : opened) close(fd);
  EXPECT_GE(before, 3);  // stdin, stdout, stderr
  EXPECT_EQ(during, before + 5);
}

TEST(ProcessMetrics, CpuSecondsGrowWithWork) {
  const double before = Sample(Exposition(), "process_cpu_seconds_total");
  const std::clock_t start = std::clock();
  volatile double sink = 0;
  while (std::clock() - start < CLOCKS_PER_SEC / 4) sink = sink + 1;
  EXPECT_GE(Sample(Exposition(), "process_cpu_seconds_total"), before + 0.15);
}

}  // namespace
}  // namespace coopnet::metrics
