#include "common/metrics/metrics.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace coopnet::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::string_view kGetOrganisation =
    "/coopnet.organisations.v1.OrganisationService/GetOrganisation";

// GET http://127.0.0.1:<port><path> over a plain socket, as Prometheus would scrape it;
// returns the whole response, headers included, or "" on failure.
std::string HttpGet(int port, absl::string_view path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if (send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) response.append(buf, n);
    }
  }
  close(fd);
  return response;
}

std::string Exposition(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(Metrics, ScrapeShowsGrpcServerFamiliesUnderGoGrpcPrometheusNames) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto exposer = Exposer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  ASSERT_GT((*exposer)->Port(), 0);
  auto grpc = GrpcServerMetrics::Create(*registry);
  ASSERT_TRUE(grpc.ok()) << grpc.status();

  (*grpc)->Started(kGetOrganisation, GrpcType::kUnary);
  (*grpc)->MsgReceived(kGetOrganisation, GrpcType::kUnary);
  (*grpc)->Handled(kGetOrganisation, GrpcType::kUnary, "NOT_FOUND", 0.03);
  (*grpc)->Started(kGetOrganisation, GrpcType::kUnary);
  (*grpc)->MsgReceived(kGetOrganisation, GrpcType::kUnary);
  (*grpc)->MsgSent(kGetOrganisation, GrpcType::kUnary);
  (*grpc)->Handled(kGetOrganisation, GrpcType::kUnary, "OK", 0.004);

  const std::string response = HttpGet((*exposer)->Port(), "/metrics");
  ASSERT_THAT(response, HasSubstr("200 OK"));
  const std::string labels =
      "grpc_method=\"GetOrganisation\",grpc_service=\"coopnet.organisations.v1."
      "OrganisationService\",grpc_type=\"unary\"";
  EXPECT_THAT(response,
              HasSubstr("grpc_server_handled_total{grpc_code=\"NOT_FOUND\"," + labels + "} 1\n"));
  EXPECT_THAT(response,
              HasSubstr("grpc_server_handled_total{grpc_code=\"OK\"," + labels + "} 1\n"));
  EXPECT_THAT(response, HasSubstr("# TYPE grpc_server_started_total counter\n"
                                  "grpc_server_started_total{" +
                                  labels + "} 2\n"));
  EXPECT_THAT(response, HasSubstr("grpc_server_msg_received_total{" + labels + "} 2\n"));
  EXPECT_THAT(response, HasSubstr("grpc_server_msg_sent_total{" + labels + "} 1\n"));
  EXPECT_THAT(response, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(response,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.025\"} 1\n"));
  EXPECT_THAT(response,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.05\"} 2\n"));
  EXPECT_THAT(response, HasSubstr("grpc_server_handling_seconds_count{" + labels + "} 2\n"));
  EXPECT_THAT(response, HasSubstr("grpc_server_handling_seconds_sum{" + labels + "} 0.034\n"));
}

TEST(Metrics, HandlingHistogramUsesGoDefaultBuckets) {
  prometheus::Registry registry;
  auto grpc = GrpcServerMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  (*grpc)->Handled("/a.B/C", GrpcType::kServerStream, "OK", 0.2);
  const std::string text = Exposition(registry);
  for (absl::string_view le :
       {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat(
                          "grpc_server_handling_seconds_bucket{grpc_method=\"C\",grpc_service="
                          "\"a.B\",grpc_type=\"server_stream\",le=\"",
                          le, "\"}")));
  }
}

TEST(Metrics, EveryStreamingTypeHasItsGoName) {
  prometheus::Registry registry;
  auto grpc = GrpcServerMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  for (GrpcType type : {GrpcType::kUnary, GrpcType::kClientStream, GrpcType::kServerStream,
                        GrpcType::kBidiStream}) {
    (*grpc)->MsgSent("/a.B/C", type);
  }
  const std::string text = Exposition(registry);
  for (absl::string_view name : {"unary", "client_stream", "server_stream", "bidi_stream"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_type=\"", name, "\"} 1")));
  }
}

