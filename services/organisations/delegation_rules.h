// The rules of delegations, as pure functions: what a new delegation must be, its state,
// and who grants, sees and revokes one.
//
//   COOPNET_RETURN_IF_ERROR(ValidateNewDelegation(request.parent(), request.delegation(), now));
//   COOPNET_RETURN_IF_ERROR(MayGrant(call.principal, request.parent()));
#ifndef COOPNET_SERVICES_ORGANISATIONS_DELEGATION_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_DELEGATION_RULES_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/organisations/v1/delegations.pb.h"
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::organisations {

using v1::Delegation;

inline constexpr size_t kMaxDelegationPurpose = 200;
// The longest a delegation may run: it is renewed, not forgotten.
inline constexpr absl::Duration kMaxDelegationLifetime = absl::Hours(24 * 366 * 3);
// The most active delegations one organisation may hold: every one travels in the
// principal of each of its calls, which must stay well inside gRPC's 8 KiB of metadata.
inline constexpr int kMaxHeldDelegations = 100;

// The writable fields of a delegation `grantor` (`organisations/{id}`) makes keep their
// rules, each broken one named under `delegation.`: a delegate other than the grantor, one
// or more distinct scopes, a purpose, an expiry after `now` and at most
// kMaxDelegationLifetime ahead. Output-only fields are not looked at.
absl::Status ValidateNewDelegation(absl::string_view grantor, const Delegation& delegation,
                                   absl::Time now);

// REVOKED once revoked, else EXPIRED from its expiry on, else ACTIVE.
Delegation::State StateOf(std::optional<absl::Time> revoke_time, absl::Time expire_time,
                          absl::Time now);

// OK when `caller` grants delegations for `grantor`: its own key with the admin scope, or
// an operator. PERMISSION_DENIED (reason NOT_DELEGATION_ADMIN) otherwise.
absl::Status MayGrant(const type::v1::Principal& caller, absl::string_view grantor);

// OK when `caller` sees `delegation`: a key of its grantor or of its delegate, or an
// operator. PERMISSION_DENIED (reason NOT_DELEGATION_PARTY) otherwise.
absl::Status MaySee(const type::v1::Principal& caller, const Delegation& delegation);

// OK when `caller` lists the delegations granted by `grantor` (`organisations/{id}`, or
// empty for any) to `delegate` (or empty for any): the grantor's admin key, a key of the
// delegate, or an operator. PERMISSION_DENIED otherwise.
absl::Status MayList(const type::v1::Principal& caller, absl::string_view grantor,
                     absl::string_view delegate);

// OK when `caller` revokes `delegation`: an admin key of its grantor or its delegate, or
// an operator. PERMISSION_DENIED (reason NOT_DELEGATION_ADMIN) otherwise.
absl::Status MayRevoke(const type::v1::Principal& caller, const Delegation& delegation);

// The grantor of a delegation's name `organisations/{org}/delegations/{id}`.
absl::string_view GrantorOf(absl::string_view delegation_name);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_DELEGATION_RULES_H_
