#include "services/gateway/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log/log.h"

namespace coopnet::gateway {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// How long writing one answer (or one chunk) to a client may take.
constexpr auto kWriteTimeout = std::chrono::seconds(60);
// The largest request headers.
constexpr size_t kHeaderLimit = 16 * 1024;
// How long accepting pauses when file descriptors run out: doubling from the first to
// the last while it lasts.
constexpr auto kFirstAcceptPause = std::chrono::milliseconds(50);
constexpr auto kLastAcceptPause = std::chrono::milliseconds(500);

// Accepting failed for want of a resource that closing connections gives back.
bool OutOfDescriptors(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory ||
         (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

std::chrono::steady_clock::duration Chrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

// A refusal as plain text, for a server not told how the API words errors.
HttpResponse PlainRefusal(const HttpRefusal& refusal) {
  return HttpResponse{
      refusal.status, {{"Content-Type", "text/plain; charset=utf-8"}}, refusal.message + "\n"};
}

// A TLS server context holding the certificate and key of `pem`; no client certificates are
// asked for (outside callers show API keys).
absl::StatusOr<std::shared_ptr<ssl::context>> ServerContext(const tls::Pem& pem) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (!ec) context->use_certificate_chain(net::buffer(pem.certificate_chain), ec);
  if (!ec) context->use_private_key(net::buffer(pem.private_key), ssl::context::pem, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("HTTP TLS: ", ec.message()));
  return context;
}

absl::StatusOr<tcp::endpoint> ParseEndpoint(absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not host:port"));
  }
  std::string host(address.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  beast::error_code ec;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("\"", host, "\" is not an IP address"));
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

}  // namespace

absl::string_view HttpRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

class Connection;

class HttpServerState {
 public:
  HttpServerState(HttpServerOptions options, HttpHandler handler)
      : options(std::move(options)), handler(std::move(handler)), io(this->options.threads) {}

  void Accept();
  // Accepts again after a pause that grows while descriptors stay short.
  void PauseAccepting();
  // Reads the TLS files again every refresh interval; a change serves new connections.
  void WatchTlsFiles();
  // The TLS context new connections take; null for plaintext.
  std::shared_ptr<ssl::context> tls_context() {
    absl::MutexLock lock(&mu);
    return tls_context_;
  }
  void Opened(const std::shared_ptr<Connection>& connection);
  void Closed(Connection* connection);
  // Calls `action` on every open connection.
  void ForEach(const std::function<void(const std::shared_ptr<Connection>&)>& action);

  const HttpServerOptions options;
  const HttpHandler handler;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  int port = 0;

  std::atomic<int> open_connections{0};
  std::chrono::milliseconds accept_pause{0};  // on the acceptor's strand only

  absl::Mutex mu;
  absl::flat_hash_map<Connection*, std::weak_ptr<Connection>> connections ABSL_GUARDED_BY(mu);
  // What the TLS context was made from, to notice a rotation.
  tls::Pem tls_pem ABSL_GUARDED_BY(mu);
  std::shared_ptr<ssl::context> tls_context_ ABSL_GUARDED_BY(mu);

  // Last, so that it goes first: the handlers it still holds release their connections
  // while the members above (which a connection's destructor uses) are alive.
  net::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_timer;
  std::optional<net::steady_timer> tls_timer;
};

// One client connection: reads a request, hands it on, writes the answer, and reads the
// next once that is done. Everything runs on the connection's strand. Over TLS the
// handshake comes first, within the header timeout; the connection keeps the context
// it began with when the certificate is rotated.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HttpServerState& state, std::shared_ptr<ssl::context> tls)
      : stream_(std::move(socket)), state_(state), tls_context_(std::move(tls)) {
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    peer_ = stream_.socket().remote_endpoint(ignored).address().to_string();
    if (tls_context_) tls_.emplace(stream_, *tls_context_);
  }
  ~Connection() { state_.Closed(this); }

