// coopnet::gateway::HttpApi — the gateway's HTTP/JSON port: every routed method through
// its google.api.http rule, as portals and browsers use it.
//
// A request is matched to its route (404, or 405 naming the methods the path allows),
// admitted on its headers exactly as a gRPC call is (401, 403, 429 with Retry-After),
// before its body is read; then transcoded (400 naming what is wrong) and forwarded with
// Accept-Language and the trace context; the answer comes back as JSON (or as the
// iCalendar or CSV document it is), and a server stream as chunks. Errors are a JSON
// google.rpc.Status with the HTTP code of its gRPC code. CORS lets the configured portal
// origins call from browsers; GET /openapi.json describes it all. Every answer is counted
// by route in `metrics` (HttpMetrics).
//
//   HttpApi api(routes, front, OpenApiDocument(routes), {.cors_origins =
//   {"https://portal.example"}}); HttpServer server(options, [&](std::shared_ptr<HttpExchange> x) {
//   api.Handle(std::move(x)); });
#ifndef COOPNET_SERVICES_GATEWAY_HTTP_API_H_
#define COOPNET_SERVICES_GATEWAY_HTTP_API_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/gateway/answer_cache.h"
#include "services/gateway/grpc_front.h"
#include "services/gateway/http_metrics.h"
#include "services/gateway/http_route.h"
#include "services/gateway/http_server.h"

namespace coopnet::gateway {

// True when the answer to `request` by `caller` may hold personal data, so that no
// browser or proxy may keep it (Cache-Control: no-store): any caller with a key, any
// write (a registration's answer holds its participants and manage token), and any read
// with a manage token. Anonymous reads of public data may be kept.
bool MayCarryPersonalData(const HttpRequest& request, const principal::Principal& caller);

// The CORS answer headers for a request from `origin` when `allowed` lists it (or holds
// "*"); none for another origin or no origin at all. `preflight` adds what an OPTIONS
// preflight needs.
std::vector<std::pair<std::string, std::string>> CorsHeaders(
    absl::string_view origin, const std::vector<std::string>& allowed, bool preflight);

class HttpApi {
 public:
  // `routes`, `front` (whose access, forwarder and options it shares) and `metrics` must
  // outlive it.
  HttpApi(const RouteTable& routes, GrpcFront& front, std::string openapi_json,
          std::vector<std::string> cors_origins, HttpMetrics& metrics = HttpMetrics::Shared());

  // Answers one request; never blocks.
  void Handle(std::shared_ptr<HttpExchange> exchange);

  // The rendered answers it keeps, in bytes.
  size_t answer_cache_bytes() const { return rendered_.bytes(); }

 private:
  class UnaryCall;
  class StreamCall;

  // Transcodes an admitted request, its body read, and sends it on.
  void Forward(std::shared_ptr<HttpExchange> exchange, const HttpRoute& route,
               const RouteMatch& match, principal::Principal caller,
               std::vector<std::pair<std::string, std::string>> cors);

  const RouteTable& routes_;
  GrpcFront& front_;
  const std::string openapi_json_;
  const std::vector<std::string> cors_origins_;
  HttpMetrics& metrics_;
  // Anonymous public reads' answers as rendered (content type, then body), kept as long
  // as the forwarder keeps their bytes: a repeated question skips the backend and the
  // rendering too.
  AnswerCache rendered_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_HTTP_API_H_
