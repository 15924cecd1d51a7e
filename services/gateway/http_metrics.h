// coopnet::gateway::HttpMetrics — what the HTTP/JSON port answered, as an operator
// watches it: coopnet_http_requests_total{method,route,code} and
// coopnet_http_request_duration_seconds{method,route}, from the request to the end of its
// answer (a stream's last chunk).
//
// `route` is the template of the route that matched (`/v1/{name=events/*}`) or a fixed
// word (kUnmatchedRoute, kPreflightRoute), and `method` one of the HTTP methods we know
// or "other": never what the client wrote, so no client can grow the series.
//
//   std::shared_ptr<MeasuredExchange> exchange = metrics.Measure(std::move(plain));
//   exchange->set_route(match.route->path.text());
//   exchange->Respond({200, headers, body});  // counted now
#ifndef COOPNET_SERVICES_GATEWAY_HTTP_METRICS_H_
#define COOPNET_SERVICES_GATEWAY_HTTP_METRICS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "services/gateway/http_server.h"

namespace coopnet::gateway {

// The route of a request no route matched (404, 405).
inline constexpr absl::string_view kUnmatchedRoute = "unmatched";
// The route of a CORS preflight (OPTIONS), whatever its path.
inline constexpr absl::string_view kPreflightRoute = "preflight";

class MeasuredExchange;

class HttpMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<HttpMetrics>> Create(
      prometheus::Registry& registry = *metrics::SharedRegistry());

  // The families in metrics::SharedRegistry(), which the gateway's /metrics serves.
  static HttpMetrics& Shared();

  // `exchange`, answering as it would and counted when its answer is complete; it must
  // be answered (as HttpExchange requires). This must outlive it.
  std::shared_ptr<MeasuredExchange> Measure(std::shared_ptr<HttpExchange> exchange);

 private:
  friend class MeasuredExchange;
  HttpMetrics(metrics::CounterFamily requests, metrics::HistogramFamily duration)
      : requests_(std::move(requests)), duration_(std::move(duration)) {}

  void Record(absl::string_view method, absl::string_view route, int code, double seconds);

  const metrics::CounterFamily requests_;
  const metrics::HistogramFamily duration_;
};

class MeasuredExchange final : public HttpExchange {
 public:
  MeasuredExchange(std::shared_ptr<HttpExchange> exchange, HttpMetrics& metrics);

  // The route label the answer is counted under; kUnmatchedRoute until set. `route` must
  // outlive the exchange (a route table's template, or one of the words above).
  void set_route(absl::string_view route) { route_ = route; }

  const HttpRequest& request() const override { return exchange_->request(); }
  void ReadBody(std::function<void()> read) override { exchange_->ReadBody(std::move(read)); }
  void Respond(HttpResponse response) override;
  void StartStream(HttpResponse head, std::function<void(bool)> written) override;
  void WriteChunk(std::string data, std::function<void(bool)> written) override;
  void EndStream() override;
  void Abort() override;

 private:
  // Counted before the answer goes out, so that whoever has the answer sees it counted.
  void Record();

  const std::shared_ptr<HttpExchange> exchange_;
  HttpMetrics& metrics_;
  const absl::Time start_;
  absl::string_view route_ = kUnmatchedRoute;
  // The status of a stream's head, counted when the stream ends.
  int code_ = 0;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_HTTP_METRICS_H_
