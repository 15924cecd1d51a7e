// One service process run in-process for tests, as its main would run it: a pool of
// four connections to its database (migrated first), a Redis client, the gRPC server
// with the test secret on a free port, readiness that waits for the migrations, and the
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

// The secret every test process signs and verifies principals with.
inline const std::string kTestSecret = "test-secret-that-is-at-least-32-bytes-long";

// Adds `caller`, signed with kTestSecret, and a 10 s deadline to `context`.
void Sign(grpc::ClientContext& context, const principal::Principal& caller);

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
