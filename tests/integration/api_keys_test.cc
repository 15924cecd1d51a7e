// API keys through the real gRPC API, on real PostgreSQL and Redis: the secret shown
// once and stored nowhere, authentication by the gateway only, revoked and expired keys
// refused alike, retries that never mint a second key, and who manages whose keys.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/pg/pool.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using principal::Principal;
using testing::OrganisationsStack;
using type::v1::Scope;
using v1::ApiKey;
using v1::CreateApiKeyResponse;
using v1::Organisation;

const pg::Statement kKeyRows{"SELECT k::text FROM api_keys k"};
const pg::Statement kStoredHash{"SELECT secret_sha256 FROM api_keys WHERE id = $1"};
const pg::Statement kLoggedResponses{"SELECT response FROM request_log WHERE scope LIKE $1"};
const pg::Statement kExpireNow{
    "UPDATE api_keys SET expire_time = now() - interval '1 second' WHERE id = $1"};
const pg::Statement kLastUseAnHourAgo{
    "UPDATE api_keys SET last_use_time = now() - interval '1 hour' WHERE id = $1"};
const pg::Statement kRowVersion{
    "SELECT xmin::text, date_trunc('minute', clock_timestamp())::text FROM api_keys"
    " WHERE id = $1"};

Principal Gateway() { return principal::Service("gateway"); }

// The secret's hex digits: what follows `cnk_<prefix>_`.
std::string SecretHexOf(const std::string& key) { return key.substr(13); }

ApiKey Portal(std::vector<Scope> scopes = {type::v1::SCOPE_READ, type::v1::SCOPE_REGISTRATIONS}) {
  ApiKey key;
  key.set_display_name("Region Örebro portal");
  for (Scope scope : scopes) key.add_scopes(scope);
  return key;
}

class ApiKeysTest : public ::testing::Test {
 protected:
  ApiKeysTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()),
        organisations_(stack_.Stub()),
        stub_(stack_.ApiKeyStub()) {
    kofoed_ = MustCreateOrganisation(testing::seeds::KofoedsSkole());
    orebro_ = MustCreateOrganisation(testing::seeds::RegionOrebro());
  }

  std::string MustCreateOrganisation(const Organisation& o) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    Organisation created;
    grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  grpc::Status Create(const std::string& parent, const ApiKey& key, CreateApiKeyResponse* out,
                      const Principal& caller = principal::Admin(),
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::CreateApiKeyRequest request;
    request.set_parent(parent);
    *request.mutable_api_key() = key;
    request.set_request_id(request_id);
    CreateApiKeyResponse ignored;
    return stub_->CreateApiKey(&context, request, out ? out : &ignored);
  }

  CreateApiKeyResponse MustCreate(const std::string& parent, const ApiKey& key = Portal()) {
    CreateApiKeyResponse created;
    grpc::Status s = Create(parent, key, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Get(const std::string& name, ApiKey* out,
                   const Principal& caller = principal::Admin()) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::GetApiKeyRequest request;
    request.set_name(name);
    return stub_->GetApiKey(&context, request, out);
  }

  ApiKey MustGet(const std::string& name) {
    ApiKey read;
    grpc::Status s = Get(name, &read);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return read;
  }

  grpc::Status List(const std::string& parent, std::vector<ApiKey>* out,
                    const Principal& caller = principal::Admin(), int page_size = 500) {
    v1::ListApiKeysRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    while (true) {
      grpc::ClientContext context;
      OrganisationsStack::Sign(context, caller);
      v1::ListApiKeysResponse page;
      grpc::Status s = stub_->ListApiKeys(&context, request, &page);
      if (!s.ok()) return s;
      out->insert(out->end(), page.api_keys().begin(), page.api_keys().end());
      if (page.next_page_token().empty()) return s;
      request.set_page_token(page.next_page_token());
    }
  }

  std::vector<ApiKey> MustList(const std::string& parent) {
    std::vector<ApiKey> keys;
    grpc::Status s = List(parent, &keys);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return keys;
  }

  grpc::Status Revoke(const std::string& name, ApiKey* out,
                      const Principal& caller = principal::Admin(),
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::RevokeApiKeyRequest request;
    request.set_name(name);
    request.set_request_id(request_id);
    ApiKey ignored;
    return stub_->RevokeApiKey(&context, request, out ? out : &ignored);
  }

  grpc::Status Authenticate(const std::string& key, v1::AuthenticateApiKeyResponse* out,
                            const Principal& caller = Gateway()) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::AuthenticateApiKeyRequest request;
    request.set_key(key);
    v1::AuthenticateApiKeyResponse ignored;
    return stub_->AuthenticateApiKey(&context, request, out ? out : &ignored);
  }

  // The principal the gateway would sign for `key`.
  Principal MustAuthenticate(const std::string& key) {
    v1::AuthenticateApiKeyResponse answer;
    grpc::Status s = Authenticate(key, &answer);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return answer.principal();
  }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> organisations_;
  std::unique_ptr<v1::ApiKeyService::Stub> stub_;
  std::string kofoed_, orebro_;
};

