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
#include "common/principal/principal.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "coopnet/organisations/v1/networks.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "coopnet/organisations/v1/partner_requests.grpc.pb.h"
#include "tests/harness/service_process.h"

namespace coopnet::testing {

class OrganisationsStack {
 public:
  // Migrates the database at `pg_dsn`, then serves; returns once health is SERVING.
  OrganisationsStack(const std::string& pg_dsn, const std::string& redis_address);
  ~OrganisationsStack();

  std::unique_ptr<organisations::v1::OrganisationService::Stub> Stub() const;
  std::unique_ptr<organisations::v1::NetworkService::Stub> NetworkStub() const;
  std::unique_ptr<organisations::v1::PartnerRequestService::Stub> PartnerRequestStub() const;
  std::unique_ptr<organisations::v1::ApiKeyService::Stub> ApiKeyStub() const;
  const std::shared_ptr<grpc::Channel>& channel() const { return process_->channel(); }

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller) {
    testing::Sign(context, caller);
  }

  int port() const { return process_->port(); }
  // The organisations cache (the first the services made).
  cache::Cache& cache() { return *process_->context().caches().front(); }
  pg::Pool& pool() { return process_->pool(); }
  // The Redis stream of this stack's organisation changes (a name of its own).
  const std::string& stream() const { return stream_; }

 private:
  std::string stream_;
  std::unique_ptr<ServiceProcess> process_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_ORGANISATIONS_STACK_H_
