// The organisations service, in-process, on real PostgreSQL and Redis, listening on a
// free port: what integration and fault tests call through the real gRPC API.
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
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"

namespace coopnet::testing {

// The secret every test stack signs principals with.
inline const std::string kTestSecret = "test-secret-that-is-at-least-32-bytes-long";

class OrganisationsStack {
 public:
  // Migrates the database at `pg_dsn`, then serves; returns once health is SERVING.
  OrganisationsStack(const std::string& pg_dsn, const std::string& redis_address);
  ~OrganisationsStack();

  std::unique_ptr<organisations::v1::OrganisationService::Stub> Stub() const;

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller);

  int port() const { return server_->port(); }
  cache::Cache& cache() { return *cache_; }
  pg::Pool& pool() { return *pool_; }

 private:
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<cache::Cache> cache_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<organisations::OrganisationStore> store_;
  std::unique_ptr<organisations::OrganisationService> service_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_ORGANISATIONS_STACK_H_
