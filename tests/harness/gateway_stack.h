// The gateway in-process, on free ports, in front of in-process backends (EventsStack,
// OrganisationsStack) on real PostgreSQL and Redis: what integration tests call over
// gRPC (channel()) and HTTP (Http(), HttpClient), as integrators and portals would.
//
//   testing::TestDatabase organisations_db, events_db;
//   testing::EventsStack backends(organisations_db.dsn(), events_db.dsn(),
//                                 testing::SharedRedisAddress());
//   testing::GatewayStack gateway(testing::BackendsOf(backends));
//   HttpReply reply = gateway.Http("GET", "/v1/events", "", {gateway.AdminAuthorization()});
#ifndef COOPNET_TESTS_HARNESS_GATEWAY_STACK_H_
#define COOPNET_TESTS_HARNESS_GATEWAY_STACK_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/gateway/gateway.h"
#include "tests/harness/events_stack.h"

namespace coopnet::testing {

// The operators' key of every test gateway.
inline const std::string kTestAdminKey = "test-admin-key-that-is-at-least-32-bytes-long";

// The organisations and events processes of `stack`, as the gateway's backends.
std::vector<gateway::BackendAddress> BackendsOf(EventsStack& stack);

using Header = std::pair<std::string, std::string>;

struct HttpReply {
  int status = 0;
  // Names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
};

// One HTTP/1.1 connection, kept alive across requests. A request whose answer has not
// come within 30 s gets status 0, so that a test waits for nothing longer.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::vector<Header>& headers = {});
  // Whether the server has closed the connection (checked without blocking).
  bool closed_by_server();

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

class GatewayStack {
 public:
  // Starts a gateway in front of `backends` with `options` (listen addresses, secret,
  // admin key and Redis are filled in here; limits are off unless `options` sets them).
  // Returns once it is SERVING, unless `wait_until_serving` is false.
  explicit GatewayStack(std::vector<gateway::BackendAddress> backends,
                        gateway::GatewayOptions options = Unlimited(),
                        bool wait_until_serving = true);
  ~GatewayStack();

  // Options with no rate limit, so that tests of other things are never refused.
  static gateway::GatewayOptions Unlimited();

  gateway::Gateway& gateway() { return *gateway_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  int grpc_port() const { return gateway_->grpc_port(); }
  int http_port() const { return gateway_->http_port(); }

  // One request on a connection of its own.
  HttpReply Http(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::vector<Header>& headers = {}) const;

  // An organisation, and a key of one with `scopes`, made by an operator through the
  // gateway's gRPC port; a failure aborts the test binary, saying why.
  organisations::v1::Organisation CreateOrganisation(
      const organisations::v1::Organisation& organisation) const;
  organisations::v1::CreateApiKeyResponse CreateKey(
      const std::string& organisation, const std::vector<type::v1::Scope>& scopes) const;

  static Header AdminAuthorization() { return {"Authorization", "Bearer " + kTestAdminKey}; }
  static Header KeyAuthorization(const std::string& key) {
    return {"Authorization", "Bearer " + key};
  }

 private:
  std::unique_ptr<gateway::Gateway> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_GATEWAY_STACK_H_
