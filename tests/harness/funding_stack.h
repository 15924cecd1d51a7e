// The funding process in-process beside an organisations process (OrganisationsStack),
// each on its own fresh database, both on real Redis, each on a free port: what
// integration tests of funding call through the real gRPC API. The funding service asks
// the organisations process for profiles over gRPC, as in production.
//
//   testing::TestDatabase organisations_db, funding_db;
//   testing::FundingStack stack(organisations_db.dsn(), funding_db.dsn(),
//                               testing::SharedRedisAddress());
//   grpc::ClientContext context;
//   testing::FundingStack::Sign(context, principal::Admin());
//   stack.Stub()->CreateProgramme(&context, request, &created);
#ifndef COOPNET_TESTS_HARNESS_FUNDING_STACK_H_
#define COOPNET_TESTS_HARNESS_FUNDING_STACK_H_

#include <memory>
#include <string>

#include "common/cache/cache.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/funding/v1/funding.grpc.pb.h"
#include "tests/harness/organisations_stack.h"

namespace coopnet::testing {

class FundingStack {
 public:
  // Starts both processes; returns once both are SERVING. Domain events go to a stream
  // of this stack's own (stream()).
  FundingStack(const std::string& organisations_dsn, const std::string& funding_dsn,
               const std::string& redis_address);
  ~FundingStack();

  std::unique_ptr<funding::v1::FundingService::Stub> Stub() const;
  const std::shared_ptr<grpc::Channel>& channel() const { return process_->channel(); }

  // The organisations process the funding service asks; null after StopOrganisations.
  OrganisationsStack* organisations() { return organisations_.get(); }
  // Shuts the organisations process down, as a crash or a deploy would.
  void StopOrganisations() { organisations_.reset(); }

  // Registers `organisation` with the organisations process as an administrator; its
  // name, or "" (with a test failure) when that was refused.
  std::string CreateOrganisation(const organisations::v1::Organisation& organisation);

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller) {
    OrganisationsStack::Sign(context, caller);
  }

  int port() const { return process_->port(); }
  pg::Pool& pool() { return process_->pool(); }
  // The Redis stream of this stack's domain events.
  const std::string& stream() const { return stream_; }
  const std::string& redis_address() const { return redis_address_; }

 private:
  std::unique_ptr<OrganisationsStack> organisations_;
  std::string stream_;
  std::string redis_address_;
  std::unique_ptr<ServiceProcess> process_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_FUNDING_STACK_H_
