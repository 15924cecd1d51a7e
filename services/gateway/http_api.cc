#include "services/gateway/http_api.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using principal::Principal;

HttpResponse ErrorResponse(const grpc::Status& status, Headers headers, int http_status = 0) {
  HttpError error = RenderError(status);
  headers.emplace_back("Content-Type", "application/json");
  return HttpResponse{http_status != 0 ? http_status : error.http_status, std::move(headers),
                      std::move(error.json)};
}

// A refusal of the gateway's own, with Retry-After for a rate limit.
HttpResponse ErrorResponse(const absl::Status& refusal, Headers headers, int http_status = 0) {
  if (const int64_t seconds = RetryAfterOf(refusal); seconds > 0) {
    headers.emplace_back("Retry-After", absl::StrCat(seconds));
  }
  return ErrorResponse(status::ToGrpc(refusal, kErrorDomain), std::move(headers), http_status);
}

// The request headers that go on to the services.
std::vector<std::pair<std::string, std::string>> PassedOnHeaders(const HttpRequest& request) {
  std::vector<std::pair<std::string, std::string>> passed;
  for (const char* name : {"accept-language", "traceparent", "tracestate"}) {
    const absl::string_view value = request.Header(name);
    if (!value.empty()) passed.emplace_back(name, std::string(value));
  }
  return passed;
}

}  // namespace

bool MayCarryPersonalData(const HttpRequest& request, const Principal& caller) {
  return caller.kind() != Principal::ANONYMOUS || request.method != "GET" ||
         !request.Header(absl::AsciiStrToLower(kManageTokenHeader)).empty();
}

std::vector<std::pair<std::string, std::string>> CorsHeaders(
    absl::string_view origin, const std::vector<std::string>& allowed, bool preflight) {
  if (origin.empty() ||
      std::none_of(allowed.begin(), allowed.end(),
                   [origin](const std::string& o) { return o == "*" || o == origin; })) {
    return {};
  }
  Headers headers = {{"Access-Control-Allow-Origin", std::string(origin)}, {"Vary", "Origin"}};
  if (preflight) {
    headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE");
    headers.emplace_back("Access-Control-Allow-Headers",
                         absl::StrCat("Authorization, Content-Type, Accept-Language, Traceparent, ",
                                      kManageTokenHeader));
    headers.emplace_back("Access-Control-Max-Age", "600");
  } else {
    headers.emplace_back("Access-Control-Expose-Headers", "Retry-After");
  }
  return headers;
}

// A unary call on behalf of an HTTP request: alive until the backend has answered.
class HttpApi::UnaryCall {
 public:
  static void Start(GrpcFront& front, AnswerCache& rendered, std::shared_ptr<HttpExchange> exchange,
                    const HttpRoute& route, grpc::ByteBuffer request, const Upstream& upstream,
                    Headers cors) {
    std::string key = front.forwarder().AnswerKey(*route.method, upstream, request);
    if (!key.empty()) {
      key = AnswerCache::KeyOf({key, route.response_body});  // what the route renders
      if (std::optional<std::string> kept = rendered.Find(key)) {
        const size_t end = kept->find('\n');
        Headers headers = std::move(cors);
        headers.emplace_back("Content-Type", kept->substr(0, end));
        exchange->Respond({200, std::move(headers), kept->substr(end + 1)});
        return;
      }
    }
    auto call = std::shared_ptr<UnaryCall>(new UnaryCall(
        std::move(exchange), route, std::move(request), std::move(cors), rendered, std::move(key)));
    front.forwarder().Unary(*route.method, upstream, call->context_, &call->request_,
                            &call->response_,
                            [call](grpc::Status status) { call->Answer(status); });
  }

 private:
  UnaryCall(std::shared_ptr<HttpExchange> exchange, const HttpRoute& route,
            grpc::ByteBuffer request, Headers cors, AnswerCache& rendered, std::string key)
      : exchange_(std::move(exchange)),
        route_(route),
        cors_(std::move(cors)),
        rendered_(rendered),
        key_(std::move(key)),
        context_(std::make_shared<grpc::ClientContext>()),
        request_(std::move(request)) {}

  void Answer(const grpc::Status& status) {
    if (!status.ok()) {
      exchange_->Respond(ErrorResponse(status, cors_));
      return;
    }
    std::unique_ptr<google::protobuf::Message> response = NewResponse(*route_.method);
    absl::StatusOr<HttpBody> body =
        FromBuffer(response_, *response)
            ? RenderResponse(route_, *response)
            : absl::InternalError("the service's answer does not parse");
    if (!body.ok()) {
      exchange_->Respond(ErrorResponse(body.status(), cors_));
      return;
    }
    if (!key_.empty()) rendered_.Keep(key_, absl::StrCat(body->content_type, "\n", body->data));
    Headers headers = cors_;
    headers.emplace_back("Content-Type", std::move(body->content_type));
    exchange_->Respond({200, std::move(headers), std::move(body->data)});
  }

