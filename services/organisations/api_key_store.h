// Where API keys live in PostgreSQL (table api_keys). The only file of API keys with SQL
// in it. It never sees a secret: only the prefix and the secret's SHA-256.
//
//   COOPNET_ASSIGN_OR_RETURN(std::optional<KeyCredential> stored,
//                            store.FindByPrefix(presented->prefix));
#ifndef COOPNET_SERVICES_ORGANISATIONS_API_KEY_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_API_KEY_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/api_keys.pb.h"

namespace coopnet::organisations {

using v1::ApiKey;

// What authenticating a key needs of its row.
struct KeyCredential {
  std::string organisation_id;
  std::string key_id;
  std::string secret_hash;
  std::vector<type::v1::Scope> scopes;
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> revoke_time;
  std::optional<absl::Time> last_use_time;
};

class ApiKeyStore {
 public:
  explicit ApiKeyStore(pg::Pool& pool);

  // A key Create stored, and whether the request had been made before (its `key` was
  // recorded then; the answer is the first one).
  struct Created {
    ApiKey api_key;
    bool repeated = false;
  };

  // Inserts `api_key` (display name, scopes, expiry) for the organisation under a new id
  // with `prefix` and `secret_hash`, in one transaction. NOT_FOUND when the organisation
  // does not exist; ALREADY_EXISTS (reason API_KEY_PREFIX_TAKEN) when another key has the
  // prefix. With `key`, a repeat returns the first result, marked `repeated`.
  absl::StatusOr<Created> Create(absl::string_view organisation_id, const ApiKey& api_key,
                                 absl::string_view prefix, absl::string_view secret_hash,
                                 const std::optional<request::RequestKey>& key);

  // NOT_FOUND when the organisation has no such key.
  absl::StatusOr<ApiKey> Get(absl::string_view organisation_id, absl::string_view key_id);

  // Up to `limit` keys of the organisation after `after_id` in id (creation) order,
  // revoked and expired ones included; NOT_FOUND for an unknown organisation.
  absl::StatusOr<std::vector<ApiKey>> List(absl::string_view organisation_id,
                                           absl::string_view after_id, int limit);

  // Marks the key revoked now, or leaves the first revocation as it was; NOT_FOUND when
  // the organisation has no such key. With `key`, a repeat returns the first result.
  absl::StatusOr<ApiKey> Revoke(absl::string_view organisation_id, absl::string_view key_id,
                                const std::optional<request::RequestKey>& key);

  // The key with `prefix`, if any.
  absl::StatusOr<std::optional<KeyCredential>> FindByPrefix(absl::string_view prefix);

  // Records `mark` as the key's last use unless a later one is recorded already.
  absl::Status RecordUse(absl::string_view key_id, absl::Time mark);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_API_KEY_STORE_H_
