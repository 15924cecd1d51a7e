// The gateway's gRPC port in front of the real organisations and events processes (all
// in-process, on real PostgreSQL and Redis), used as an integrator would: with the
// generated stubs and an API key in `authorization`.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/harness/errors.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::gateway {
namespace {

using testing::ReasonOf;

using testing::EventsStack;
using testing::GatewayStack;
namespace org = organisations::v1;
namespace ev = events::v1;

// A call through the gateway with `key` (none for "") and a 10 s deadline.
void Authorise(grpc::ClientContext& context, const std::string& key) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
}

class GatewayGrpcTest : public ::testing::Test {
 protected:
  explicit GatewayGrpcTest(GatewayOptions options = GatewayStack::Unlimited())
      : backends_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        gateway_(testing::BackendsOf(backends_), options),
        organisations_(org::OrganisationService::NewStub(gateway_.channel())),
        keys_(org::ApiKeyService::NewStub(gateway_.channel())),
        events_(ev::EventService::NewStub(gateway_.channel())) {}

  org::Organisation CreateOrganisation(const org::Organisation& organisation) {
    return gateway_.CreateOrganisation(organisation);
  }

  org::CreateApiKeyResponse CreateKey(const std::string& organisation,
                                      std::vector<type::v1::Scope> scopes) {
    return gateway_.CreateKey(organisation, scopes);
  }

  grpc::Status CreateEvent(const std::string& key, const ev::Event& event, ev::Event* created) {
    grpc::ClientContext context;
    Authorise(context, key);
    ev::CreateEventRequest request;
    *request.mutable_event() = event;
    return events_->CreateEvent(&context, request, created);
  }

  testing::TestDatabase organisations_db_, events_db_;
  EventsStack backends_;
  GatewayStack gateway_;
  std::unique_ptr<org::OrganisationService::Stub> organisations_;
  std::unique_ptr<org::ApiKeyService::Stub> keys_;
  std::unique_ptr<ev::EventService::Stub> events_;
};

TEST_F(GatewayGrpcTest, AnybodyReadsPublicDataThroughTheGateway) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  grpc::ClientContext context;
  Authorise(context, "");
  org::GetOrganisationRequest request;
  request.set_name(kofoeds.name());
  org::Organisation read;
  grpc::Status s = organisations_->GetOrganisation(&context, request, &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(read.display_name(), "Kofoeds Skole");
}

TEST_F(GatewayGrpcTest, AnonymousCallersCannotWriteAndNothingChanges) {
  grpc::ClientContext context;
  Authorise(context, "");
  org::CreateOrganisationRequest request;
  *request.mutable_organisation() = testing::seeds::BiserGdansk();
  org::Organisation created;
  grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(s), "API_KEY_REQUIRED");

  grpc::ClientContext list_context;
  Authorise(list_context, "");
  org::ListOrganisationsResponse all;
  ASSERT_TRUE(organisations_->ListOrganisations(&list_context, {}, &all).ok());
  EXPECT_EQ(all.organisations_size(), 0);
}

// A principal the caller signs itself, even with the gateway's real key, is not believed:
// only the gateway's own reaches the services.
TEST_F(GatewayGrpcTest, APrincipalSentByTheCallerIsIgnored) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  principal::Signer(*testing::TestKeys().SigningKey("gateway"), "gateway")
      .Attach(principal::Admin(), "organisations", context);
  org::CreateOrganisationRequest request;
  *request.mutable_organisation() = testing::seeds::BiserGdansk();
  org::Organisation created;
  grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayGrpcTest, AKeyActsForItsOrganisationWithItsScopes) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  const std::string reader = CreateKey(kofoeds.name(), {type::v1::SCOPE_READ}).key();
  const std::string writer = CreateKey(kofoeds.name(), {type::v1::SCOPE_WRITE}).key();
  const ev::Event meeting = testing::seeds::CopenhagenInfoMeeting(kofoeds.name());

  ev::Event created;
  grpc::Status refused = CreateEvent(reader, meeting, &created);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(refused), "SCOPE_MISSING");

  grpc::Status s = CreateEvent(writer, meeting, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.organiser(), kofoeds.name());
  EXPECT_EQ(created.state(), ev::Event::DRAFT);
}