  const std::shared_ptr<HttpExchange> exchange_;
  const HttpRoute& route_;
  const Headers cors_;
  AnswerCache& rendered_;
  const std::string key_;
  const std::shared_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// A server stream on behalf of an HTTP request: each message becomes a chunk, written
// before the next is read. Deletes itself when the backend's stream has ended.
class HttpApi::StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  static void Start(GrpcFront& front, std::shared_ptr<HttpExchange> exchange,
                    const HttpRoute& route, grpc::ByteBuffer request, const Upstream& upstream,
                    Headers cors, StreamQuota::Slot slot) {
    auto* call =
        new StreamCall(front, std::move(exchange), route, std::move(request), std::move(cors));
    call->slot_ = std::move(slot);
    front.forwarder().Prepare(*route.method, upstream, *call->context_);
    front.forwarder().PrepareStream(*route.method, call->context_, call);
    call->StartWrite(&call->request_);
    call->StartWritesDone();
    // Reads start from the HTTP side's callbacks, outside any reaction of this stream.
    call->AddHold();
    call->StartRead(&call->message_);
    call->StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();  // the stream ended: OnDone brings its status
      return;
    }
    std::unique_ptr<google::protobuf::Message> message = NewResponse(*route_.method);
    absl::StatusOr<HttpBody> chunk =
        FromBuffer(message_, *message)
            ? RenderStreamMessage(*message)
            : absl::InternalError("the service's message does not parse");
    if (!chunk.ok()) {
      context_->TryCancel();
      StartRead(&message_);
      return;
    }
    if (started_) {
      exchange_->WriteChunk(std::move(chunk->data), [this](bool ok) { Written(ok); });
      return;
    }
    started_ = true;
    Headers headers = cors_;
    headers.emplace_back("Content-Type", chunk->content_type.empty() ? "application/octet-stream"
                                                                     : chunk->content_type);
    exchange_->StartStream(
        {200, std::move(headers), ""}, [this, data = std::move(chunk->data)](bool ok) mutable {
          if (!ok) {
            Written(false);
            return;
          }
          exchange_->WriteChunk(std::move(data), [this](bool ok) { Written(ok); });
        });
  }

  void OnDone(const grpc::Status& status) override {
    Forwarder& forwarder = front_.forwarder();
    const std::shared_ptr<grpc::ClientContext> context = context_;
    const grpc::Status answer = forwarder.Answer(*route_.method, status);
    if (!started_) {
      // Nothing came: an empty stream, or an error that can still be a proper answer.
      exchange_->Respond(answer.ok() ? HttpResponse{200, cors_, ""} : ErrorResponse(answer, cors_));
    } else if (client_gone_) {
      exchange_->Abort();
    } else if (answer.ok()) {
      exchange_->EndStream();
    } else if (!raw_) {
      // A JSON stream ends with the error as its last line.
      std::string line = absl::StrCat("{\"error\":", RenderError(answer).json, "}\n");
      exchange_->WriteChunk(std::move(line), [exchange = exchange_](bool ok) {
        if (ok) exchange->EndStream();
      });
    } else {
      // A file cut short must not look whole: the connection ends without the last chunk.
      exchange_->Abort();
    }
    // Gives the exchange and the stream's slot back; then, last, the call counts as
    // finished, and the gateway may be torn down.
    delete this;
    forwarder.Finished(context.get());
  }

 private:
  StreamCall(GrpcFront& front, std::shared_ptr<HttpExchange> exchange, const HttpRoute& route,
             grpc::ByteBuffer request, Headers cors)
      : front_(front),
        exchange_(std::move(exchange)),
        route_(route),
        cors_(std::move(cors)),
        raw_(RawBodyField(route.method->descriptor->output_type()) != nullptr),
        context_(std::make_shared<grpc::ClientContext>()),
        request_(std::move(request)) {}

  void Written(bool ok) {
    if (!ok) {
      client_gone_ = true;
      context_->TryCancel();
    }
    StartRead(&message_);
  }

  GrpcFront& front_;
  const std::shared_ptr<HttpExchange> exchange_;
  const HttpRoute& route_;
  const Headers cors_;
  const bool raw_;
  const std::shared_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;
  StreamQuota::Slot slot_;
  // Touched only by one reaction or callback at a time: each starts the next.
  bool started_ = false;
  bool client_gone_ = false;
};

HttpApi::HttpApi(const RouteTable& routes, GrpcFront& front, std::string openapi_json,
                 std::vector<std::string> cors_origins, HttpMetrics& metrics)
    : routes_(routes),
      front_(front),
      openapi_json_(std::move(openapi_json)),
      cors_origins_(std::move(cors_origins)),
      metrics_(metrics),
      rendered_(front.forwarder().answer_options()) {}

