// The registrations process in-process beside an events process (EventsStack, itself
// beside an organisations process), each on its own fresh database, all on real Redis,
// each on a free port: what integration tests of registrations call through the real
// gRPC API. The registrations service asks the other two over gRPC and follows the
// events service's change stream, as in production.
//
//   testing::TestDatabase organisations_db, events_db, registrations_db;
//   testing::RegistrationsStack stack(organisations_db.dsn(), events_db.dsn(),
//                                     registrations_db.dsn(), testing::SharedRedisAddress());
//   grpc::ClientContext context;
//   testing::RegistrationsStack::Sign(context, principal::Anonymous());
//   stack.Stub()->CreateRegistration(&context, request, &created);
#ifndef COOPNET_TESTS_HARNESS_REGISTRATIONS_STACK_H_
#define COOPNET_TESTS_HARNESS_REGISTRATIONS_STACK_H_

#include <memory>
#include <string>

#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/registrations/v1/registrations.grpc.pb.h"
#include "services/registrations/process.h"
#include "tests/harness/events_stack.h"

namespace coopnet::testing {

struct RegistrationsStackOptions {
  // Database connections and worker threads of the registrations process.
  int workers = 8;
  // Calls that may wait for a worker.
  int queue_capacity = 1024;
};

class RegistrationsStack {
 public:
  // Starts the three processes; returns once all are SERVING. Domain events go to a
  // stream of this stack's own (stream()).
  RegistrationsStack(const std::string& organisations_dsn, const std::string& events_dsn,
                     const std::string& registrations_dsn, const std::string& redis_address,
                     RegistrationsStackOptions options = {});
  ~RegistrationsStack();

  std::unique_ptr<registrations::v1::RegistrationService::Stub> Stub() const;
  // A stub on a connection of its own, as a separate client would have.
  std::unique_ptr<registrations::v1::RegistrationService::Stub> NewClient() const;
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  EventsStack& events() { return *events_; }
  OrganisationsStack& organisations() { return *events_->organisations(); }

  // Adds `caller`, signed, and a 10 s deadline to `context`.
  static void Sign(grpc::ClientContext& context, const principal::Principal& caller) {
    OrganisationsStack::Sign(context, caller);
  }

  // What most tests start from, made by an administrator; each aborts the test binary
  // on failure. The organisation's name:
  std::string CreateOrganisation(const organisations::v1::Organisation& organisation);
  // The Copenhagen info meeting organised by `organiser`, moved to start `days_ahead`
  // from now, created and published; its name. With a `network`, a meeting for that
  // network's members only (NETWORK visibility).
  std::string PublishMeeting(const std::string& organiser, int days_ahead = 30,
                             const std::string& network = "");
  // `event` created and published; its name.
  std::string Publish(const events::v1::Event& event);
  // The policy of `event` set to `policy` (every writable field).
  registrations::v1::RegistrationPolicy SetPolicy(
      const std::string& event, const registrations::v1::RegistrationPolicy& policy);

  int port() const { return server_->port(); }
  pg::Pool& pool() { return *pool_; }
  // What the registrations process runs: its stores, desk, feed.
  registrations::Process& process() { return *process_; }
  // The Redis stream of this stack's registration changes.
  const std::string& stream() const { return stream_; }
  const std::string& redis_address() const { return redis_address_; }

 private:
  std::unique_ptr<EventsStack> events_;
  std::string stream_;
  std::string redis_address_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<service::Context> context_;
  registrations::Process* process_ = nullptr;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_REGISTRATIONS_STACK_H_
