// Where delegations live in PostgreSQL (table delegations). The only file of delegations
// with SQL in it.
//
//   COOPNET_ASSIGN_OR_RETURN(std::vector<Principal::Delegation> held,
//                            store.HeldBy(organisation_id, absl::Now()));
#ifndef COOPNET_SERVICES_ORGANISATIONS_DELEGATION_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_DELEGATION_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/delegations.pb.h"
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::organisations {

using v1::Delegation;

class DelegationStore {
 public:
  explicit DelegationStore(pg::Pool& pool);

  // Inserts `delegation` (checked by ValidateNewDelegation) from the organisation
  // `grantor_id` under a new id, in one transaction that holds off other grants to the
  // same delegate. NOT_FOUND when either organisation does not exist; ALREADY_EXISTS
  // (reason DELEGATION_EXISTS) when the grantor has an active delegation to the delegate;
  // FAILED_PRECONDITION (reason TOO_MANY_DELEGATIONS) when the delegate holds
  // kMaxHeldDelegations active ones. With `key`, a repeat returns the first result.
  absl::StatusOr<Delegation> Create(absl::string_view grantor_id, const Delegation& delegation,
                                    const std::optional<request::RequestKey>& key);

  // NOT_FOUND when the grantor has no such delegation.
  absl::StatusOr<Delegation> Get(absl::string_view grantor_id, absl::string_view id);

  // Up to `limit` delegations after `after_id` in id (creation) order, revoked and expired
  // ones included: those `grantor_id` granted (when not empty) to `delegate_id` (when not
  // empty). NOT_FOUND when a named organisation does not exist.
  absl::StatusOr<std::vector<Delegation>> List(absl::string_view grantor_id,
                                               absl::string_view delegate_id,
                                               absl::string_view after_id, int limit);

  // Marks the delegation revoked now, or leaves the first revocation as it was; NOT_FOUND
  // when the grantor has no such delegation. With `key`, a repeat returns the first result.
  absl::StatusOr<Delegation> Revoke(absl::string_view grantor_id, absl::string_view id,
                                    const std::optional<request::RequestKey>& key);

  // The delegations to `delegate_id` active at `now`, as a principal carries them.
  absl::StatusOr<std::vector<type::v1::Principal::Delegation>> HeldBy(absl::string_view delegate_id,
                                                                      absl::Time now);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_DELEGATION_STORE_H_