void HttpApi::Handle(std::shared_ptr<HttpExchange> plain) {
  std::shared_ptr<MeasuredExchange> exchange = metrics_.Measure(std::move(plain));
  const HttpRequest& request = exchange->request();
  const absl::string_view origin = request.Header("origin");
  const absl::string_view target = request.target;
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);

  if (request.method == "OPTIONS") {
    exchange->set_route(kPreflightRoute);
    Headers headers = CorsHeaders(origin, cors_origins_, /*preflight=*/true);
    if (!origin.empty() && headers.empty()) {
      exchange->Respond(ErrorResponse(
          status::Error(absl::StatusCode::kPermissionDenied, "ORIGIN_NOT_ALLOWED",
                        absl::StrCat("the origin ", origin, " may not call this API")),
          {}));
      return;
    }
    headers.emplace_back("Allow", "GET, POST, PATCH, PUT, DELETE, OPTIONS");
    exchange->Respond({204, std::move(headers), ""});
    return;
  }
  Headers cors = CorsHeaders(origin, cors_origins_, /*preflight=*/false);
  if (request.method == "GET" && path == "/openapi.json") {
    exchange->set_route("/openapi.json");
    Headers headers = cors;
    headers.emplace_back("Content-Type", "application/json");
    exchange->Respond({200, std::move(headers), openapi_json_});
    return;
  }

  RouteMatch match = routes_.Match(request.method, path);
  if (match.route == nullptr) {
    if (match.allowed.empty()) {
      exchange->Respond(
          ErrorResponse(status::Error(absl::StatusCode::kNotFound, "UNKNOWN_ROUTE",
                                      absl::StrCat("no route for ", request.method, " ", path,
                                                   "; GET /openapi.json lists them")),
                        cors));
    } else {
      Headers headers = cors;
      headers.emplace_back("Allow", absl::StrJoin(match.allowed, ", "));
      exchange->Respond(ErrorResponse(
          status::Error(absl::StatusCode::kUnimplemented, "METHOD_NOT_ALLOWED",
                        absl::StrCat(path, " takes ", absl::StrJoin(match.allowed, ", "), ", not ",
                                     request.method)),
          std::move(headers), 405));
    }
    return;
  }
  const HttpRoute& route = *match.route;
  exchange->set_route(route.path.text());
  Credentials credentials;
  credentials.authorization = std::string(request.Header("authorization"));
  credentials.client_address = ClientAddress(
      request.peer_address, request.Header("x-forwarded-for"), front_.options().trusted_proxies);
  // Admitted on its headers: a refused request's body is never read.
  front_.access().Admit(
      *route.method, credentials,
      [this, exchange = std::move(exchange), &route, match = std::move(match),
       cors = std::move(cors)](absl::StatusOr<Principal> caller) mutable {
        if (!caller.ok()) {
          exchange->Respond(ErrorResponse(caller.status(), std::move(cors)));
          return;
        }
        if (MayCarryPersonalData(exchange->request(), *caller)) {
          cors.emplace_back("Cache-Control", "no-store");
        }
        HttpExchange& reading = *exchange;
        reading.ReadBody([this, exchange = std::move(exchange), &route, match = std::move(match),
                          cors = std::move(cors), caller = *std::move(caller)]() mutable {
          Forward(std::move(exchange), route, match, std::move(caller), std::move(cors));
        });
      });
}

void HttpApi::Forward(std::shared_ptr<HttpExchange> exchange, const HttpRoute& route,
                      const RouteMatch& match, Principal caller, Headers cors) {
  const HttpRequest& request = exchange->request();
  const absl::string_view target = request.target;
  const size_t question = target.find('?');
  const absl::string_view query =
      question == absl::string_view::npos ? absl::string_view() : target.substr(question + 1);
  std::unique_ptr<google::protobuf::Message> message = NewRequest(*route.method);
  if (absl::Status built = BuildRequest(route, request.body, query, match.bindings, *message);
      !built.ok()) {
    exchange->Respond(ErrorResponse(built, cors));
    return;
  }
  if (const absl::string_view token = request.Header(absl::AsciiStrToLower(kManageTokenHeader));
      !token.empty()) {
    if (absl::Status set = SetManageToken(token, *message); !set.ok()) {
      exchange->Respond(ErrorResponse(set, cors));
      return;
    }
  }
  CapPageSize(*route.method, front_.options().max_page_size, *message);
  Upstream upstream;
  upstream.metadata = PassedOnHeaders(request);
  upstream.caller = std::move(caller);
  if (!route.method->descriptor->server_streaming()) {
    UnaryCall::Start(front_, rendered_, std::move(exchange), route, ToBuffer(*message), upstream,
                     std::move(cors));
    return;
  }
  absl::StatusOr<StreamQuota::Slot> slot = front_.streams().Open(upstream.caller);
  if (!slot.ok()) {
    exchange->Respond(ErrorResponse(slot.status(), std::move(cors)));
    return;
  }
  StreamCall::Start(front_, std::move(exchange), route, ToBuffer(*message), upstream,
                    std::move(cors), *std::move(slot));
}

}  // namespace coopnet::gateway
