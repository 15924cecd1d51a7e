// PostgreSQL restarted under a steady mixed load through the gateway: the organisations,
// events and registrations processes on a PostgreSQL of this test's own, behind the
// gateway, called over gRPC and HTTP with 15 s deadlines, as integrators and portals call
// them. Each restart cuts every connection and keeps the server away for 5 s; reads and
// request_id-carrying writes ride it out, so no call fails and no write happens twice.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "coopnet/registrations/v1/registrations.grpc.pb.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/load.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::registrations {
namespace {

using testing::GatewayStack;
using testing::RegistrationsStack;
namespace ev = events::v1;
namespace org = organisations::v1;

constexpr absl::Duration kCallDeadline = absl::Seconds(15);
constexpr absl::Duration kDowntime = absl::Seconds(5);

// The three services' databases on `pg`; true once they exist.
bool CreateDatabases(const testing::PostgresServer& pg) {
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create({.dsn = pg.dsn(), .size = 1});
  if (!pool.ok()) return false;
  for (const char* name : {"organisations", "events", "registrations"}) {
    if (!(*pool)->Exec(pg::Statement(absl::StrCat("CREATE DATABASE ", name))).ok()) return false;
  }
  return true;
}

std::vector<gateway::BackendAddress> BackendsOf(RegistrationsStack& stack) {
  std::vector<gateway::BackendAddress> backends = testing::BackendsOf(stack.events());
  backends.push_back({"coopnet.registrations.v1", absl::StrCat("127.0.0.1:", stack.port())});
  return backends;
}

class PostgresFaultTest : public ::testing::Test {
 protected:
  PostgresFaultTest()
      : databases_(CreateDatabases(pg_)),
        stack_(pg_.dsn("organisations"), pg_.dsn("events"), pg_.dsn("registrations"),
               testing::SharedRedisAddress()),
        gateway_(BackendsOf(stack_)),
        organisations_(org::OrganisationService::NewStub(gateway_.channel())),
        events_(ev::EventService::NewStub(gateway_.channel())),
        registrations_(v1::RegistrationService::NewStub(gateway_.channel())) {
    kofoed_ = stack_.CreateOrganisation(testing::seeds::KofoedsSkole());
    meeting_ = stack_.PublishMeeting(kofoed_, 30);
    v1::RegistrationPolicy policy;
    policy.set_capacity(100000);
    stack_.SetPolicy(meeting_, policy);
  }

  // An operator's call through the gateway's gRPC port, with a 15 s deadline.
  static void Authorize(grpc::ClientContext& context) {
    context.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  }

  // A registration for the meeting, safe to retry, then read back.
  grpc::Status RegisterAndRead(int client, int64_t i) {
    v1::Registration made;
    {
      grpc::ClientContext context;
      Authorize(context);
      v1::CreateRegistrationRequest request;
      request.set_parent(meeting_);
      request.set_request_id(absl::StrCat("r-", client, "-", i));
      v1::Registration& r = *request.mutable_registration();
      r.set_organisation_name("Nordland fylkeskommune");
      r.set_organisation_country("NO");
      r.set_organisation_kind(org::Organisation::REGIONAL_AUTHORITY);
      v1::Participant& p = *r.add_participants();
      p.set_given_name("Ingrid");
      p.set_family_name("Johansen");
      p.set_email(absl::StrCat("ingrid-", client, "-", i, "@nfk.no"));
      const grpc::Status s = registrations_->CreateRegistration(&context, request, &made);
      if (!s.ok()) return s;
    }
    grpc::ClientContext context;
    Authorize(context);
    v1::GetRegistrationRequest request;
    request.set_name(made.name());
    v1::Registration got;
    return registrations_->GetRegistration(&context, request, &got);
  }

