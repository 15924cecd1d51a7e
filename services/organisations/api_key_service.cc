#include "services/organisations/api_key_service.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/api_key_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";
constexpr char kApiKeys[] = "apiKeys";
// A prefix is 40 random bits: a clash is rare, two in a row rarer still.
constexpr int kMintAttempts = 3;

// A new key's public prefix and secret bytes.
struct MintedKey {
  std::string prefix;
  std::string secret;
};

absl::StatusOr<MintedKey> Mint() {
  unsigned char random[kPrefixBytes + kSecretBytes];
  if (RAND_bytes(random, sizeof random) != 1) {
    return absl::UnavailableError("the random number generator failed; try again");
  }
  const char* bytes = reinterpret_cast<const char*>(random);
  MintedKey minted{EncodePrefix(absl::string_view(bytes, kPrefixBytes)),
                   std::string(bytes + kPrefixBytes, kSecretBytes)};
  OPENSSL_cleanse(random, sizeof random);
  return minted;
}

}  // namespace

ApiKeyService::ApiKeyService(server::Server& server, ApiKeyStore& store,
                             DelegationStore& delegations)
    : store_(store), delegations_(delegations), table_(server, kApiKeyServiceName) {
  table_.Unary("CreateApiKey", this, &ApiKeyService::CreateApiKey)
      .Unary("GetApiKey", this, &ApiKeyService::GetApiKey)
      .Unary("ListApiKeys", this, &ApiKeyService::ListApiKeys)
      .Unary("RevokeApiKey", this, &ApiKeyService::RevokeApiKey)
      .Unary("AuthenticateApiKey", this, &ApiKeyService::AuthenticateApiKey);
}

absl::Status ApiKeyService::CreateApiKey(const server::Call& call,
                                         const v1::CreateApiKeyRequest& request,
                                         v1::CreateApiKeyResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string organisation_id,
                           resource::ParseName("parent", request.parent(), kOrganisations));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateNewApiKey(request.api_key(), absl::Now()));
  COOPNET_RETURN_IF_ERROR(MayManageKeys(call.principal, request.parent()));

  const std::optional<request::RequestKey> key =
      request::RequestKeyOf(call.principal, "CreateApiKey", request.request_id(), request);
  for (int attempt = 1;; ++attempt) {
    COOPNET_ASSIGN_OR_RETURN(MintedKey minted, Mint());
    absl::StatusOr<ApiKeyStore::Created> created = store_.Create(
        organisation_id, request.api_key(), minted.prefix, SecretHash(minted.secret), key);
    const auto info = status::GetErrorInfo(created.status());
    if (attempt < kMintAttempts && info && info->reason() == "API_KEY_PREFIX_TAKEN") continue;
    COOPNET_RETURN_IF_ERROR(created.status());
    if (created->repeated) {
      // The secret was shown once, to the first request, and is kept nowhere: a retry
      // can neither show it again nor mint a second key for one request.
      return status::Error(
          absl::StatusCode::kFailedPrecondition, "API_KEY_ALREADY_ISSUED",
          absl::StrCat("request_id \"", request.request_id(), "\" already created ",
                       created->api_key.name(),
                       ", whose secret was shown only in that answer; if it was lost, revoke "
                       "the key and create another with a new request_id"),
          {{"api_key", created->api_key.name()}});
    }
    *response.mutable_api_key() = std::move(created->api_key);
    response.set_key(FormatKey(minted.prefix, minted.secret));
    return absl::OkStatus();
  }
}

absl::Status ApiKeyService::GetApiKey(const server::Call& call, const v1::GetApiKeyRequest& request,
                                      ApiKey& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", request.name(), kOrganisations, kApiKeys));
  const auto& [organisation_id, key_id] = ids;
  COOPNET_RETURN_IF_ERROR(
      MayManageKeys(call.principal, resource::Name(kOrganisations, organisation_id)));
  COOPNET_ASSIGN_OR_RETURN(response, store_.Get(organisation_id, key_id));
  return absl::OkStatus();
}

absl::Status ApiKeyService::ListApiKeys(const server::Call& call,
                                        const v1::ListApiKeysRequest& request,
                                        v1::ListApiKeysResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string organisation_id,
                           resource::ParseName("parent", request.parent(), kOrganisations));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  COOPNET_RETURN_IF_ERROR(MayManageKeys(call.principal, request.parent()));
  COOPNET_ASSIGN_OR_RETURN(std::vector<ApiKey> found,
                           store_.List(organisation_id, after, page_size + 1));
  if (request::TrimToPage(found, page_size)) {
    const std::string& last = found.back().name();
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, last.substr(last.rfind('/') + 1)));
  }
  for (ApiKey& key : found) *response.add_api_keys() = std::move(key);
  return absl::OkStatus();
}

absl::Status ApiKeyService::RevokeApiKey(const server::Call& call,
                                         const v1::RevokeApiKeyRequest& request, ApiKey& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", request.name(), kOrganisations, kApiKeys));
  const auto& [organisation_id, key_id] = ids;
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(
      MayManageKeys(call.principal, resource::Name(kOrganisations, organisation_id)));
  COOPNET_ASSIGN_OR_RETURN(response,
                           store_.Revoke(organisation_id, key_id,
                                         request::RequestKeyOf(call.principal, "RevokeApiKey",
                                                               request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status ApiKeyService::AuthenticateApiKey(const server::Call& call,
                                               const v1::AuthenticateApiKeyRequest& request,
                                               v1::AuthenticateApiKeyResponse& response) {
  // Who asks comes first: anyone else learns nothing about any key, not even its shape.
  COOPNET_RETURN_IF_ERROR(MayAuthenticate(call.principal));
  const std::optional<PresentedKey> presented = ParseKey(request.key());
  if (!presented) return InvalidKey();
  COOPNET_ASSIGN_OR_RETURN(std::optional<KeyCredential> stored,
                           store_.FindByPrefix(presented->prefix));
  const absl::Time now = absl::Now();
  if (!stored || !SecretMatches(presented->secret, stored->secret_hash) ||
      StateOf(stored->revoke_time, stored->expire_time, now) != ApiKey::ACTIVE) {
    return InvalidKey();
  }
  if (LastUseDue(stored->last_use_time, now)) {
    COOPNET_RETURN_IF_ERROR(store_.RecordUse(stored->key_id, LastUseMark(now)));
  }
  const std::string organisation = resource::Name(kOrganisations, stored->organisation_id);
  *response.mutable_principal() = principal::ApiKey(
      organisation, absl::StrCat(organisation, "/", kApiKeys, "/", stored->key_id), stored->scopes);
  // What the organisation may act for now; a revocation reaches the gateway when this
  // answer leaves its cache.
  COOPNET_ASSIGN_OR_RETURN(std::vector<type::v1::Principal::Delegation> held,
                           delegations_.HeldBy(stored->organisation_id, now));
  for (type::v1::Principal::Delegation& d : held) {
    *response.mutable_principal()->add_delegations() = std::move(d);
  }
  *response.mutable_expire_time() = ToTimestamp(AuthenticationCacheUntil(stored->expire_time, now));
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