TEST_F(ApiKeysTest, CreatedKeyAuthenticatesAsItsOrganisationWithItsScopes) {
  CreateApiKeyResponse created = MustCreate(orebro_);
  const ApiKey& key = created.api_key();
  EXPECT_TRUE(absl::StartsWith(key.name(), orebro_ + "/apiKeys/")) << key.name();
  EXPECT_EQ(key.state(), ApiKey::ACTIVE);
  EXPECT_EQ(key.display_name(), "Region Örebro portal");
  EXPECT_EQ(key.prefix().size(), 12u);
  EXPECT_TRUE(absl::StartsWith(created.key(), key.prefix() + "_")) << created.key();
  EXPECT_EQ(created.key().size(), 77u);

  const absl::Time before = absl::Now();
  v1::AuthenticateApiKeyResponse answer;
  ASSERT_TRUE(Authenticate(created.key(), &answer).ok());
  EXPECT_EQ(answer.principal().kind(), Principal::API_KEY);
  EXPECT_EQ(answer.principal().organisation(), orebro_);
  EXPECT_EQ(answer.principal().api_key(), key.name());
  EXPECT_EQ(
      std::vector<int>(answer.principal().scopes().begin(), answer.principal().scopes().end()),
      (std::vector<int>{type::v1::SCOPE_READ, type::v1::SCOPE_REGISTRATIONS}));
  // Cached by the gateway for a minute at most.
  const absl::Time cache_until =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(answer.expire_time()));
  EXPECT_GE(cache_until, before + absl::Seconds(59));
  EXPECT_LE(cache_until, absl::Now() + absl::Seconds(60));
}

TEST_F(ApiKeysTest, TheSecretAppearsOnlyInTheCreateAnswerAndNowhereInTheDatabase) {
  ApiKey asked = Portal();
  CreateApiKeyResponse created;
  ASSERT_TRUE(Create(orebro_, asked, &created, principal::Admin(), "portal-key-1").ok());
  const std::string key = created.key();
  const std::string hex = SecretHexOf(key);
  const std::string secret = absl::HexStringToBytes(hex);
  ASSERT_EQ(secret.size(), 32u);

  ApiKey read = MustGet(created.api_key().name());
  EXPECT_TRUE(MessageDifferencer::Equals(read, created.api_key()));
  std::vector<ApiKey> listed = MustList(orebro_);
  ASSERT_EQ(listed.size(), 1u);
  for (const std::string& shown : {read.SerializeAsString(), read.DebugString(),
                                   listed[0].SerializeAsString(), listed[0].DebugString()}) {
    EXPECT_FALSE(absl::StrContains(shown, hex));
    EXPECT_FALSE(absl::StrContains(shown, secret));
  }

  // The database holds the SHA-256 of the secret and never the secret, the key or
  // their hex, neither in the key's row nor in the answer kept for retries.
  absl::StatusOr<pg::Result> hash =
      stack_.pool().Exec(kStoredHash, resource::IdOf(created.api_key().name()));
  ASSERT_TRUE(hash.ok()) << hash.status();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  EXPECT_EQ(hash->GetBytes(0, 0), std::string(reinterpret_cast<const char*>(digest), 32));

  absl::StatusOr<pg::Result> rows = stack_.pool().Exec(kKeyRows);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->rows(), 1);
  const std::string row = rows->GetString(0, 0);
  EXPECT_TRUE(absl::StrContains(row, resource::IdOf(created.api_key().name()))) << row;
  EXPECT_FALSE(absl::StrContains(row, hex)) << row;

  absl::StatusOr<pg::Result> logged = stack_.pool().Exec(kLoggedResponses, "% CreateApiKey");
  ASSERT_TRUE(logged.ok()) << logged.status();
  ASSERT_EQ(logged->rows(), 1);
  const std::string response = logged->GetBytes(0, 0);
  EXPECT_TRUE(absl::StrContains(response, created.api_key().name()));
  for (const std::string& leak : {hex, secret, key}) {
    EXPECT_FALSE(absl::StrContains(response, leak));
  }
}

