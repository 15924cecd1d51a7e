#include "services/organisations/api_key_store.h"

#include "absl/strings/str_cat.h"
#include "common/pg/errors.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/api_key_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";

// Every read of a key returns the columns in this order (see ReadApiKey).
#define COOPNET_API_KEY_COLUMNS                                                 \
  "k.id, k.organisation_id, k.display_name, k.prefix, k.scopes, k.expire_time," \
  " k.revoke_time, k.last_use_time, k.create_time"

const pg::Statement kInsert{
    "INSERT INTO api_keys AS k (id, organisation_id, display_name, prefix, secret_sha256,"
    " scopes, expire_time, create_time)"
    " VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8)"
    " ON CONFLICT (prefix) DO NOTHING"
    " RETURNING " COOPNET_API_KEY_COLUMNS};

const pg::Statement kSelect{"SELECT " COOPNET_API_KEY_COLUMNS
                            " FROM api_keys k WHERE k.organisation_id = $1 AND k.id = $2"};

const pg::Statement kList{"SELECT " COOPNET_API_KEY_COLUMNS
                          " FROM api_keys k WHERE k.organisation_id = $1 AND k.id > $2"
                          " ORDER BY k.id LIMIT $3"};

// coalesce: revoking again keeps the time of the first revocation.
const pg::Statement kRevoke{
    "UPDATE api_keys AS k SET revoke_time = coalesce(k.revoke_time, $3)"
    " WHERE k.organisation_id = $1 AND k.id = $2"
    " RETURNING " COOPNET_API_KEY_COLUMNS};

const pg::Statement kSelectByPrefix{
    "SELECT id, organisation_id, secret_sha256, scopes, expire_time, revoke_time, last_use_time"
    " FROM api_keys WHERE prefix = $1"};

// The condition keeps two gateways authenticating at once from writing twice.
const pg::Statement kRecordUse{
    "UPDATE api_keys SET last_use_time = $2"
    " WHERE id = $1 AND (last_use_time IS NULL OR last_use_time < $2)"};

std::optional<absl::Time> OptionalTime(const pg::Result& r, int row, int column) {
  if (r.IsNull(row, column)) return std::nullopt;
  return r.GetTime(row, column);
}

std::vector<type::v1::Scope> ReadScopes(const pg::Result& r, int row, int column) {
  std::vector<type::v1::Scope> scopes;
  for (const std::string& name : r.GetStringArray(row, column)) {
    type::v1::Scope scope;
    if (type::v1::Scope_Parse(name, &scope)) scopes.push_back(scope);
  }
  return scopes;
}

std::vector<ApiKey> ReadApiKeys(const pg::Result& r, absl::Time now) {
  std::vector<ApiKey> keys;
  keys.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    ApiKey k;
    const std::string organisation = resource::Name(kOrganisations, r.GetString(row, 1));
    k.set_name(absl::StrCat(organisation, "/apiKeys/", r.GetStringView(row, 0)));
    k.set_display_name(r.GetString(row, 2));
    k.set_prefix(absl::StrCat(kKeyMark, r.GetStringView(row, 3)));
    for (type::v1::Scope scope : ReadScopes(r, row, 4)) k.add_scopes(scope);
    const std::optional<absl::Time> expire_time = OptionalTime(r, row, 5);
    const std::optional<absl::Time> revoke_time = OptionalTime(r, row, 6);
    const std::optional<absl::Time> last_use_time = OptionalTime(r, row, 7);
    if (expire_time) *k.mutable_expire_time() = ToTimestamp(*expire_time);
    if (revoke_time) *k.mutable_revoke_time() = ToTimestamp(*revoke_time);
    if (last_use_time) *k.mutable_last_use_time() = ToTimestamp(*last_use_time);
    k.set_state(StateOf(revoke_time, expire_time, now));
    *k.mutable_create_time() = ToTimestamp(r.GetTime(row, 8));
    keys.push_back(std::move(k));
  }
  return keys;
}

absl::Status KeyNotFound(absl::string_view organisation_id, absl::string_view key_id) {
  return status::Error(absl::StatusCode::kNotFound, "API_KEY_NOT_FOUND",
                       absl::StrCat(resource::Name(kOrganisations, organisation_id), "/apiKeys/",
                                    key_id, " does not exist"));
}