  net::any_io_executor executor() { return stream_.get_executor(); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->tls_) {
        self->Read();
        return;
      }
      self->stream_.expires_after(Chrono(self->state_.options.limits.header_timeout));
      self->tls_->async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
        if (ec) {
          self->Close();
        } else {
          self->Read();
        }
      });
    });
  }

  // Closes a connection that waits for its next request; a busy one closes once answered.
  void CloseIfIdle() {
    if (!busy_) Close();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  void Refuse(const HttpRefusal& refusal) {
    const RefusalRenderer& render = state_.options.render_refusal;
    Send(render ? render(refusal) : PlainRefusal(refusal));
  }

  void Send(HttpResponse response) {
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    for (auto& [name, value] : response.headers) message->set(name, value);
    // Browsers take a body for what its Content-Type says, never for what it looks like.
    message->set("X-Content-Type-Options", "nosniff");
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && BodyConsumed() && !state_.stopping);
    message->prepare_payload();
    Log(response.status);
    stream_.expires_after(kWriteTimeout);
    WithStream([&](auto& stream) {
      http::async_write(stream, *message,
                        [self = shared_from_this(), message](beast::error_code ec, size_t) {
                          self->Answered(ec, !message->keep_alive());
                        });
    });
  }

  void SendHead(HttpResponse head, std::function<void(bool)> written) {
    auto message = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(head.status), 11);
    for (auto& [name, value] : head.headers) message->set(name, value);
    message->set("X-Content-Type-Options", "nosniff");
    message->keep_alive(keep_alive_ && BodyConsumed() && !state_.stopping);
    message->chunked(true);
    stream_keep_alive_ = message->keep_alive();
    Log(head.status);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*message);
    stream_.expires_after(kWriteTimeout);
    WithStream([&](auto& stream) {
      http::async_write_header(
          stream, *serializer,
          [self = shared_from_this(), message, serializer, written = std::move(written)](
              beast::error_code ec, size_t) { self->ChunkWritten(ec, written); });
    });
  }

  void SendChunk(std::string data, std::function<void(bool)> written) {
    // An empty chunk would end the stream.
    if (data.empty()) {
      net::post(stream_.get_executor(), [written = std::move(written)] { written(true); });
      return;
    }
    auto owned = std::make_shared<std::string>(std::move(data));
    stream_.expires_after(kWriteTimeout);
    WithStream([&](auto& stream) {
      net::async_write(stream, http::make_chunk(net::buffer(*owned)),
                       [self = shared_from_this(), owned, written = std::move(written)](
                           beast::error_code ec, size_t) { self->ChunkWritten(ec, written); });
    });
  }

  void SendLastChunk() {
    stream_.expires_after(kWriteTimeout);
    WithStream([&](auto& stream) {
      net::async_write(stream, http::make_chunk_last(),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         self->Answered(ec, !self->stream_keep_alive_);
                       });
    });
  }

 private:
  // Waits for the next request's first byte, then gives its headers the header timeout.
  void Read() {
    if (state_.stopping) {
      Close();
      return;
    }
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    body_read_ = false;
    if (buffer_.size() > 0) {  // pipelined: it is here already
      ReadHeader();
      return;
    }
    // A connection that never sent a request is no kept-alive client yet: it has the
    // header timeout, so idle connections cannot hold the server's places for long.
    stream_.expires_after(Chrono(answered_ ? state_.options.limits.idle_timeout
                                           : state_.options.limits.header_timeout));
    WithStream([&](auto& stream) {
      stream.async_read_some(buffer_.prepare(kHeaderLimit),
                             [self = shared_from_this()](beast::error_code ec, size_t read) {
                               if (ec) {
                                 self->Close();
                                 return;
                               }
                               self->buffer_.commit(read);
                               self->ReadHeader();
                             });
    });
  }

  void ReadHeader() {
    stream_.expires_after(Chrono(state_.options.limits.header_timeout));
    WithStream([&](auto& stream) {
      http::async_read_header(
          stream, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
    });
  }

  // Refuses what the transport refuses itself; true when it did.
  bool RefusedRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      Refuse({413, absl::StrCat("the request body is larger than ", state_.options.max_body_bytes,
                                " bytes")});
      return true;
    }
    if (ec == http::error::header_limit) {
      keep_alive_ = false;
      Refuse({431, "the request headers are too large"});
      return true;
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      keep_alive_ = false;
      Refuse({400, absl::StrCat("malformed HTTP request: ", ec.message())});
      return true;
    }
    if (ec) {  // the client closed, went quiet, or the server is stopping
      Close();
      return true;
    }
    return false;
  }

  void OnHeader(beast::error_code ec) {
    started_ = absl::Now();
    // The request line, as far as it was read: a refused request is logged by it too.
    const auto& header = parser_->get();
    method_ = std::string(header.method_string());
    path_ = std::string(header.target().substr(0, header.target().find('?')));
    if (RefusedRead(ec)) return;
    if (const auto length = parser_->content_length();
        length && *length > state_.options.max_body_bytes) {
      RefusedRead(http::error::body_limit);
      return;
    }
    keep_alive_ = header.keep_alive();
    busy_ = true;
    stream_.expires_never();
    HttpRequest request;
    request.method = method_;
    request.target = std::string(header.target());
    for (const auto& field : header) {
      const beast::string_view name = field.name_string();
      request.headers.emplace_back(
          absl::AsciiStrToLower(absl::string_view(name.data(), name.size())),
          std::string(field.value()));
    }
    request.peer_address = peer_;
    trace_parent_ = std::string(request.Header("traceparent"));
    state_.handler(MakeExchange(std::move(request)));
  }

 public:
  // Reads the body into `body`, then calls `read`; see HttpExchange::ReadBody.
  void ReadBody(std::string* body, std::function<void()> read) {
    body_read_ = true;
    if (parser_->is_done()) {
      read();
      return;
    }
    stream_.expires_after(Chrono(state_.options.limits.body_timeout));
    WithStream([&](auto& stream) {
      http::async_read(
          stream, buffer_, *parser_,
          [self = shared_from_this(), body, read = std::move(read)](beast::error_code ec, size_t) {
            if (self->RefusedRead(ec)) return;
            self->stream_.expires_never();
            *body = std::move(self->parser_->get().body());
            read();
          });
    });
  }

 private:
  std::shared_ptr<HttpExchange> MakeExchange(HttpRequest request);

  void ChunkWritten(beast::error_code ec, const std::function<void(bool)>& written) {
    if (ec) {
      busy_ = false;
      Close();
    }
    written(!ec);
  }

  void Answered(beast::error_code ec, bool close) {
    busy_ = false;
    answered_ = true;
    if (ec) {
      Close();
    } else if (close) {
      LingeringClose();
    } else {
      Read();
    }
  }

  // Closes after the client has had the answer: stop sending, then read (and drop) what
  // it still sends, such as the rest of a refused body, for a moment. Closing at once
  // would reset the connection, and the client could lose the answer.
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    Drop();
  }

  void Drop() {
    auto sink = std::make_shared<std::array<char, 65536>>();
    WithStream([&](auto& stream) {
      stream.async_read_some(net::buffer(*sink),
                             [self = shared_from_this(), sink](beast::error_code ec, size_t) {
                               if (ec) {
                                 self->Close();
                               } else {
                                 self->Drop();
                               }
                             });
    });
  }

  // Whether the request's body is out of the way: read, or none came. Otherwise the
  // connection cannot carry another request.
  bool BodyConsumed() const { return body_read_ || (parser_ && parser_->is_done()); }

  void Log(int status) {
    log::Info("request", {{"method", method_},
                          {"path", path_},
                          {"status", status},
                          {"duration_ms", absl::ToDoubleMilliseconds(absl::Now() - started_)},
                          {"trace_id", log::TraceIdFromTraceparent(trace_parent_)}});
  }

  // Calls `io` with the stream requests and answers travel on: TLS over the TCP stream,
  // or the TCP stream itself. Timeouts are always set on the TCP stream beneath.
  template <typename Io>
  void WithStream(Io&& io) {
    if (tls_) {
      io(*tls_);
    } else {
      io(stream_);
    }
  }

  beast::tcp_stream stream_;
  HttpServerState& state_;
  // Kept alive while the connection is, whatever rotation brings.
  const std::shared_ptr<ssl::context> tls_context_;
  std::optional<ssl::stream<beast::tcp_stream&>> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_;
  bool keep_alive_ = false;
  bool stream_keep_alive_ = false;
  bool busy_ = false;
  bool body_read_ = false;
  bool answered_ = false;
  absl::Time started_;
  std::string method_, path_, trace_parent_;
};