TEST_F(GatewayGrpcTest, ForgedKeysAreRefused) {
  for (const std::string& key :
       std::vector<std::string>{"cnk_aaaaaaaa_" + std::string(64, '0'), "cnk_nonsense", "x"}) {
    ev::Event created;
    grpc::Status s =
        CreateEvent(key, testing::seeds::CopenhagenInfoMeeting("organisations/x"), &created);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << key;
    EXPECT_EQ(ReasonOf(s), "API_KEY_INVALID") << key;
  }
}

TEST_F(GatewayGrpcTest, ServicesErrorsComeBackWithTheirDetails) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  ev::Event backwards = testing::seeds::CopenhagenInfoMeeting(kofoeds.name());
  *backwards.mutable_end_time() = backwards.start_time();
  backwards.mutable_end_time()->set_seconds(backwards.start_time().seconds() - 3600);
  ev::Event created;
  grpc::Status s = CreateEvent(testing::kTestAdminKey, backwards, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto bad_request = status::GetBadRequest(status::FromGrpc(s));
  ASSERT_TRUE(bad_request.has_value()) << s.error_message();
  EXPECT_EQ(bad_request->field_violations(0).field(), "event.end_time");
}

TEST_F(GatewayGrpcTest, InternalAndUnknownMethodsDoNotExistFromOutside) {
  grpc::GenericStub generic(gateway_.channel());
  for (const char* method :
       {"/coopnet.organisations.v1.ApiKeyService/AuthenticateApiKey",
        "/coopnet.nothing.v1.NothingService/Nothing", "/coopnet.events.v1.EventService/Nothing"}) {
    grpc::ClientContext context;
    Authorise(context, testing::kTestAdminKey);
    org::AuthenticateApiKeyRequest request;
    request.set_key("cnk_aaaaaaaa_" + std::string(64, '0'));
    grpc::Slice slice(request.SerializeAsString());
    grpc::ByteBuffer in(&slice, 1), out;
    absl::Notification done;
    grpc::Status status;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &in, &out, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
  }
}

TEST_F(GatewayGrpcTest, ARequestOverTheSizeLimitIsRefused) {
  org::Organisation large = testing::seeds::KofoedsSkole();
  (*large.mutable_description()->mutable_translations())["da"] = std::string(2 << 20, 'x');
  grpc::ClientContext context;
  Authorise(context, testing::kTestAdminKey);
  org::CreateOrganisationRequest request;
  *request.mutable_organisation() = large;
  org::Organisation created;
  grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
}

