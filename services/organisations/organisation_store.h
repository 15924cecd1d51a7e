// Where organisations live in PostgreSQL. The only file of the service with SQL in it.
#ifndef COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::organisations {

using v1::Organisation;

// The service's schema, from migrations/NNNN_*.sql, embedded at build time.
const std::vector<pg::Migration>& Migrations();

// Makes a create safe to retry: the caller's scope, its request id and a hash of the
// request (see pg::ClaimRequest).
struct RequestKey {
  std::string scope;
  std::string request_id;
  std::string request_hash;
};

struct ListQuery {
  std::vector<std::string> countries;
  std::string nuts_prefix;
  std::vector<Organisation::Kind> kinds;
  // Keyset: only ids after this one ("" for the first page).
  std::string after_id;
  int limit = 50;
};

class OrganisationStore {
 public:
  explicit OrganisationStore(pg::Pool& pool);

  // Inserts `organisation` under a new id with its identifiers, in one transaction.
  // ALREADY_EXISTS naming organisation.identifiers[i] when another organisation holds
  // one of them. With `key`, a repeat returns the first result (see RequestKey).
  absl::StatusOr<Organisation> Create(const Organisation& organisation,
                                      const std::optional<RequestKey>& key);

  // NOT_FOUND when there is no such organisation.
  absl::StatusOr<Organisation> Get(absl::string_view id);

  // Up to `query.limit` organisations in id order.
  absl::StatusOr<std::vector<Organisation>> List(const ListQuery& query);

  // Locks the organisation, checks `expected_revision` (ABORTED when stale), computes
  // the new state with `change` and writes it, all in one transaction.
  absl::StatusOr<Organisation> Update(
      absl::string_view id, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<Organisation>(const Organisation&)>& change);

  // Removes the organisation and its identifiers; ABORTED when `expected_revision` is
  // stale, NOT_FOUND when there is none.
  absl::Status Delete(absl::string_view id, std::optional<int64_t> expected_revision);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_