namespace {

// Hands every answer to the connection's strand, whichever thread gives it.
class Exchange final : public HttpExchange {
 public:
  Exchange(std::shared_ptr<Connection> connection, HttpRequest request)
      : connection_(std::move(connection)), request_(std::move(request)) {}

  const HttpRequest& request() const override { return request_; }

  void ReadBody(std::function<void()> read) override {
    net::post(connection_->executor(),
              [c = connection_, body = &request_.body, r = std::move(read)]() mutable {
                c->ReadBody(body, std::move(r));
              });
  }

  void Respond(HttpResponse response) override {
    net::post(connection_->executor(),
              [c = connection_, r = std::move(response)]() mutable { c->Send(std::move(r)); });
  }

  void StartStream(HttpResponse head, std::function<void(bool)> written) override {
    net::post(connection_->executor(),
              [c = connection_, h = std::move(head), w = std::move(written)]() mutable {
                c->SendHead(std::move(h), std::move(w));
              });
  }

  void WriteChunk(std::string data, std::function<void(bool)> written) override {
    net::post(connection_->executor(),
              [c = connection_, d = std::move(data), w = std::move(written)]() mutable {
                c->SendChunk(std::move(d), std::move(w));
              });
  }

  void EndStream() override {
    net::post(connection_->executor(), [c = connection_] { c->SendLastChunk(); });
  }

