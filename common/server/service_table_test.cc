#include "common/server/service_table.h"

#include <gtest/gtest.h>

#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::server {
namespace {

using organisations::v1::CreateOrganisationRequest;
using organisations::v1::DeleteOrganisationRequest;
using organisations::v1::GetOrganisationRequest;
using organisations::v1::ListOrganisationsRequest;
using organisations::v1::ListOrganisationsResponse;
using organisations::v1::LookupOrganisationRequest;
using organisations::v1::Organisation;
using organisations::v1::OrganisationChange;
using organisations::v1::OrganisationService;
using organisations::v1::SearchOrganisationsRequest;
using organisations::v1::SearchOrganisationsResponse;
using organisations::v1::UpdateOrganisationRequest;
using organisations::v1::WatchOrganisationsRequest;

// The test server's audience is `test`; its callers sign as the gateway.
const principal::KeySet kKeys = *principal::KeySet::Parse("gw:gateway:" + std::string(32, 'k'));
const principal::Signer kGateway(*kKeys.SigningKey("gateway"), "gateway");
constexpr char kService[] = "coopnet.organisations.v1.OrganisationService";

// Streams the organisation named in the cursor twice, then ends.
class TwoChanges final : public grpc::ServerWriteReactor<OrganisationChange> {
 public:
  explicit TwoChanges(std::string name) { Next(std::move(name)); }
  void OnWriteDone(bool ok) override {
    if (!ok || ++written_ == 2) {
      Finish(grpc::Status::OK);
      return;
    }
    Next(change_.organisation().name());
  }
  void OnDone() override { delete this; }

 private:
  void Next(std::string name) {
    change_.set_type(OrganisationChange::UPDATED);
    change_.mutable_organisation()->set_name(std::move(name));
    StartWrite(&change_);
  }
  OrganisationChange change_;
  int written_ = 0;
};

// A complete table: Get answers with the caller, Watch streams, the rest refuse.
class DirectoryHandlers {
 public:
  explicit DirectoryHandlers(Server& server) : table_(server, kService) {
    table_.Unary("CreateOrganisation", this, &DirectoryHandlers::Refuse<CreateOrganisationRequest>)
        .Unary("GetOrganisation", this, &DirectoryHandlers::Get)
        .Unary("ListOrganisations", this, &DirectoryHandlers::List)
        .Unary("UpdateOrganisation", this, &DirectoryHandlers::Refuse<UpdateOrganisationRequest>)
        .Unary("DeleteOrganisation", this, &DirectoryHandlers::Delete)
        .Unary("SearchOrganisations", this, &DirectoryHandlers::Search)
        .Unary("LookupOrganisation", this, &DirectoryHandlers::Refuse<LookupOrganisationRequest>)
        .Unary("ListCountryGroups", this, &DirectoryHandlers::CountryGroups)
        .Unary("VerifyIdentifier", this,
               &DirectoryHandlers::Refuse<organisations::v1::VerifyIdentifierRequest>)
        .Unary("UnverifyIdentifier", this,
               &DirectoryHandlers::Refuse<organisations::v1::UnverifyIdentifierRequest>)
        .ServerStream("WatchOrganisations", this, &DirectoryHandlers::Watch);
  }
  ServiceTable& table() { return table_; }

 private:
  absl::Status Get(const Call& call, const GetOrganisationRequest& request, Organisation& answer) {
    answer.set_name(request.name());
    answer.set_display_name(principal::Subject(call.principal));
    return absl::OkStatus();
  }
  absl::Status CountryGroups(const Call&, const organisations::v1::ListCountryGroupsRequest&,
                             organisations::v1::ListCountryGroupsResponse&) {
    return absl::FailedPreconditionError("refused");
  }
  template <typename Request>
  absl::Status Refuse(const Call&, const Request&, Organisation&) {
    return absl::FailedPreconditionError("refused");
  }
  absl::Status List(const Call&, const ListOrganisationsRequest&, ListOrganisationsResponse&) {
    return absl::OkStatus();
  }
  absl::Status Delete(const Call&, const DeleteOrganisationRequest&, google::protobuf::Empty&) {
    return absl::OkStatus();
  }
  absl::Status Search(const Call&, const SearchOrganisationsRequest&,
                      SearchOrganisationsResponse&) {
    return absl::OkStatus();
  }
  grpc::ServerWriteReactor<OrganisationChange>* Watch(grpc::CallbackServerContext*,
                                                      const WatchOrganisationsRequest* request) {
    return new TwoChanges(request->cursor());
  }