  // An organisation registered, safe to retry, read back, and the events listed.
  grpc::Status CreateReadAndList(int client, int64_t i) {
    org::Organisation made;
    {
      grpc::ClientContext context;
      Authorize(context);
      org::CreateOrganisationRequest request;
      request.set_request_id(absl::StrCat("o-", client, "-", i));
      org::Organisation& o = *request.mutable_organisation();
      o.set_display_name(absl::StrCat("Gmina Chełmno ", client, "-", i));
      o.set_kind(org::Organisation::MUNICIPALITY);
      o.set_country("PL");
      const grpc::Status s = organisations_->CreateOrganisation(&context, request, &made);
      if (!s.ok()) return s;
    }
    {
      grpc::ClientContext context;
      Authorize(context);
      org::GetOrganisationRequest request;
      request.set_name(made.name());
      org::Organisation got;
      const grpc::Status s = organisations_->GetOrganisation(&context, request, &got);
      if (!s.ok()) return s;
    }
    grpc::ClientContext context;
    Authorize(context);
    ev::ListEventsRequest request;
    request.set_page_size(10);
    ev::ListEventsResponse page;
    return events_->ListEvents(&context, request, &page);
  }

  // What a portal reads over HTTP: the meeting, and the organisations.
  grpc::Status ReadOverHttp(int client) {
    testing::HttpClient& http = *http_[client];
    for (const std::string& target : {"/v1/" + meeting_, std::string("/v1/organisations")}) {
      const testing::HttpReply reply =
          http.Send("GET", target, "", {GatewayStack::AdminAuthorization()});
      if (reply.status != 200) {
        return grpc::Status(grpc::StatusCode::UNKNOWN,
                            absl::StrCat("GET ", target, ": HTTP ", reply.status, " ", reply.body));
      }
    }
    return grpc::Status::OK;
  }

  // Rows in the registrations database.
  int64_t Registrations() {
    absl::StatusOr<pg::Result> counted =
        stack_.pool().Exec(pg::Statement("SELECT count(*) FROM registrations"));
    EXPECT_TRUE(counted.ok()) << counted.status();
    return counted.ok() ? counted->GetInt64(0, 0) : -1;
  }

  testing::PostgresServer pg_;
  const bool databases_;
  RegistrationsStack stack_;
  GatewayStack gateway_;
  std::unique_ptr<org::OrganisationService::Stub> organisations_;
  std::unique_ptr<ev::EventService::Stub> events_;
  std::unique_ptr<v1::RegistrationService::Stub> registrations_;
  std::vector<std::unique_ptr<testing::HttpClient>> http_;
  std::string kofoed_;
  std::string meeting_;
};

TEST_F(PostgresFaultTest, RestartedThreeTimesUnderMixedLoadThroughTheGatewayFailsNoCall) {
  ASSERT_TRUE(databases_);
  const int64_t registrations_before = Registrations();
  for (int client = 0; client < 2; ++client) {
    http_.push_back(std::make_unique<testing::HttpClient>(gateway_.http_port()));
  }
  // Clients 0-1 register, 2-3 register organisations and list events, 4-5 read over HTTP.
  testing::Load load(6, [this](int client, int64_t i) {
    if (client < 2) return RegisterAndRead(client, i);
    if (client < 4) return CreateReadAndList(client, i);
    return ReadOverHttp(client - 4);
  });
  ASSERT_TRUE(load.AwaitRounds(60)) << "the load stalled";
  for (int restart = 0; restart < 3; ++restart) {
    pg_.Stop();                 // fast shutdown: every session is cut, mid-statement or mid-COMMIT
    absl::SleepFor(kDowntime);  // the outage itself, not a wait for readiness
    pg_.Start();
    ASSERT_TRUE(load.AwaitRounds(60)) << "the load stalled after restart " << restart;
  }
  load.Stop();

  std::cout << "PostgreSQL restarted 3 times, " << kDowntime << " down each, under "
            << load.Summary() << "\n";
  EXPECT_TRUE(load.failures().empty()) << load.Summary();
  EXPECT_LT(load.longest(), kCallDeadline);
  // Every registration answered once was made once: rounds of clients 0-1 that succeeded
  // made one each, and a write retried after a lost COMMIT made no second one.
  int64_t registered = 0;
  absl::StatusOr<pg::Result> rows = stack_.pool().Exec(pg::Statement(
      "SELECT count(DISTINCT lower(email)) FROM participants WHERE email LIKE 'ingrid-%'"));
  ASSERT_TRUE(rows.ok()) << rows.status();
  registered = rows->GetInt64(0, 0);
  EXPECT_EQ(Registrations() - registrations_before, registered)
      << "a write retried after a lost COMMIT happened twice";
}

}  // namespace
}  // namespace coopnet::registrations