  void Abort() override {
    net::post(connection_->executor(), [c = connection_] { c->Close(); });
  }

 private:
  const std::shared_ptr<Connection> connection_;
  // Its body is written once, by ReadBody, before the handler's `read` runs.
  HttpRequest request_;
};

}  // namespace

std::shared_ptr<HttpExchange> Connection::MakeExchange(HttpRequest request) {
  return std::make_shared<Exchange>(shared_from_this(), std::move(request));
}

void HttpServerState::Accept() {
  if (stopping) return;
  acceptor->async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping) return;
    if (OutOfDescriptors(ec)) {
      PauseAccepting();
      return;
    }
    accept_pause = std::chrono::milliseconds(0);
    if (!ec && open_connections.load() >= options.limits.max_connections) {
      // Full: closed before anything is read, at the cost of one descriptor for a moment.
      beast::error_code ignored;
      socket.close(ignored);
    } else if (!ec) {
      auto connection = std::make_shared<Connection>(std::move(socket), *this, tls_context());
      Opened(connection);
      connection->Start();
    }
    Accept();
  });
}

void HttpServerState::PauseAccepting() {
  accept_pause = std::clamp(2 * accept_pause, std::chrono::milliseconds(kFirstAcceptPause),
                            std::chrono::milliseconds(kLastAcceptPause));
  log::Warn("out of file descriptors: accepting paused",
            {{"pause_ms", static_cast<int64_t>(accept_pause.count())},
             {"open_connections", open_connections.load()}});
  accept_timer->expires_after(accept_pause);
  accept_timer->async_wait([this](beast::error_code ec) {
    if (!ec) Accept();
  });
}

void HttpServerState::WatchTlsFiles() {
  tls_timer->expires_after(Chrono(options.tls.refresh_interval));
  tls_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    absl::StatusOr<tls::Pem> pem = tls::ReadPem(options.tls);
    if (!pem.ok()) {
      // Halfway through a rotation, or broken: the context in use serves on.
      log::Warn("HTTP TLS files unusable; serving the certificate read before",
                {{"error", std::string(pem.status().message())}});
    } else if (absl::MutexLock lock(&mu); pem->certificate_chain != tls_pem.certificate_chain ||
                                          pem->private_key != tls_pem.private_key) {
      absl::StatusOr<std::shared_ptr<ssl::context>> context = ServerContext(*pem);
      if (context.ok()) {
        tls_pem = *std::move(pem);
        tls_context_ = *std::move(context);
        log::Info("HTTP TLS certificate read again", {});
      }
    }
    WatchTlsFiles();
  });
}

