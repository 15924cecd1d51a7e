// The events process in-process beside an organisations process (OrganisationsStack),
// each on its own fresh database, both on real Redis, each on a free port: what
// integration tests of events call through the real gRPC API. The events service asks
// the organisations process over gRPC, as in production.
//
//   testing::TestDatabase organisations_db, events_db;
//   testing::EventsStack stack(organisations_db.dsn(), events_db.dsn(),
//                              testing::SharedRedisAddress());
//   grpc::ClientContext context;
//   testing::EventsStack::Sign(context, principal::Admin());
//   stack.Stub()->CreateEvent(&context, request, &created);
#ifndef COOPNET_TESTS_HARNESS_EVENTS_STACK_H_
#define COOPNET_TESTS_HARNESS_EVENTS_STACK_H_

#include <memory>
#include <string>

#include "common/cache/cache.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "services/events/process.h"
#include "tests/harness/organisations_stack.h"

namespace coopnet::testing {

class EventsStack {
 public:
  // Starts both processes; returns once both are SERVING. Domain events go to a stream
  // of this stack's own (stream()); the rest of `options` (the list pages' budget) is the
  // events process's.
  EventsStack(const std::string& organisations_dsn, const std::string& events_dsn,
              const std::string& redis_address, events::Options options = {});
  ~EventsStack();

  std::unique_ptr<events::v1::EventService::Stub> Stub() const;
  const std::shared_ptr<grpc::Channel>& channel() const { return process_->channel(); }

  // The organisations process the events service asks; null after StopOrganisations.
  OrganisationsStack* organisations() { return organisations_.get(); }
  // Shuts the organisations process down, as a crash or a deploy would.
  void StopOrganisations() { organisations_.reset(); }

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller) {
    OrganisationsStack::Sign(context, caller);
  }

  int port() const { return process_->port(); }
  // The events cache (events and list pages).
  cache::Cache& cache() { return *process_->context().caches().front(); }
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

#endif  // COOPNET_TESTS_HARNESS_EVENTS_STACK_H_
