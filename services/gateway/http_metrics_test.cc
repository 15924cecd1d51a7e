#include "services/gateway/http_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <string>

namespace coopnet::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// An exchange that keeps its answer, as the HTTP server would send it.
class RecordingExchange final : public HttpExchange {
 public:
  explicit RecordingExchange(std::string method, std::string target = "/") {
    request_.method = std::move(method);
    request_.target = std::move(target);
  }
  const HttpRequest& request() const override { return request_; }
  void ReadBody(std::function<void()> read) override { read(); }
  void Respond(HttpResponse response) override { status = response.status; }
  void StartStream(HttpResponse head, std::function<void(bool)> written) override {
    status = head.status;
    written(true);
  }
  void WriteChunk(std::string data, std::function<void(bool)> written) override {
    chunks += data;
    written(true);
  }
  void EndStream() override { ended = true; }
  void Abort() override { aborted = true; }

  int status = 0;
  std::string chunks;
  bool ended = false;
  bool aborted = false;

 private:
  HttpRequest request_;
};

class HttpMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metrics = HttpMetrics::Create(registry_);
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_ = *std::move(metrics);
  }
  std::string Scrape() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  prometheus::Registry registry_;
  std::unique_ptr<HttpMetrics> metrics_;
};

TEST_F(HttpMetricsTest, AnswerIsCountedByMethodRouteTemplateAndCode) {
  for (int status : {200, 404, 404}) {
    auto plain = std::make_shared<RecordingExchange>("GET", "/v1/events/01j9?view=full");
    std::shared_ptr<MeasuredExchange> exchange = metrics_->Measure(plain);
    exchange->set_route("/v1/{name=events/*}");
    exchange->Respond({status, {}, ""});
    EXPECT_EQ(plain->status, status);
  }
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE coopnet_http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_http_requests_total{code=\"200\",method=\"GET\","
                              "route=\"/v1/{name=events/*}\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_http_requests_total{code=\"404\",method=\"GET\","
                              "route=\"/v1/{name=events/*}\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE coopnet_http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_http_request_duration_seconds_count{method=\"GET\","
                              "route=\"/v1/{name=events/*}\"} 3\n"));
  EXPECT_THAT(text, Not(HasSubstr("01j9")));
}

TEST_F(HttpMetricsTest, RequestNoRouteMatchedIsCountedAsUnmatchedNotByItsPath) {
  auto plain = std::make_shared<RecordingExchange>("GET", "/wp-admin/install.php");
  metrics_->Measure(plain)->Respond({404, {}, ""});
  const std::string text = Scrape();
  EXPECT_THAT(
      text,
      HasSubstr(
          "coopnet_http_requests_total{code=\"404\",method=\"GET\",route=\"unmatched\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("wp-admin")));
}

TEST_F(HttpMetricsTest, MadeUpMethodsShareOneSeries) {
  for (const char* method : {"BREW", "PROPFIND", "GET"}) {
    metrics_->Measure(std::make_shared<RecordingExchange>(method))->Respond({404, {}, ""});
  }
  const std::string text = Scrape();
  EXPECT_THAT(text, HasSubstr("coopnet_http_requests_total{code=\"404\",method=\"other\","
                              "route=\"unmatched\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("coopnet_http_requests_total{code=\"404\",method=\"GET\","
                              "route=\"unmatched\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("BREW")));
}

TEST_F(HttpMetricsTest, StreamIsCountedWithItsHeadsCodeOnceItEnds) {
  auto plain = std::make_shared<RecordingExchange>("GET");
  std::shared_ptr<MeasuredExchange> exchange = metrics_->Measure(plain);
  exchange->set_route("/v1/{parent=organisations/*}/events:export");
  exchange->StartStream({200, {}, ""}, [](bool) {});
  exchange->WriteChunk("BEGIN:VCALENDAR\r\n", [](bool) {});
  EXPECT_THAT(Scrape(), Not(HasSubstr("coopnet_http_requests_total{")));
  exchange->EndStream();
  EXPECT_TRUE(plain->ended);
  EXPECT_EQ(plain->chunks, "BEGIN:VCALENDAR\r\n");
  EXPECT_THAT(Scrape(), HasSubstr("coopnet_http_requests_total{code=\"200\",method=\"GET\","
                                  "route=\"/v1/{parent=organisations/*}/events:export\"} 1\n"));
}

TEST_F(HttpMetricsTest, StreamCutShortIsCountedToo) {
  auto plain = std::make_shared<RecordingExchange>("GET");
  std::shared_ptr<MeasuredExchange> exchange = metrics_->Measure(plain);
  exchange->set_route("/v1/{parent=organisations/*}/events:export");
  exchange->StartStream({200, {}, ""}, [](bool) {});
  exchange->Abort();
  EXPECT_TRUE(plain->aborted);
  EXPECT_THAT(Scrape(), HasSubstr("coopnet_http_request_duration_seconds_count{method=\"GET\","
                                  "route=\"/v1/{parent=organisations/*}/events:export\"} 1\n"));
}

}  // namespace
}  // namespace coopnet::gateway