  ServiceTable table_;
};

ServerOptions TestOptions() {
  ServerOptions options;
  options.service_name = "test";
  options.error_domain = "test.coopnet";
  options.listen_address = "127.0.0.1:0";
  return options;
}

class ServiceTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(TestOptions(), kKeys);
    handlers_ = std::make_unique<DirectoryHandlers>(*server_);
    server_->Register(handlers_->table());
    ASSERT_TRUE(server_->Start().ok());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = OrganisationService::NewStub(channel_);
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<DirectoryHandlers> handlers_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<OrganisationService::Stub> stub_;
};

TEST_F(ServiceTableTest, UnaryHandlerGetsTheRequestAndTheVerifiedCaller) {
  grpc::ClientContext context;
  kGateway.Attach(principal::Admin(), "test", context);
  GetOrganisationRequest request;
  request.set_name("organisations/kofoeds-skole");
  Organisation answer;
  grpc::Status status = stub_->GetOrganisation(&context, request, &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(answer.name(), "organisations/kofoeds-skole");
  EXPECT_EQ(answer.display_name(), principal::Subject(principal::Admin()));
}

TEST_F(ServiceTableTest, UnaryCallWithoutPrincipalIsRefusedBeforeTheHandler) {
  grpc::ClientContext context;
  Organisation answer;
  grpc::Status status = stub_->GetOrganisation(&context, GetOrganisationRequest(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(answer.name().empty());
}

TEST_F(ServiceTableTest, HandlerStatusIsTheCallsStatus) {
  grpc::ClientContext context;
  kGateway.Attach(principal::Admin(), "test", context);
  Organisation answer;
  grpc::Status status = stub_->CreateOrganisation(&context, CreateOrganisationRequest(), &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "refused");
}

TEST_F(ServiceTableTest, StreamingHandlerWritesThroughItsReactor) {
  grpc::ClientContext context;
  WatchOrganisationsRequest request;
  request.set_cursor("organisations/fylkeshuset");
  auto reader = stub_->WatchOrganisations(&context, request);
  OrganisationChange change;
  int changes = 0;
  while (reader->Read(&change)) {
    EXPECT_EQ(change.organisation().name(), "organisations/fylkeshuset");
    ++changes;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(changes, 2);
}

TEST_F(ServiceTableTest, HealthAnswersForTheTablesService) {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(kService);
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(
      grpc::health::v1::Health::NewStub(channel_)->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

class Incomplete {
 public:
  absl::Status Get(const Call&, const GetOrganisationRequest&, Organisation&) {
    return absl::OkStatus();
  }
  absl::Status Create(const Call&, const CreateOrganisationRequest&, Organisation&) {
    return absl::OkStatus();
  }
};

TEST(ServiceTableDeathTest, MethodWithoutHandlerStopsRegistration) {
  Server server(TestOptions(), kKeys);
  Incomplete handlers;
  ServiceTable table(server, kService);
  table.Unary("GetOrganisation", &handlers, &Incomplete::Get);
  EXPECT_DEATH(server.Register(table), "CreateOrganisation has no handler");
}

TEST(ServiceTableDeathTest, MethodTheProtoLacksIsRefused) {
  Server server(TestOptions(), kKeys);
  Incomplete handlers;
  ServiceTable table(server, kService);
  EXPECT_DEATH(table.Unary("FetchOrganisation", &handlers, &Incomplete::Get),
               "OrganisationService has no method FetchOrganisation");
}

TEST(ServiceTableDeathTest, HandlerOfOtherMessagesIsRefused) {
  Server server(TestOptions(), kKeys);
  Incomplete handlers;
  ServiceTable table(server, kService);
  EXPECT_DEATH(table.Unary("GetOrganisation", &handlers, &Incomplete::Create),
               "its handler takes coopnet.organisations.v1.CreateOrganisationRequest");
}

TEST(ServiceTableDeathTest, MethodNamedTwiceIsRefused) {
  Server server(TestOptions(), kKeys);
  Incomplete handlers;
  ServiceTable table(server, kService);
  table.Unary("GetOrganisation", &handlers, &Incomplete::Get);
  EXPECT_DEATH(table.Unary("GetOrganisation", &handlers, &Incomplete::Get), "twice");
}

}  // namespace
}  // namespace coopnet::server
