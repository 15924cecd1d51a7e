// Where partner requests live in PostgreSQL (migration 0003); their only SQL.
#ifndef COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/partner_requests.pb.h"
#include "services/organisations/partner_request_rules.h"
#include "services/organisations/search_rules.h"

namespace coopnet::organisations {

// A search of open requests whose deadline has not passed: text (matched as
// search_rules.h says, the title counting as the name) and filters, most relevant first,
// or newest first without text.
struct PartnerRequestQuery {
  std::string text;
  PartnerRequestFilters filters;
  // Keyset: only rows after this one (nullopt for the first page).
  std::optional<SearchPosition> after;
  int limit = 50;
};

// One request a search found and where it sits in the order.
struct PartnerRequestHit {
  PartnerRequest request;
  SearchPosition position;
};

class PartnerRequestStore {
 public:
  explicit PartnerRequestStore(pg::Pool& pool);

  // Inserts `request` (validated, see PrepareNew) for organisations/{organisation_id}
  // under a new id; NOT_FOUND when there is no such organisation. With `key`, a repeat
  // returns the first result (see RequestKey).
  absl::StatusOr<PartnerRequest> Create(absl::string_view organisation_id,
                                        const PartnerRequest& request,
                                        const std::optional<request::RequestKey>& key);

  // NOT_FOUND when the organisation has no such request.
  absl::StatusOr<PartnerRequest> Get(const PartnerRequestName& name);

  // Up to `limit` requests of organisations/{organisation_id}, newest first, older than
  // `before_id` ("" for the first page); NOT_FOUND when the organisation does not exist.
  absl::StatusOr<std::vector<PartnerRequest>> List(absl::string_view organisation_id,
                                                   absl::string_view before_id, int limit);

  // Locks the request, checks `expected_revision` (ABORTED when stale), computes the new
  // state with `change` and writes it, all in one transaction.
  absl::StatusOr<PartnerRequest> Update(
      const PartnerRequestName& name, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<PartnerRequest>(const PartnerRequest&)>& change);

  // ABORTED when `expected_revision` is stale, NOT_FOUND when there is no such request.
  absl::Status Delete(const PartnerRequestName& name, std::optional<int64_t> expected_revision);

  // Up to `query.limit` open requests in search order (see PartnerRequestQuery).
  absl::StatusOr<std::vector<PartnerRequestHit>> Search(const PartnerRequestQuery& query);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PARTNER_REQUEST_STORE_H_
