// coopnet::gateway::HttpServer — HTTP/1.1 with keep-alive on Boost.Beast: the
// transport of the gateway's HTTP/JSON port, with no knowledge of the API.
//
// A few threads serve every connection asynchronously, so an idle keep-alive connection
// costs no thread. Each request is handed to the handler as an HttpExchange as soon as
// its headers are in; the handler reads the body when it has decided to (ReadBody), so a
// request refused on its headers (a rate limit) costs no body. The exchange answers from
// any thread, in one piece or as a chunked stream; the connection reads its next request
// once the answer is written. A body over `max_body_bytes` is refused (413) before it is
// read; a malformed request gets 400, and the connection is closed.
//
// What a client can hold is bounded: at most `max_connections` are open (one more is
// closed at once), a new connection's first request and every request's headers must
// come within `header_timeout` (from the connection's opening, or the request's first
// byte), the body within `body_timeout`, and a kept-alive connection waits
// `idle_timeout` for its next request. When the process runs out of file descriptors, accepting
// pauses (50 to 500 ms) instead of spinning. With a certificate, it speaks HTTPS.
//
//   HttpServer server({.listen_address = "0.0.0.0:8080"}, [](std::shared_ptr<HttpExchange> x) {
//     x->Respond({.status = 200, .headers = {{"Content-Type", "text/plain"}}, .body = "hi"});
//   });
//   COOPNET_RETURN_IF_ERROR(server.Start());
#ifndef COOPNET_SERVICES_GATEWAY_HTTP_SERVER_H_
#define COOPNET_SERVICES_GATEWAY_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/tls/tls.h"

namespace coopnet::gateway {

struct HttpRequest {
  // "GET", "POST", ...
  std::string method;
  // As sent: the path and, after '?', the query.
  std::string target;
  // Names in lower case; Header() finds them.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The peer's IP address.
  std::string peer_address;

  // The value of header `name` (lower case), "" when absent.
  absl::string_view Header(absl::string_view name) const;
};

// Settings of HttpServer that bound what clients can hold.
struct HttpLimits {
  // Open connections at most; a new one beyond is closed at once.
  int max_connections = 10000;
  // From a request's first byte to the end of its headers (slow clients, "slowloris").
  absl::Duration header_timeout = absl::Seconds(10);
  // How long reading a body may take once the handler asked for it.
  absl::Duration body_timeout = absl::Seconds(30);
  // How long a kept-alive connection waits for its next request.
  absl::Duration idle_timeout = absl::Seconds(60);
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// One request and its answer. Every method may be called from any thread, and exactly
// one answer must be given: Respond, or StartStream ... EndStream (or Abort).
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  // The request; its body is empty until ReadBody has read it.
  virtual const HttpRequest& request() const = 0;

  // Reads the body into request().body, then calls `read` (on the connection's thread).
  // When the body cannot be read (too large, too slow, malformed, the client gone) the
  // transport answers or closes the connection itself, and `read` is never called. An
  // answer given without reading the body closes the connection after it.
  virtual void ReadBody(std::function<void()> read) = 0;

  // Answers in one piece; Content-Length is set here.
  virtual void Respond(HttpResponse response) = 0;

  // A chunked answer: the head now, then each chunk once `written(true)` said the one
  // before went out. `written(false)`: the client has gone; stop sending.
  virtual void StartStream(HttpResponse head, std::function<void(bool)> written) = 0;
  virtual void WriteChunk(std::string data, std::function<void(bool)> written) = 0;
  // Ends a stream properly; Abort cuts it (and the connection) short, so the client can
  // tell an incomplete file from a whole one.
  virtual void EndStream() = 0;
  virtual void Abort() = 0;
};

using HttpHandler = std::function<void(std::shared_ptr<HttpExchange>)>;

// A request the transport answers itself, before any handler sees it: a body or headers
// too large (413, 431), a malformed request (400).
struct HttpRefusal {
  int status = 400;
  // What went wrong, for the caller: "the request headers are too large".
  std::string message;
};

// Words a refusal as the API words its errors; the transport knows nothing of that.
using RefusalRenderer = std::function<HttpResponse(const HttpRefusal&)>;

class HttpServerState;  // Threads, acceptor and connections; in http_server.cc.

struct HttpServerOptions {
  // "host:port"; port 0 picks a free one (see port()).
  std::string listen_address = "0.0.0.0:8080";
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  HttpLimits limits = {};
  // How refusals read; plain text when not given.
  RefusalRenderer render_refusal = nullptr;
  // HTTPS with this certificate and key when it names a certificate (its CA and allowed
  // clients are not used: callers show API keys); read again every refresh interval, a
  // change serving new connections while open ones carry on.
  tls::Files tls = {};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  // Stops (at once, unless Drain and Stop came first).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; UNAVAILABLE when the address cannot be bound.
  absl::Status Start();
  int port() const;
  // Connections open now.
  int open_connections() const;

  // Stops accepting and closes idle connections; waits until the requests in flight are
  // answered (and their connections closed) or `deadline` passes.
  void Drain(absl::Time deadline);

  // Closes every connection and stops the threads; answers given later are dropped.
  // Call it once nothing answers any more (the calls to backends have ended).
  void Stop();

 private:
  std::unique_ptr<HttpServerState> state_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_HTTP_SERVER_H_