TEST(Metrics, MethodWithoutServiceIsRecordedAsUnknown) {
  prometheus::Registry registry;
  auto grpc = GrpcServerMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  (*grpc)->Started("nonsense", GrpcType::kUnary);
  EXPECT_THAT(Exposition(registry),
              HasSubstr("grpc_server_started_total{grpc_method=\"unknown\",grpc_service="
                        "\"unknown\",grpc_type=\"unary\"} 1"));
}

TEST(Metrics, MadeUpMethodsPastTheLimitAreCountedAsUnknown) {
  prometheus::Registry registry;
  auto grpc = GrpcServerMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  const size_t limit = GrpcServerMetrics::kMaxMethods;
  for (size_t i = 0; i < limit + 50; ++i) {
    (*grpc)->Started(absl::StrCat("/probe.Service/Method", i), GrpcType::kUnary);
  }
  (*grpc)->Started("/probe.Service/Method0", GrpcType::kUnary);  // known before the limit
  const std::string text = Exposition(registry);
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_method=\"Method0\",grpc_service="
                              "\"probe.Service\",grpc_type=\"unary\"} 2"));
  EXPECT_THAT(text, Not(HasSubstr(absl::StrCat("grpc_method=\"Method", limit, "\""))));
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_method=\"unknown\",grpc_service="
                              "\"unknown\",grpc_type=\"unary\"} 50"));
}

TEST(Metrics, ClientFamiliesHaveGoGrpcPrometheusNamesAndHelp) {
  prometheus::Registry registry;
  auto grpc = GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok()) << grpc.status();
  GrpcMetrics::Method& method = (*grpc)->For(kGetOrganisation, GrpcType::kUnary);
  method.Started();
  method.MsgSent();
  method.Handled(GoCodeName(absl::StatusCode::kNotFound), 0.02);
  const std::string text = Exposition(registry);
  const std::string labels =
      "grpc_method=\"GetOrganisation\",grpc_service=\"coopnet.organisations.v1."
      "OrganisationService\",grpc_type=\"unary\"";
  EXPECT_THAT(text, HasSubstr("# HELP grpc_client_started_total Total number of RPCs started on "
                              "the client.\n# TYPE grpc_client_started_total counter\n"
                              "grpc_client_started_total{" +
                              labels + "} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_client_handled_total{grpc_code=\"NotFound\"," + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_sent_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_msg_received_total{" + labels + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_client_handling_seconds histogram\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_client_handling_seconds_bucket{" + labels + ",le=\"0.025\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("grpc_server_")));
}

TEST(Metrics, ServerAndClientFamiliesLiveSideBySide) {
  prometheus::Registry registry;
  auto server = GrpcServerMetrics::Create(registry);
  auto client = GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(server.ok());
  ASSERT_TRUE(client.ok());
  (*server)->Started("/a.B/C", GrpcType::kUnary);
  (*client)->Started("/a.B/C", GrpcType::kUnary);
  (*client)->Started("/a.B/C", GrpcType::kUnary);
  const std::string text = Exposition(registry);
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_method=\"C\",grpc_service=\"a.B\","
                              "grpc_type=\"unary\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_client_started_total{grpc_method=\"C\",grpc_service=\"a.B\","
                              "grpc_type=\"unary\"} 2\n"));
}

TEST(Metrics, MadeUpClientMethodsPastTheLimitAreCountedAsUnknown) {
  prometheus::Registry registry;
  auto grpc = GrpcClientMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  for (size_t i = 0; i < GrpcClientMetrics::kMaxMethods + 3; ++i) {
    (*grpc)->Started(absl::StrCat("/probe.Service/Method", i), GrpcType::kUnary);
  }
  EXPECT_THAT(Exposition(registry),
              HasSubstr("grpc_client_started_total{grpc_method=\"unknown\",grpc_service="
                        "\"unknown\",grpc_type=\"unary\"} 3\n"));
}

TEST(Metrics, SharedClientFamiliesAreInTheSharedRegistry) {
  GrpcClientMetrics& shared = GrpcClientMetrics::Shared();
  EXPECT_EQ(&shared, &GrpcClientMetrics::Shared());
  shared.Started("/shared.Probe/Call", GrpcType::kServerStream);
  EXPECT_THAT(Exposition(*SharedRegistry()),
              HasSubstr("grpc_client_started_total{grpc_method=\"Call\",grpc_service="
                        "\"shared.Probe\",grpc_type=\"server_stream\"} 1\n"));
}

