#include "tests/harness/gateway_stack.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/harness/servers.h"
#include "tests/harness/service_process.h"

namespace coopnet::testing {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "gateway stack: " << what << std::endl;
  std::abort();
}

}  // namespace

std::vector<gateway::BackendAddress> BackendsOf(EventsStack& stack) {
  return {{"coopnet.organisations.v1", absl::StrCat("127.0.0.1:", stack.organisations()->port())},
          {"coopnet.events.v1", absl::StrCat("127.0.0.1:", stack.port())}};
}

struct HttpClient::Connection {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(int port) : connection_(std::make_unique<Connection>()) {
  connection_->stream.connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  // Beast's timeouts hold for asynchronous operations only; these reads block.
  const timeval timeout{.tv_sec = 30, .tv_usec = 0};
  setsockopt(connection_->stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
             sizeof(timeout));
}

HttpClient::~HttpClient() {
  beast::error_code ignored;
  connection_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

HttpReply HttpClient::Send(const std::string& method, const std::string& target,
                           const std::string& body, const std::vector<Header>& headers) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  if (request.method() == http::verb::unknown) request.method_string(method);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  request.keep_alive(true);
  beast::error_code ec;
  http::write(connection_->stream, request, ec);
  HttpReply reply;
  if (ec) return reply;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read(connection_->stream, connection_->buffer, parser, ec);
  if (ec) return reply;
  const auto& response = parser.get();
  reply.status = response.result_int();
  for (const auto& field : response) {
    const beast::string_view name = field.name_string();
    reply.headers[absl::AsciiStrToLower(absl::string_view(name.data(), name.size()))] =
        std::string(field.value());
  }
  reply.body = response.body();
  return reply;
}

bool HttpClient::closed_by_server() {
  auto& socket = connection_->stream.socket();
  socket.non_blocking(true);
  char byte;
  beast::error_code ec;
  socket.receive(net::buffer(&byte, 1), tcp::socket::message_peek, ec);
  socket.non_blocking(false);
  return ec == net::error::eof || ec == net::error::connection_reset;
}

gateway::GatewayOptions GatewayStack::Unlimited() {
  gateway::GatewayOptions options;
  options.limits.address = {};
  options.limits.key = {};
  // Tests read their own writes anonymously; the answer cache has tests of its own.
  options.anonymous_cache_time = absl::ZeroDuration();
  return options;
}

GatewayStack::GatewayStack(std::vector<gateway::BackendAddress> backends,
                           gateway::GatewayOptions options, bool wait_until_serving) {
  options.grpc_address = "127.0.0.1:0";
  options.http_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.backends = std::move(backends);
  options.principal_keys = TestKeys();
  options.admin_key = kTestAdminKey;
  if (options.redis_address == gateway::GatewayOptions().redis_address) {
    options.redis_address = SharedRedisAddress();
  }
  // Buckets of this gateway's own, unless the test shares them between gateways.
  if (options.bucket_prefix == gateway::GatewayOptions().bucket_prefix) {
    options.bucket_prefix = UniqueName("coopnet:gateway:bucket:") + ":";
  }
  options.health_interval = absl::Milliseconds(100);
  options.drain_timeout = absl::Seconds(2);
  auto started = gateway::Gateway::Start(std::move(options));
  if (!started.ok()) Fail(std::string(started.status().message()));
  gateway_ = *std::move(started);
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->grpc_port()),
                                 grpc::InsecureChannelCredentials());
  if (!wait_until_serving) return;
  if (!AwaitServing(channel_)) Fail("not SERVING within 20 s");
}

GatewayStack::~GatewayStack() { gateway_->Shutdown(); }

HttpReply GatewayStack::Http(const std::string& method, const std::string& target,
                             const std::string& body, const std::vector<Header>& headers) const {
  HttpClient client(http_port());
  return client.Send(method, target, body, headers);
}

namespace {

// An operator's call through the gateway, with a 10 s deadline.
void AsOperator(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  context.AddMetadata("authorization", "Bearer " + kTestAdminKey);
}

}  // namespace

organisations::v1::Organisation GatewayStack::CreateOrganisation(
    const organisations::v1::Organisation& organisation) const {
  grpc::ClientContext context;
  AsOperator(context);
  organisations::v1::CreateOrganisationRequest request;
  *request.mutable_organisation() = organisation;
  organisations::v1::Organisation created;
  grpc::Status s = organisations::v1::OrganisationService::NewStub(channel_)->CreateOrganisation(
      &context, request, &created);
  if (!s.ok()) Fail("CreateOrganisation: " + s.error_message());
  return created;
}

organisations::v1::CreateApiKeyResponse GatewayStack::CreateKey(
    const std::string& organisation, const std::vector<type::v1::Scope>& scopes) const {
  grpc::ClientContext context;
  AsOperator(context);
  organisations::v1::CreateApiKeyRequest request;
  request.set_parent(organisation);
  request.mutable_api_key()->set_display_name("Region Örebro portal");
  for (type::v1::Scope scope : scopes) request.mutable_api_key()->add_scopes(scope);
  organisations::v1::CreateApiKeyResponse created;
  grpc::Status s = organisations::v1::ApiKeyService::NewStub(channel_)->CreateApiKey(
      &context, request, &created);
  if (!s.ok()) Fail("CreateApiKey: " + s.error_message());
  return created;
}

}  // namespace coopnet::testing
