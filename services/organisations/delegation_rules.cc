#include "services/organisations/delegation_rules.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "common/validate/validate.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";
constexpr char kScopeChoices[] =
    "must be EVENTS_WRITE, REGISTRATIONS_WRITE, FUNDING_WRITE or ORGANISATIONS_WRITE";

bool IsAdminOf(const type::v1::Principal& caller, absl::string_view organisation) {
  return principal::HasScope(caller, type::v1::SCOPE_ADMIN) &&
         principal::ActsFor(caller, organisation);
}

absl::Status Denied(absl::string_view reason, absl::string_view message) {
  return status::Error(absl::StatusCode::kPermissionDenied, reason, message);
}

}  // namespace

absl::Status ValidateNewDelegation(absl::string_view grantor, const Delegation& delegation,
                                   absl::Time now) {
  validate::Violations v;
  if (delegation.delegate().empty()) {
    v.Add("delegation.delegate", "is required: the organisation that may act, organisations/{id}");
  } else if (absl::Status s =
                 resource::ParseName("delegation.delegate", delegation.delegate(), kOrganisations)
                     .status();
             !s.ok()) {
    v.Check(s);
  } else if (delegation.delegate() == grantor) {
    v.Add("delegation.delegate", "must be another organisation than the one that grants");
  }
  if (delegation.scopes().empty())
    v.Add("delegation.scopes", absl::StrCat("is required: ", kScopeChoices));
  std::set<int> seen;
  for (int i = 0; i < delegation.scopes_size(); ++i) {
    const std::string field = absl::StrCat("delegation.scopes[", i, "]");
    const int scope = delegation.scopes(i);
    if (scope == type::v1::DELEGATION_SCOPE_UNSPECIFIED ||
        !type::v1::DelegationScope_IsValid(scope)) {
      v.Add(field, kScopeChoices);
    } else if (!seen.insert(scope).second) {
      v.Add(field, absl::StrCat("repeats ", type::v1::DelegationScope_Name(scope)));
    }
  }
  v.Check(validate::Utf8Text("delegation.purpose", delegation.purpose(), 1, kMaxDelegationPurpose));
  if (!delegation.has_expire_time()) {
    v.Add("delegation.expire_time", "is required: a delegation ends by itself");
  } else {
    const absl::Time expire = ToTime(delegation.expire_time());
    if (expire <= now) {
      v.Add("delegation.expire_time",
            absl::StrCat("must be in the future, got ", absl::FormatTime(expire)));
    } else if (expire > now + kMaxDelegationLifetime) {
      v.Add("delegation.expire_time", "must be at most three years ahead");
    }
  }
  return v.ToStatus();
}

Delegation::State StateOf(std::optional<absl::Time> revoke_time, absl::Time expire_time,
                          absl::Time now) {
  if (revoke_time) return Delegation::REVOKED;
  if (expire_time <= now) return Delegation::EXPIRED;
  return Delegation::ACTIVE;
}

absl::Status MayGrant(const type::v1::Principal& caller, absl::string_view grantor) {
  if (IsAdminOf(caller, grantor)) return absl::OkStatus();
  return Denied("NOT_DELEGATION_ADMIN",
                absl::StrCat("only a key of ", grantor,
                             " with the admin scope, or an operator, grants its delegations"));
}

absl::Status MaySee(const type::v1::Principal& caller, const Delegation& delegation) {
  if (principal::ActsFor(caller, GrantorOf(delegation.name())) ||
      principal::ActsFor(caller, delegation.delegate())) {
    return absl::OkStatus();
  }
  return Denied("NOT_DELEGATION_PARTY",
                absl::StrCat("only keys of ", GrantorOf(delegation.name()), " or ",
                             delegation.delegate(), ", or an operator, see ", delegation.name()));
}

absl::Status MayList(const type::v1::Principal& caller, absl::string_view grantor,
                     absl::string_view delegate) {
  if (!grantor.empty() && IsAdminOf(caller, grantor)) return absl::OkStatus();
  if (!delegate.empty() && principal::ActsFor(caller, delegate)) return absl::OkStatus();
  if (principal::IsAdmin(caller)) return absl::OkStatus();
  return Denied("NOT_DELEGATION_PARTY",
                grantor.empty()
                    ? absl::StrCat("only keys of ", delegate,
                                   ", or an operator, list the delegations it holds")
                    : absl::StrCat("only a key of ", grantor,
                                   " with the admin scope, or an operator, lists its "
                                   "delegations; a delegate lists what it holds with parent "
                                   "organisations/- and its own name in delegate"));
}

absl::Status MayRevoke(const type::v1::Principal& caller, const Delegation& delegation) {
  if (IsAdminOf(caller, GrantorOf(delegation.name())) || IsAdminOf(caller, delegation.delegate())) {
    return absl::OkStatus();
  }
  return Denied(
      "NOT_DELEGATION_ADMIN",
      absl::StrCat("only a key with the admin scope of ", GrantorOf(delegation.name()), " or of ",
                   delegation.delegate(), ", or an operator, revokes ", delegation.name()));
}

absl::string_view GrantorOf(absl::string_view delegation_name) {
  const size_t end = delegation_name.find('/', delegation_name.find('/') + 1);
  return delegation_name.substr(0, end);
}

}  // namespace coopnet::organisations