void HttpServerState::Opened(const std::shared_ptr<Connection>& connection) {
  ++open_connections;
  absl::MutexLock lock(&mu);
  connections[connection.get()] = connection;
}

void HttpServerState::Closed(Connection* connection) {
  --open_connections;
  absl::MutexLock lock(&mu);
  connections.erase(connection);
}

void HttpServerState::ForEach(
    const std::function<void(const std::shared_ptr<Connection>&)>& action) {
  std::vector<std::shared_ptr<Connection>> open;
  {
    absl::MutexLock lock(&mu);
    for (const auto& [raw, weak] : connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (const auto& connection : open) action(connection);
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : state_(std::make_unique<HttpServerState>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  absl::StatusOr<tcp::endpoint> endpoint = ParseEndpoint(state_->options.listen_address);
  if (!endpoint.ok()) return endpoint.status();
  const bool use_tls = !state_->options.tls.cert_file.empty();
  if (use_tls) {
    absl::StatusOr<tls::Pem> pem = tls::ReadPem(state_->options.tls);
    if (!pem.ok()) return pem.status();
    absl::StatusOr<std::shared_ptr<ssl::context>> context = ServerContext(*pem);
    if (!context.ok()) return context.status();
    absl::MutexLock lock(&state_->mu);
    state_->tls_pem = *std::move(pem);
    state_->tls_context_ = *std::move(context);
  }
  beast::error_code ec;
  state_->acceptor.emplace(net::make_strand(state_->io));
  tcp::acceptor& acceptor = *state_->acceptor;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", state_->options.listen_address, ": ", ec.message()));
  }
  state_->port = acceptor.local_endpoint().port();
  state_->accept_timer.emplace(acceptor.get_executor());
  state_->Accept();
  if (use_tls) {
    state_->tls_timer.emplace(net::make_strand(state_->io));
    state_->WatchTlsFiles();
  }
  for (int i = 0; i < std::max(1, state_->options.threads); ++i) {
    state_->threads.emplace_back([state = state_.get()] { state->io.run(); });
  }
  log::Info(
      "HTTP listening",
      {{"address", state_->options.listen_address}, {"port", state_->port}, {"tls", use_tls}});
  return absl::OkStatus();
}

int HttpServer::port() const { return state_->port; }

int HttpServer::open_connections() const { return state_->open_connections.load(); }

void HttpServer::Drain(absl::Time deadline) {
  HttpServerState& state = *state_;
  if (state.threads.empty() || state.stopping.exchange(true)) return;
  net::post(state.acceptor->get_executor(), [&state] {
    beast::error_code ignored;
    state.accept_timer->cancel();
    state.acceptor->close(ignored);
  });
  if (state.tls_timer) {
    net::post(state.tls_timer->get_executor(), [&state] { state.tls_timer->cancel(); });
  }
  state.ForEach([](const std::shared_ptr<Connection>& connection) {
    net::post(connection->executor(), [connection] { connection->CloseIfIdle(); });
  });
  absl::MutexLock lock(&state.mu);
  state.mu.AwaitWithDeadline(
      absl::Condition(
          +[](absl::flat_hash_map<Connection*, std::weak_ptr<Connection>>* open) {
            return open->empty();
          },
          &state.connections),
      deadline);
}

void HttpServer::Stop() {
  HttpServerState& state = *state_;
  if (state.threads.empty()) return;
  Drain(absl::Now());
  state.ForEach([](const std::shared_ptr<Connection>& connection) {
    net::post(connection->executor(), [connection] { connection->Close(); });
  });
  state.io.stop();
  for (std::thread& thread : state.threads) thread.join();
  state.threads.clear();
}

}  // namespace coopnet::gateway