// A published event reaches a watcher through the gateway's stream; cancelling the
// watch ends it.
TEST_F(GatewayGrpcTest, StreamsChangesAndEndsWhenCancelled) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  ev::Event created;
  ASSERT_TRUE(CreateEvent(testing::kTestAdminKey,
                          testing::seeds::CopenhagenInfoMeeting(kofoeds.name()), &created)
                  .ok());
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
  ev::WatchEventsRequest from_start;
  from_start.set_cursor("0");
  auto watch = events_->WatchEvents(&watch_context, from_start);

  grpc::ClientContext publish_context;
  Authorise(publish_context, testing::kTestAdminKey);
  ev::PublishEventRequest publish;
  publish.set_name(created.name());
  ev::Event published;
  ASSERT_TRUE(events_->PublishEvent(&publish_context, publish, &published).ok());

  ev::EventChange change;
  ASSERT_TRUE(watch->Read(&change));
  EXPECT_EQ(change.published().event().name(), created.name());
  watch_context.TryCancel();
  while (watch->Read(&change)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GatewayGrpcTest, ACallersDeadlineBoundsAStream) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  const absl::Time start = absl::Now();
  auto watch = events_->WatchEvents(&context, {});
  ev::EventChange change;
  while (watch->Read(&change)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(GatewayGrpcTest, HealthFollowsTheBackends) {
  auto health = grpc::health::v1::Health::NewStub(gateway_.channel());
  auto status_of = [&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::health::v1::HealthCheckResponse response;
    (void)health->Check(&context, {}, &response);
    return response.status();
  };
  EXPECT_EQ(status_of(), grpc::health::v1::HealthCheckResponse::SERVING);
  backends_.StopOrganisations();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (status_of() == grpc::health::v1::HealthCheckResponse::SERVING && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(status_of(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  org::GetOrganisationRequest request;
  request.set_name("organisations/01hzzzzzzzzzzzzzzzzzzzzzzz");
  org::Organisation read;
  const absl::Time start = absl::Now();
  grpc::Status s = organisations_->GetOrganisation(&context, request, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReasonOf(s), "BACKEND_UNAVAILABLE");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// Answers to anonymous public reads, kept long enough to see which answers come from
// where.
class GatewayAnswerCacheTest : public GatewayGrpcTest {
 protected:
  static GatewayOptions LongAnswers() {
    GatewayOptions options = GatewayStack::Unlimited();
    options.anonymous_cache_time = absl::Minutes(5);
    return options;
  }
  GatewayAnswerCacheTest() : GatewayGrpcTest(LongAnswers()) {}

  std::string DisplayNameFor(const std::string& key, const std::string& name,
                             const std::string& language = "") {
    grpc::ClientContext context;
    Authorise(context, key);
    if (!language.empty()) context.AddMetadata("accept-language", language);
    org::GetOrganisationRequest request;
    request.set_name(name);
    org::Organisation read;
    const grpc::Status s = organisations_->GetOrganisation(&context, request, &read);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return read.display_name();
  }
};

TEST_F(GatewayAnswerCacheTest, AnonymousReadersGetTheKeptAnswerCallersWithAKeyTheFreshOne) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  const org::CreateApiKeyResponse key = CreateKey(kofoeds.name(), {type::v1::SCOPE_READ});
  EXPECT_EQ(DisplayNameFor("", kofoeds.name()), "Kofoeds Skole");

  grpc::ClientContext context;
  Authorise(context, testing::kTestAdminKey);
  org::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name(kofoeds.name());
  update.mutable_organisation()->set_display_name("Kofoeds Skole, Amager");
  update.mutable_update_mask()->add_paths("display_name");
  org::Organisation updated;
  ASSERT_TRUE(organisations_->UpdateOrganisation(&context, update, &updated).ok());

  // The same anonymous question within the cache time: the answer given before.
  EXPECT_EQ(DisplayNameFor("", kofoeds.name()), "Kofoeds Skole");
  // Asked in another language, or by a key, or about another resource: the backend.
  EXPECT_EQ(DisplayNameFor("", kofoeds.name(), "da"), "Kofoeds Skole, Amager");
  EXPECT_EQ(DisplayNameFor(key.key(), kofoeds.name()), "Kofoeds Skole, Amager");
  // Errors are never kept: an organisation made after a NOT_FOUND is found at once.
  grpc::ClientContext missing;
  Authorise(missing, "");
  org::GetOrganisationRequest request;
  request.set_name("organisations/01aaaaaaaaaaaaaaaaaaaaaaaa");
  org::Organisation nothing;
  EXPECT_EQ(organisations_->GetOrganisation(&missing, request, &nothing).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

class GatewayKeyCacheTest : public GatewayGrpcTest {
 protected:
  static GatewayOptions ShortCache() {
    GatewayOptions options = GatewayStack::Unlimited();
    options.key_cache_time = absl::Seconds(2);
    return options;
  }
  GatewayKeyCacheTest() : GatewayGrpcTest(ShortCache()) {}
};

TEST_F(GatewayKeyCacheTest, ARevokedKeyIsRefusedWithinSeconds) {
  const org::Organisation kofoeds = CreateOrganisation(testing::seeds::KofoedsSkole());
  const org::CreateApiKeyResponse key =
      CreateKey(kofoeds.name(), {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
  const ev::Event meeting = testing::seeds::CopenhagenInfoMeeting(kofoeds.name());
  ev::Event created;
  ASSERT_TRUE(CreateEvent(key.key(), meeting, &created).ok());

  grpc::ClientContext revoke_context;
  Authorise(revoke_context, testing::kTestAdminKey);
  org::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  org::ApiKey revoked;
  ASSERT_TRUE(keys_->RevokeApiKey(&revoke_context, revoke, &revoked).ok());
  const absl::Time revoked_at = absl::Now();

  // No call asked after the cache time (2 s) goes through; how long a call takes does not
  // count.
  grpc::Status s;
  absl::Time last_let_in = revoked_at;
  do {
    const absl::Time asked = absl::Now();
    s = CreateEvent(key.key(), meeting, &created);
    if (s.ok()) {
      last_let_in = asked;
      absl::SleepFor(absl::Milliseconds(50));
    }
  } while (s.ok() && absl::Now() - revoked_at < absl::Seconds(5));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(s), "API_KEY_INVALID");
  EXPECT_LT(last_let_in - revoked_at, absl::Milliseconds(2200));
}

}  // namespace
}  // namespace coopnet::gateway