TEST(Metrics, CodesHaveTheirGoNames) {
  EXPECT_EQ(GoCodeName(absl::StatusCode::kOk), "OK");
  EXPECT_EQ(GoCodeName(absl::StatusCode::kCancelled), "Canceled");
  EXPECT_EQ(GoCodeName(absl::StatusCode::kNotFound), "NotFound");
  EXPECT_EQ(GoCodeName(absl::StatusCode::kUnauthenticated), "Unauthenticated");
  EXPECT_EQ(GoCodeName(static_cast<absl::StatusCode>(42)), "Unknown");
}

TEST(Metrics, HistogramFamilyCountsInItsBuckets) {
  prometheus::Registry registry;
  auto latency = HistogramFamily::Create("coopnet_test_duration_seconds", "Test durations.",
                                         {"route"}, {0.1, 1}, registry);
  ASSERT_TRUE(latency.ok()) << latency.status();
  latency->With({"/v1/things"}).Observe(0.5);
  latency->With({"/v1/things"}).Observe(2);
  const std::string text = Exposition(registry);
  EXPECT_THAT(text, HasSubstr("coopnet_test_duration_seconds_bucket{route=\"/v1/things\","
                              "le=\"0.1\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_test_duration_seconds_bucket{route=\"/v1/things\","
                              "le=\"1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_test_duration_seconds_count{route=\"/v1/things\"} 2\n"));
  EXPECT_EQ(HistogramFamily::Create("bad-name", "", {}, {1}, registry).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Metrics, ExposerServesTheSharedRegistryByDefault) {
  auto exposer = Exposer::Start("127.0.0.1:0");
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  auto family = GaugeFamily::Create("coopnet_test_pool_connections",
                                    "Connections of the test pool by state.", {"state"});
  ASSERT_TRUE(family.ok()) << family.status();
  family->With({"in_use"}).Set(3);
  EXPECT_THAT(HttpGet((*exposer)->Port(), "/metrics"),
              HasSubstr("coopnet_test_pool_connections{state=\"in_use\"} 3\n"));
}

TEST(Metrics, ExposerServesTheProcessFamiliesBesideItsRegistry) {
  auto exposer = Exposer::Start("127.0.0.1:0", std::make_shared<prometheus::Registry>());
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  const std::string page = HttpGet((*exposer)->Port(), "/metrics");
  EXPECT_THAT(page, HasSubstr("# TYPE process_resident_memory_bytes gauge\n"));
  EXPECT_THAT(page, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_THAT(page, HasSubstr("\nprocess_open_fds "));
}

TEST(Metrics, ScrapedGaugesShowWhatTheirFunctionsReadAtEachScrape) {
  auto exposer = Exposer::Start("127.0.0.1:0", std::make_shared<prometheus::Registry>());
  ASSERT_TRUE(exposer.ok()) << exposer.status();
  std::atomic<int> kept{1024};
  auto gauges = std::make_shared<ScrapedGauges>(std::vector<ScrapedGauges::Gauge>{
      {"coopnet_test_cache_bytes",
       "Bytes kept.",
       {{"cache", "answers"}},
       [&] { return double(kept.load()); }},
      {"coopnet_test_cache_bytes", "Bytes kept.", {{"cache", "keys"}}, [] { return 7.0; }}});
  (*exposer)->Add(gauges);
  std::string page = HttpGet((*exposer)->Port(), "/metrics");
  EXPECT_THAT(page, HasSubstr("# TYPE coopnet_test_cache_bytes gauge\n"));
  EXPECT_THAT(page, HasSubstr("coopnet_test_cache_bytes{cache=\"answers\"} 1024\n"));
  EXPECT_THAT(page, HasSubstr("coopnet_test_cache_bytes{cache=\"keys\"} 7\n"));
  kept = 4096;
  EXPECT_THAT(HttpGet((*exposer)->Port(), "/metrics"),
              HasSubstr("coopnet_test_cache_bytes{cache=\"answers\"} 4096\n"));
  (*exposer)->Remove(gauges);
  EXPECT_THAT(HttpGet((*exposer)->Port(), "/metrics"), Not(HasSubstr("coopnet_test_cache_bytes")));
}

TEST(Metrics, BusyPortIsUnavailable) {
  auto first = Exposer::Start("127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  auto second = Exposer::Start(absl::StrCat("127.0.0.1:", (*first)->Port()));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Exposer::Start("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Metrics, CounterChildIsFoundAgainByItsLabelValues) {
  prometheus::Registry registry;
  auto lookups = CounterFamily::Create("coopnet_cache_lookups_total", "Cache lookups.",
                                       {"cache", "result"}, registry);
  ASSERT_TRUE(lookups.ok()) << lookups.status();
  prometheus::Counter& hit = lookups->With({"organisations", "hit"});
  EXPECT_EQ(&hit, &lookups->With({"organisations", "hit"}));
  EXPECT_NE(&hit, &lookups->With({"organisations", "miss"}));
  hit.Increment();
  lookups->With({"organisations", "hit"}).Increment(2);
  EXPECT_THAT(Exposition(registry),
              HasSubstr("coopnet_cache_lookups_total{cache=\"organisations\",result=\"hit\"} 3\n"));
}

TEST(Metrics, LabelValuesThatLookAlikeStayApart) {
  prometheus::Registry registry;
  auto family = CounterFamily::Create("x_total", "x", {"a", "b"}, registry);
  ASSERT_TRUE(family.ok());
  EXPECT_NE(&family->With({"1:a", "b"}), &family->With({"1", "a:b"}));
}

TEST(Metrics, WrongNumberOfLabelValuesStillScrapes) {
  prometheus::Registry registry;
  auto family = CounterFamily::Create("x_total", "x", {"a", "b"}, registry);
  ASSERT_TRUE(family.ok());
  family->With({"only"}).Increment();
  family->With({"1", "2", "3"}).Increment();
  const std::string text = Exposition(registry);
  EXPECT_THAT(text, HasSubstr("x_total{a=\"only\",b=\"\"} 1"));
  EXPECT_THAT(text, HasSubstr("x_total{a=\"1\",b=\"2\"} 1"));
}

TEST(Metrics, FamilyDeclaredTwiceIsShared) {
  prometheus::Registry registry;
  auto first = CounterFamily::Create("coopnet_breaker_trips_total", "Trips.", {"peer"}, registry);
  auto second = CounterFamily::Create("coopnet_breaker_trips_total", "Trips.", {"peer"}, registry);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  first->With({"members"}).Increment();
  second->With({"members"}).Increment();
  EXPECT_THAT(Exposition(registry), HasSubstr("coopnet_breaker_trips_total{peer=\"members\"} 2\n"));
}

TEST(Metrics, InvalidNamesAreRefusedAsValues) {
  prometheus::Registry registry;
  EXPECT_EQ(CounterFamily::Create("bad-name", "", {}, registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CounterFamily::Create("ok_total", "", {"bad label"}, registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CounterFamily::Create("ok_total", "", {"a", "a"}, registry).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(CounterFamily::Create("taken", "", {}, registry).ok());
  auto clash = GaugeFamily::Create("taken", "", {}, registry);
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(clash.status().message(), HasSubstr("taken"));
  EXPECT_THAT(Exposition(registry), Not(HasSubstr("bad")));
}

TEST(Metrics, ConcurrentCallsAreAllCounted) {
  prometheus::Registry registry;
  auto grpc = GrpcServerMetrics::Create(registry);
  ASSERT_TRUE(grpc.ok());
  constexpr int kThreads = 8;
  constexpr int kCalls = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&grpc, t] {
      const std::string method = absl::StrCat("/a.B/M", t % 2);
      for (int i = 0; i < kCalls; ++i) {
        (*grpc)->Started(method, GrpcType::kUnary);
        (*grpc)->Handled(method, GrpcType::kUnary, i % 2 ? "OK" : "UNAVAILABLE", 0.001);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = Exposition(registry);
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{grpc_method=\"M0\",grpc_service=\"a.B\","
                              "grpc_type=\"unary\"} 20000\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"M1\","
                              "grpc_service=\"a.B\",grpc_type=\"unary\"} 10000\n"));
}

}  // namespace
}  // namespace coopnet::metrics
