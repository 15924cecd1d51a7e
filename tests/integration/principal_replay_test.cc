// What a principal captured on the wire is worth: an eavesdropper between the gateway and
// the events service passes every call on unchanged and keeps a copy of the principal it
// carried, then presents the copy itself. Real gateway, organisations and events.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/servers.h"

namespace coopnet {
namespace {

namespace ev = events::v1;
namespace org = organisations::v1;
using Metadata = std::vector<std::pair<std::string, std::string>>;

// Passes ListEvents on to the real events service and keeps the principal each call
// carried, as someone who can read the traffic between the gateway and a service would.
class Eavesdropper final : public ev::EventService::CallbackService {
 public:
  explicit Eavesdropper(const std::shared_ptr<grpc::Channel>& events)
      : events_(ev::EventService::NewStub(events)) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~Eavesdropper() override { server_->Shutdown(std::chrono::system_clock::now()); }

  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const ev::ListEventsRequest* request,
                                       ev::ListEventsResponse* response) override {
    auto* reactor = context->DefaultReactor();
    auto relayed = std::make_shared<grpc::ClientContext>();
    Metadata principal;
    for (const char* key : {principal::kPrincipalKey, principal::kSignatureKey}) {
      auto it = context->client_metadata().find(key);
      if (it == context->client_metadata().end()) continue;
      principal.emplace_back(key, std::string(it->second.data(), it->second.size()));
      relayed->AddMetadata(key, principal.back().second);
    }
    {
      absl::MutexLock lock(&mu_);
      captured_ = principal;
      saw_authorization_ |= context->client_metadata().count("authorization") > 0;
    }
    relayed->set_deadline(context->deadline());
    events_->async()->ListEvents(relayed.get(), request, response,
                                 [reactor, relayed](grpc::Status s) { reactor->Finish(s); });
    return reactor;
  }

  Metadata captured() {
    absl::MutexLock lock(&mu_);
    return captured_;
  }
  // Whether any call carried the caller's own key.
  bool saw_authorization() {
    absl::MutexLock lock(&mu_);
    return saw_authorization_;
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<ev::EventService::Stub> events_;
  absl::Mutex mu_;
  Metadata captured_ ABSL_GUARDED_BY(mu_);
  bool saw_authorization_ ABSL_GUARDED_BY(mu_) = false;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::string ReasonOf(const grpc::Status& s) {
  auto info = status::GetErrorInfo(status::FromGrpc(s));
  return info ? info->reason() : "";
}

class PrincipalReplayTest : public ::testing::Test {
 protected:
  PrincipalReplayTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        eavesdropper_(stack_.channel()),
        gateway_({{"coopnet.organisations.v1",
                   absl::StrCat("127.0.0.1:", stack_.organisations()->port())},
                  {"coopnet.events.v1", absl::StrCat("127.0.0.1:", eavesdropper_.port())}}) {}

  // ListEvents as the operators' key through the gateway.
  grpc::Status ListEventsThroughTheGateway() {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
    ev::ListEventsResponse page;
    return ev::EventService::NewStub(gateway_.channel())->ListEvents(&context, {}, &page);
  }

  // ListEvents straight to the events service, carrying `principal` as it is.
  grpc::Status ListEventsPresenting(const Metadata& principal) {
    grpc::ClientContext context;
    for (const auto& [key, value] : principal) context.AddMetadata(key, value);
    ev::ListEventsResponse page;
    return ev::EventService::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", stack_.port()),
                                                         grpc::InsecureChannelCredentials()))
        ->ListEvents(&context, {}, &page);
  }

  testing::TestDatabase organisations_db_, events_db_;
  testing::EventsStack stack_;
  Eavesdropper eavesdropper_;
  testing::GatewayStack gateway_;
};

TEST_F(PrincipalReplayTest, EveryCallThroughTheGatewayCarriesAPrincipalOfItsOwn) {
  ASSERT_TRUE(ListEventsThroughTheGateway().ok());
  const Metadata first = eavesdropper_.captured();
  // The caller asks again, as a retry would: a new principal, accepted.
  grpc::Status again = ListEventsThroughTheGateway();
  ASSERT_TRUE(again.ok()) << again.error_message();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(eavesdropper_.captured(), first);
  // The caller's key stays at the gateway: services get the principal, never the key.
  EXPECT_FALSE(eavesdropper_.saw_authorization());
}

TEST_F(PrincipalReplayTest, ACapturedPrincipalIsRefusedWhenPresentedAgainToItsService) {
  ASSERT_TRUE(ListEventsThroughTheGateway().ok());
  grpc::Status replayed = ListEventsPresenting(eavesdropper_.captured());
  EXPECT_EQ(replayed.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(replayed), "PRINCIPAL_REPLAYED") << replayed.error_message();
}

TEST_F(PrincipalReplayTest, ACapturedPrincipalIsRefusedByAnotherService) {
  ASSERT_TRUE(ListEventsThroughTheGateway().ok());
  grpc::ClientContext context;
  for (const auto& [key, value] : eavesdropper_.captured()) context.AddMetadata(key, value);
  org::CreateOrganisationRequest request;
  request.mutable_organisation()->set_display_name("Impostor");
  org::Organisation created;
  grpc::Status refused = org::OrganisationService::NewStub(stack_.organisations()->channel())
                             ->CreateOrganisation(&context, request, &created);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(refused), "PRINCIPAL_WRONG_AUDIENCE") << refused.error_message();
}

// A principal nobody presented before, but older than its lifetime: what a captured one
// is once its time is up, whether or not it reached its service.
TEST_F(PrincipalReplayTest, APrincipalIsRefusedAfterItsLifetime) {
  const principal::Signer gateway(*testing::TestKeys().SigningKey("gateway"), "gateway");
  const principal::Signer::Sealed stale = gateway.Seal(
      principal::Admin(), "events", absl::Now() - principal::kLifetime - absl::Seconds(1));
  grpc::Status refused = ListEventsPresenting(
      {{principal::kPrincipalKey, stale.bytes}, {principal::kSignatureKey, stale.signature}});
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(refused), "PRINCIPAL_EXPIRED") << refused.error_message();

  const principal::Signer::Sealed fresh = gateway.Seal(principal::Admin(), "events");
  EXPECT_TRUE(ListEventsPresenting({{principal::kPrincipalKey, fresh.bytes},
                                    {principal::kSignatureKey, fresh.signature}})
                  .ok());
}

}  // namespace
}  // namespace coopnet