// A retry cannot be answered with the secret (it is kept nowhere) and must not mint a
// second key: it names the key the first request made, so a client that lost the answer
// revokes it and asks again under a new request_id.
TEST_F(ApiKeysTest, RetryOfCreateNamesTheFirstKeyAndNeverMintsOrRevealsAnother) {
  CreateApiKeyResponse first;
  ASSERT_TRUE(Create(orebro_, Portal(), &first, principal::Admin(), "portal-key-1").ok());
  CreateApiKeyResponse second;
  grpc::Status retry = Create(orebro_, Portal(), &second, principal::Admin(), "portal-key-1");
  EXPECT_EQ(retry.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(retry), "API_KEY_ALREADY_ISSUED");
  auto info = status::GetErrorInfo(status::FromGrpc(retry));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("api_key"), first.api_key().name());
  EXPECT_TRUE(second.key().empty());
  EXPECT_FALSE(absl::StrContains(retry.error_message(), SecretHexOf(first.key())));

  grpc::Status other =
      Create(orebro_, Portal({type::v1::SCOPE_ADMIN}), nullptr, principal::Admin(), "portal-key-1");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(other), "REQUEST_ID_REUSED");

  EXPECT_EQ(MustList(orebro_).size(), 1u);
  EXPECT_EQ(MustAuthenticate(first.key()).api_key(), first.api_key().name());
}

