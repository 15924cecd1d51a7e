// One service process run in-process for tests, as its main would run it: a pool of
// four connections to its database (migrated first), a Redis client, the gRPC server
// with the test principal keys on a free port, readiness that waits for the migrations, and the
// service::Context its Start fills. The constructor returns once health is
// SERVING; the destructor drains the server.
//
//   testing::ServiceProcess process({.name = "events",
//                                    .error_domain = events::kErrorDomain,
//                                    .pg_dsn = dsn,
//                                    .redis_address = redis,
//                                    .migrations = &events::Migrations(),
//                                    .start = [&](service::Context& c) {
//                                      return events::Start(c, options).status();
//                                    }});
//   auto stub = events::v1::EventService::NewStub(process.channel());
#ifndef COOPNET_TESTS_HARNESS_SERVICE_PROCESS_H_
#define COOPNET_TESTS_HARNESS_SERVICE_PROCESS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/principal/principal.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "grpcpp/grpcpp.h"

namespace coopnet::testing {

// The principal keys of every test process (COOPNET_PRINCIPAL_KEYS): one per issuer.
inline const std::string kTestKeys =
    "gateway-test:gateway:test-gateway-key-that-is-at-least-32-bytes,"
    "organisations-test:organisations:test-organisations-key-at-least-32-bytes,"
    "events-test:events:test-events-key-that-is-at-least-32-bytes,"
    "registrations-test:registrations:test-registrations-key-at-least-32-bytes,"
    "funding-test:funding:test-funding-key-that-is-at-least-32-bytes,"
    "notifications-test:notifications:test-notifications-key-at-least-32-bytes";
const principal::KeySet& TestKeys();

// The manage-token secret of every test registrations process.
inline const std::string kTestManageTokenSecret = "test-manage-token-secret-at-least-32-bytes";

// Has `caller` sealed, by the gateway (or, for a service's own principal, by that
// service), for the service whose method the call on `context` turns out to be, when it
// starts on a channel of SigningChannel; and sets a 10 s deadline.
void Sign(grpc::ClientContext& context, const principal::Principal& caller);

// A channel to `address` on which calls signed with Sign carry their principal sealed for
// the service called (the second part of the method's package, as the gateway does it).
std::shared_ptr<grpc::Channel> SigningChannel(const std::string& address,
                                              grpc::ChannelArguments args = {});

// Waits until the server behind `channel` answers health SERVING; false after `timeout`.
bool AwaitServing(const std::shared_ptr<grpc::Channel>& channel,
                  absl::Duration timeout = absl::Seconds(20));

class ServiceProcess {
 public:
  struct Spec {
    std::string name;
    std::string error_domain;
    std::string pg_dsn;
    std::string redis_address;
    const std::vector<pg::Migration>* migrations = nullptr;
    // Builds and registers the services, as the process's main does.
    std::function<absl::Status(service::Context&)> start;
  };

  // Aborts the test binary, saying why, when the process cannot start.
  explicit ServiceProcess(const Spec& spec);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  int port() const { return server_->port(); }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  pg::Pool& pool() { return *pool_; }
  service::Context& context() { return *context_; }

 private:
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<service::Context> context_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_SERVICE_PROCESS_H_
