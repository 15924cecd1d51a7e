// The organisations process's services (organisations, networks, partner requests,
// API keys), in-process, on real PostgreSQL and Redis, listening on a free port: what
// integration and fault tests call through the real gRPC API.
//
//   testing::TestDatabase db;
//   testing::OrganisationsStack stack(db.dsn(), testing::SharedRedisAddress());
//   auto stub = stack.Stub();
//   grpc::ClientContext context;
//   stack.Sign(context, principal::Admin());
//   stub->CreateOrganisation(&context, request, &created);
#ifndef COOPNET_TESTS_HARNESS_ORGANISATIONS_STACK_H_
#define COOPNET_TESTS_HARNESS_ORGANISATIONS_STACK_H_

#include <memory>
#include <string>

#include "common/cache/cache.h"
#include "common/pg/pool.h"
#include "common/principal/principal.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "coopnet/organisations/v1/networks.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "coopnet/organisations/v1/partner_requests.grpc.pb.h"

namespace coopnet::testing {

// The secret every test stack signs principals with.
inline const std::string kTestSecret = "test-secret-that-is-at-least-32-bytes-long";

class OrganisationsStack {
 public:
  // Migrates the database at `pg_dsn`, then serves; returns once health is SERVING.
  OrganisationsStack(const std::string& pg_dsn, const std::string& redis_address);
  ~OrganisationsStack();

  std::unique_ptr<organisations::v1::OrganisationService::Stub> Stub() const;
  std::unique_ptr<organisations::v1::NetworkService::Stub> NetworkStub() const;
  std::unique_ptr<organisations::v1::PartnerRequestService::Stub> PartnerRequestStub() const;
  std::unique_ptr<organisations::v1::ApiKeyService::Stub> ApiKeyStub() const;
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller);

  int port() const { return server_->port(); }
  // The organisations cache (the first the services made).
  cache::Cache& cache() { return *context_->caches().front(); }
  pg::Pool& pool() { return *pool_; }
  // The Redis stream of this stack's organisation changes (a name of its own).
  const std::string& stream() const { return stream_; }

 private:
  std::string stream_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<service::Context> context_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_ORGANISATIONS_STACK_H_