TEST_F(ApiKeysTest, RevokedKeyIsRefusedStaysListedAndRevokingAgainChangesNothing) {
  CreateApiKeyResponse created = MustCreate(orebro_);
  ApiKey revoked;
  ASSERT_TRUE(Revoke(created.api_key().name(), &revoked, principal::Admin(), "revoke-1").ok());
  EXPECT_EQ(revoked.state(), ApiKey::REVOKED);
  EXPECT_TRUE(revoked.has_revoke_time());

  grpc::Status s = Authenticate(created.key(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  ApiKey again, retried;
  ASSERT_TRUE(Revoke(created.api_key().name(), &again).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(again.revoke_time(), revoked.revoke_time()));
  ASSERT_TRUE(Revoke(created.api_key().name(), &retried, principal::Admin(), "revoke-1").ok());
  EXPECT_TRUE(MessageDifferencer::Equals(retried, revoked));

  std::vector<ApiKey> listed = MustList(orebro_);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state(), ApiKey::REVOKED);
  EXPECT_EQ(Revoke(orebro_ + "/apiKeys/01jdz5c7m3zzzzzzzzzzzzzzzz", nullptr).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ApiKeysTest, ExpiredKeyIsRefusedAndShownExpired) {
  CreateApiKeyResponse created = MustCreate(orebro_);
  ASSERT_TRUE(Authenticate(created.key(), nullptr).ok());
  ASSERT_TRUE(stack_.pool().Exec(kExpireNow, resource::IdOf(created.api_key().name())).ok());
  grpc::Status s = Authenticate(created.key(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(MustGet(created.api_key().name()).state(), ApiKey::EXPIRED);
}

TEST_F(ApiKeysTest, AuthenticationIsCachedNoLongerThanTheKeyLives) {
  ApiKey soon = Portal();
  *soon.mutable_expire_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() + absl::Seconds(20)));
  CreateApiKeyResponse created = MustCreate(orebro_, soon);
  EXPECT_TRUE(MessageDifferencer::Equals(created.api_key().expire_time(), soon.expire_time()));
  v1::AuthenticateApiKeyResponse answer;
  ASSERT_TRUE(Authenticate(created.key(), &answer).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(answer.expire_time(), soon.expire_time()))
      << answer.expire_time().DebugString();
}

TEST_F(ApiKeysTest, EveryRefusedKeyGetsTheSameAnswer) {
  CreateApiKeyResponse revoked = MustCreate(orebro_);
  ASSERT_TRUE(Revoke(revoked.api_key().name(), nullptr).ok());
  CreateApiKeyResponse expired = MustCreate(orebro_);
  ASSERT_TRUE(stack_.pool().Exec(kExpireNow, resource::IdOf(expired.api_key().name())).ok());
  CreateApiKeyResponse live = MustCreate(orebro_);
  std::string wrong_secret = live.key();
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  std::string unknown_prefix = live.key();
  unknown_prefix[4] = unknown_prefix[4] == '0' ? '1' : '0';

  const std::vector<std::string> refused = {
      "",           "cnk_",         "not a key",   live.key() + "0",
      wrong_secret, unknown_prefix, revoked.key(), expired.key()};
  for (const std::string& key : refused) {
    grpc::Status s = Authenticate(key, nullptr);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << key;
    EXPECT_EQ(ReasonOf(s), "API_KEY_INVALID") << key;
    EXPECT_EQ(s.error_message(), "the API key is not valid") << key;
  }
  EXPECT_TRUE(Authenticate(live.key(), nullptr).ok());
}

TEST_F(ApiKeysTest, OnlyTheGatewayOrAnOperatorAuthenticates) {
  CreateApiKeyResponse created = MustCreate(orebro_, Portal({type::v1::SCOPE_ADMIN}));
  const Principal own_admin_key = MustAuthenticate(created.key());
  for (const Principal& caller :
       {principal::Service("events"), own_admin_key, principal::Anonymous()}) {
    grpc::Status s = Authenticate(created.key(), nullptr, caller);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << caller.DebugString();
    EXPECT_EQ(ReasonOf(s), "NOT_GATEWAY");
  }
  EXPECT_TRUE(Authenticate(created.key(), nullptr, principal::Admin()).ok());
}

TEST_F(ApiKeysTest, AKeyOfOneOrganisationCannotTouchTheKeysOfAnother) {
  const Principal kofoed_admin =
      MustAuthenticate(MustCreate(kofoed_, Portal({type::v1::SCOPE_ADMIN})).key());
  CreateApiKeyResponse orebro_key = MustCreate(orebro_);
  const ApiKey before = MustGet(orebro_key.api_key().name());

  grpc::Status s = Create(orebro_, Portal({type::v1::SCOPE_ADMIN}), nullptr, kofoed_admin);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_KEY_ADMIN");
  ApiKey read;
  EXPECT_EQ(Get(orebro_key.api_key().name(), &read, kofoed_admin).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  std::vector<ApiKey> listed;
  EXPECT_EQ(List(orebro_, &listed, kofoed_admin).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(listed.empty());
  EXPECT_EQ(Revoke(orebro_key.api_key().name(), nullptr, kofoed_admin).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Under its own organisation's name, another's key id is simply not there.
  EXPECT_EQ(
      Get(kofoed_ + "/apiKeys/" + resource::IdOf(orebro_key.api_key().name()), &read, kofoed_admin)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Revoke(kofoed_ + "/apiKeys/" + resource::IdOf(orebro_key.api_key().name()), nullptr,
                   kofoed_admin)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  EXPECT_TRUE(MessageDifferencer::Equals(MustGet(orebro_key.api_key().name()), before));
  EXPECT_EQ(MustList(orebro_).size(), 1u);
  EXPECT_TRUE(Authenticate(orebro_key.key(), nullptr).ok());
}

TEST_F(ApiKeysTest, KeysAreManagedByTheOrganisationsAdminKeyOnly) {
  const Principal writer =
      MustAuthenticate(MustCreate(kofoed_, Portal({type::v1::SCOPE_WRITE})).key());
  grpc::Status s = Create(kofoed_, Portal(), nullptr, writer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  std::vector<ApiKey> listed;
  EXPECT_EQ(List(kofoed_, &listed, writer).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  const Principal admin =
      MustAuthenticate(MustCreate(kofoed_, Portal({type::v1::SCOPE_ADMIN})).key());
  CreateApiKeyResponse made;
  ASSERT_TRUE(Create(kofoed_, Portal(), &made, admin).ok());
  ASSERT_TRUE(List(kofoed_, &listed, admin, /*page_size=*/1).ok());
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[2].name(), made.api_key().name());
  ASSERT_TRUE(Revoke(made.api_key().name(), nullptr, admin).ok());
}

TEST_F(ApiKeysTest, BadInputNamesTheFieldAndChangesNothing) {
  struct BadInput {
    std::string what;
    std::string parent;
    std::function<void(ApiKey&)> spoil;
    std::string request_id;
    std::string field;
  };
  const std::vector<BadInput> cases = {
      {"no scopes", orebro_, [](ApiKey& k) { k.clear_scopes(); }, "", "api_key.scopes"},
      {"unspecified scope", orebro_, [](ApiKey& k) { k.add_scopes(type::v1::SCOPE_UNSPECIFIED); },
       "", "api_key.scopes[2]"},
      {"no display name", orebro_, [](ApiKey& k) { k.clear_display_name(); }, "",
       "api_key.display_name"},
      {"expiry in the past", orebro_,
       [](ApiKey& k) {
         *k.mutable_expire_time() =
             TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() - absl::Hours(1)));
       },
       "", "api_key.expire_time"},
      {"parent not an organisation", "Region Örebro län", [](ApiKey&) {}, "", "parent"},
      {"request id with spaces", orebro_, [](ApiKey&) {}, "not an id", "request_id"},
  };
  for (const BadInput& c : cases) {
    ApiKey key = Portal();
    c.spoil(key);
    grpc::Status s = Create(c.parent, key, nullptr, principal::Admin(), c.request_id);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{c.field})
        << c.what << ": " << s.error_message();
  }
  grpc::Status unknown =
      Create("organisations/01jdz5c7m3zzzzzzzzzzzzzzzz", Portal(), nullptr, principal::Admin());
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(MustList(orebro_).empty());
  absl::StatusOr<pg::Result> rows = stack_.pool().Exec(kKeyRows);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows(), 0);
}

TEST_F(ApiKeysTest, LastUseIsRecordedToTheMinuteAndWrittenAtMostOnceAMinute) {
  CreateApiKeyResponse created = MustCreate(orebro_);
  const std::string id = resource::IdOf(created.api_key().name());
  EXPECT_FALSE(created.api_key().has_last_use_time());

  ASSERT_TRUE(stack_.pool().Exec(kLastUseAnHourAgo, id).ok());
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Authenticate(created.key(), nullptr).ok());
  ApiKey read = MustGet(created.api_key().name());
  ASSERT_TRUE(read.has_last_use_time());
  EXPECT_EQ(read.last_use_time().seconds() % 60, 0);
  EXPECT_EQ(read.last_use_time().nanos(), 0);
  EXPECT_GE(absl::FromUnixSeconds(read.last_use_time().seconds()), before - absl::Minutes(1));

  // Within one minute, authenticating again writes nothing: the row keeps its version.
  bool checked = false;
  for (int attempt = 0; attempt < 3 && !checked; ++attempt) {
    ASSERT_TRUE(Authenticate(created.key(), nullptr).ok());
    absl::StatusOr<pg::Result> first = stack_.pool().Exec(kRowVersion, id);
    ASSERT_TRUE(Authenticate(created.key(), nullptr).ok());
    ASSERT_TRUE(Authenticate(created.key(), nullptr).ok());
    absl::StatusOr<pg::Result> second = stack_.pool().Exec(kRowVersion, id);
    ASSERT_TRUE(first.ok() && second.ok());
    if (first->GetString(0, 1) != second->GetString(0, 1)) continue;  // a minute turned
    EXPECT_EQ(first->GetString(0, 0), second->GetString(0, 0));
    checked = true;
  }
  EXPECT_TRUE(checked);
}

TEST_F(ApiKeysTest, KeysOfADeletedOrganisationAreRefused) {
  CreateApiKeyResponse created = MustCreate(orebro_);
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Admin());
  v1::DeleteOrganisationRequest request;
  request.set_name(orebro_);
  google::protobuf::Empty empty;
  ASSERT_TRUE(organisations_->DeleteOrganisation(&context, request, &empty).ok());
  EXPECT_EQ(Authenticate(created.key(), nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ApiKeysTest, CallLogLinesNameTheMethodButNeverTheKey) {
  ::testing::internal::CaptureStderr();
  CreateApiKeyResponse created = MustCreate(orebro_);
  grpc::Status authenticated = Authenticate(created.key(), nullptr);
  grpc::Status refused = Authenticate(created.key() + "0", nullptr);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(authenticated.ok());
  EXPECT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(logged, "ApiKeyService/CreateApiKey")) << logged;
  EXPECT_TRUE(absl::StrContains(logged, "ApiKeyService/AuthenticateApiKey")) << logged;
  EXPECT_FALSE(absl::StrContains(logged, SecretHexOf(created.key())));
  EXPECT_FALSE(absl::StrContains(logged, created.api_key().prefix() + "_"));
}

}  // namespace
}  // namespace coopnet::organisations
