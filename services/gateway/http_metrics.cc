#include "services/gateway/http_metrics.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace coopnet::gateway {
namespace {

// The `method` label: what the client sent when it is a method we know, so that made-up
// methods share one series.
absl::string_view MethodLabel(absl::string_view method) {
  for (absl::string_view known : {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"}) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpMetrics>> HttpMetrics::Create(prometheus::Registry& registry) {
  auto requests = metrics::CounterFamily::Create(
      "coopnet_http_requests_total",
      "HTTP requests answered by the gateway, by method, route template and status code.",
      {"method", "route", "code"}, registry);
  if (!requests.ok()) return requests.status();
  auto duration = metrics::HistogramFamily::Create(
      "coopnet_http_request_duration_seconds",
      "Time from an HTTP request to the end of its answer, by method and route template.",
      {"method", "route"}, metrics::DefaultGrpcBuckets(), registry);
  if (!duration.ok()) return duration.status();
  return std::unique_ptr<HttpMetrics>(new HttpMetrics(*std::move(requests), *std::move(duration)));
}

HttpMetrics& HttpMetrics::Shared() {
  // Never destroyed: answers may still be given while the process ends.
  static HttpMetrics* const shared = [] {
    absl::StatusOr<std::unique_ptr<HttpMetrics>> created = Create(*metrics::SharedRegistry());
    // Only a family of another type under one of these names fails here: a bug.
    if (!created.ok()) {
      std::fprintf(stderr, "%s\n", std::string(created.status().message()).c_str());
      std::abort();
    }
    return created->release();
  }();
  return *shared;
}

std::shared_ptr<MeasuredExchange> HttpMetrics::Measure(std::shared_ptr<HttpExchange> exchange) {
  return std::make_shared<MeasuredExchange>(std::move(exchange), *this);
}

void HttpMetrics::Record(absl::string_view method, absl::string_view route, int code,
                         double seconds) {
  const std::string code_label = absl::StrCat(code);
  requests_.With({method, route, code_label}).Increment();
  duration_.With({method, route}).Observe(seconds);
}

MeasuredExchange::MeasuredExchange(std::shared_ptr<HttpExchange> exchange, HttpMetrics& metrics)
    : exchange_(std::move(exchange)), metrics_(metrics), start_(absl::Now()) {}

void MeasuredExchange::Record() {
  metrics_.Record(MethodLabel(exchange_->request().method), route_, code_,
                  absl::ToDoubleSeconds(absl::Now() - start_));
}

void MeasuredExchange::Respond(HttpResponse response) {
  code_ = response.status;
  Record();
  exchange_->Respond(std::move(response));
}

void MeasuredExchange::StartStream(HttpResponse head, std::function<void(bool)> written) {
  code_ = head.status;
  exchange_->StartStream(std::move(head), std::move(written));
}

void MeasuredExchange::WriteChunk(std::string data, std::function<void(bool)> written) {
  exchange_->WriteChunk(std::move(data), std::move(written));
}

void MeasuredExchange::EndStream() {
  Record();
  exchange_->EndStream();
}

void MeasuredExchange::Abort() {
  Record();
  exchange_->Abort();
}

}  // namespace coopnet::gateway