std::vector<std::string> ScopeNames(const ApiKey& key) {
  std::vector<std::string> names;
  for (int scope : key.scopes()) names.push_back(type::v1::Scope_Name(scope));
  return names;
}

std::optional<absl::Time> ExpireTimeOf(const ApiKey& key) {
  if (!key.has_expire_time()) return std::nullopt;
  return FromTimestamp(key.expire_time());
}

}  // namespace

ApiKeyStore::ApiKeyStore(pg::Pool& pool) : pool_(pool) {}

absl::StatusOr<ApiKeyStore::Created> ApiKeyStore::Create(
    absl::string_view organisation_id, const ApiKey& api_key, absl::string_view prefix,
    absl::string_view secret_hash, const std::optional<request::RequestKey>& key) {
  Created created;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier, request::ClaimRequest(tx, key));
    created.repeated = earlier.has_value();
    if (earlier) {
      if (!created.api_key.ParseFromString(*earlier)) {
        return absl::InternalError("stored response unreadable");
      }
      return absl::OkStatus();
    }
    const absl::Time now = absl::Now();
    COOPNET_ASSIGN_OR_RETURN(
        pg::Result inserted,
        tx.Exec(kInsert, resource::NewId(), organisation_id, api_key.display_name(), prefix,
                pg::Bytes(secret_hash), ScopeNames(api_key), ExpireTimeOf(api_key), now));
    if (inserted.rows() == 0) {
      return status::Error(absl::StatusCode::kAlreadyExists, "API_KEY_PREFIX_TAKEN",
                           "another key has the prefix drawn for this one");
    }
    created.api_key = ReadApiKeys(inserted, now).front();
    // The response remembered for retries is the key without its secret, which
    // CreateApiKeyResponse.key alone carries: the secret is never stored.
    return request::RecordResponse(tx, key, created.api_key);
  });
  if (pg::ConstraintOf(s) == "api_keys_organisation_id_fkey") {
    return OrganisationNotFound(organisation_id);
  }
  COOPNET_RETURN_IF_ERROR(s);
  return created;
}

absl::StatusOr<ApiKey> ApiKeyStore::Get(absl::string_view organisation_id,
                                        absl::string_view key_id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelect, organisation_id, key_id));
  if (r.rows() == 0) return KeyNotFound(organisation_id, key_id);
  return ReadApiKeys(r, absl::Now()).front();
}

absl::StatusOr<std::vector<ApiKey>> ApiKeyStore::List(absl::string_view organisation_id,
                                                      absl::string_view after_id, int limit) {
  COOPNET_RETURN_IF_ERROR(RequireOrganisation(pool_, organisation_id));
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kList, organisation_id, after_id, static_cast<int32_t>(limit)));
  return ReadApiKeys(r, absl::Now());
}

absl::StatusOr<ApiKey> ApiKeyStore::Revoke(absl::string_view organisation_id,
                                           absl::string_view key_id,
                                           const std::optional<request::RequestKey>& key) {
  ApiKey revoked;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, revoked, [&]() -> absl::Status {
      const absl::Time now = absl::Now();
      COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kRevoke, organisation_id, key_id, now));
      if (r.rows() == 0) return KeyNotFound(organisation_id, key_id);
      revoked = ReadApiKeys(r, now).front();
      return absl::OkStatus();
    });
  }));
  return revoked;
}

absl::StatusOr<std::optional<KeyCredential>> ApiKeyStore::FindByPrefix(absl::string_view prefix) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectByPrefix, prefix));
  if (r.rows() == 0) return std::optional<KeyCredential>();
  return KeyCredential{.organisation_id = r.GetString(0, 1),
                       .key_id = r.GetString(0, 0),
                       .secret_hash = r.GetBytes(0, 2),
                       .scopes = ReadScopes(r, 0, 3),
                       .expire_time = OptionalTime(r, 0, 4),
                       .revoke_time = OptionalTime(r, 0, 5),
                       .last_use_time = OptionalTime(r, 0, 6)};
}

absl::Status ApiKeyStore::RecordUse(absl::string_view key_id, absl::Time mark) {
  return pool_.Exec(kRecordUse, key_id, mark).status();
}

}  // namespace coopnet::organisations
