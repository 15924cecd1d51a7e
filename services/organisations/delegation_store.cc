#include "services/organisations/delegation_store.h"

#include "absl/strings/str_cat.h"
#include "common/pg/errors.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "services/organisations/delegation_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";

// Every read of a delegation returns the columns in this order (see ReadDelegations).
#define COOPNET_DELEGATION_COLUMNS                                              \
  "d.id, d.organisation_id, d.delegate_id, d.scopes, d.purpose, d.expire_time," \
  " d.revoke_time, d.create_time"

// Locks the delegate's row (not its key, so references to it go on) so that grants to
// one delegate are counted one at a time.
const pg::Statement kLockDelegate{"SELECT id FROM organisations WHERE id = $1 FOR NO KEY UPDATE"};

const pg::Statement kActiveTo{
    "SELECT d.organisation_id = $2 AS same_grantor, d.id FROM delegations d"
    " WHERE d.delegate_id = $1 AND d.revoke_time IS NULL AND d.expire_time > $3"};

const pg::Statement kInsert{
    "INSERT INTO delegations AS d (id, organisation_id, delegate_id, scopes, purpose,"
    " expire_time, create_time)"
    " VALUES ($1, $2, $3, $4::text[], $5, $6, $7)"
    " RETURNING " COOPNET_DELEGATION_COLUMNS};

const pg::Statement kSelect{"SELECT " COOPNET_DELEGATION_COLUMNS
                            " FROM delegations d WHERE d.organisation_id = $1 AND d.id = $2"};

const pg::Statement kList{"SELECT " COOPNET_DELEGATION_COLUMNS
                          " FROM delegations d"
                          " WHERE ($1 = '' OR d.organisation_id = $1)"
                          "   AND ($2 = '' OR d.delegate_id = $2) AND d.id > $3"
                          " ORDER BY d.id LIMIT $4"};

// coalesce: revoking again keeps the time of the first revocation.
const pg::Statement kRevoke{
    "UPDATE delegations AS d SET revoke_time = coalesce(d.revoke_time, $3)"
    " WHERE d.organisation_id = $1 AND d.id = $2"
    " RETURNING " COOPNET_DELEGATION_COLUMNS};

const pg::Statement kHeldBy{
    "SELECT d.organisation_id, d.scopes, d.expire_time FROM delegations d"
    " WHERE d.delegate_id = $1 AND d.revoke_time IS NULL AND d.expire_time > $2"
    " ORDER BY d.id LIMIT $3"};

std::vector<int> ReadScopes(const pg::Result& r, int row, int column) {
  std::vector<int> scopes;
  for (const std::string& name : r.GetStringArray(row, column)) {
    type::v1::DelegationScope scope;
    if (type::v1::DelegationScope_Parse(name, &scope)) scopes.push_back(scope);
  }
  return scopes;
}

std::vector<Delegation> ReadDelegations(const pg::Result& r, absl::Time now) {
  std::vector<Delegation> found;
  found.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    Delegation d;
    d.set_name(absl::StrCat(resource::Name(kOrganisations, r.GetStringView(row, 1)),
                            "/delegations/", r.GetStringView(row, 0)));
    d.set_delegate(resource::Name(kOrganisations, r.GetStringView(row, 2)));
    for (int scope : ReadScopes(r, row, 3)) d.add_scopes(type::v1::DelegationScope(scope));
    d.set_purpose(r.GetString(row, 4));
    const absl::Time expire_time = r.GetTime(row, 5);
    std::optional<absl::Time> revoke_time;
    if (!r.IsNull(row, 6)) revoke_time = r.GetTime(row, 6);
    *d.mutable_expire_time() = ToTimestamp(expire_time);
    if (revoke_time) *d.mutable_revoke_time() = ToTimestamp(*revoke_time);
    d.set_state(StateOf(revoke_time, expire_time, now));
    *d.mutable_create_time() = ToTimestamp(r.GetTime(row, 7));
    found.push_back(std::move(d));
  }
  return found;
}

absl::Status NotFound(absl::string_view grantor_id, absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "DELEGATION_NOT_FOUND",
                       absl::StrCat(resource::Name(kOrganisations, grantor_id), "/delegations/", id,
                                    " does not exist"));
}

std::vector<std::string> ScopeNames(const Delegation& delegation) {
  std::vector<std::string> names;
  for (int scope : delegation.scopes()) names.push_back(type::v1::DelegationScope_Name(scope));
  return names;
}

}  // namespace

DelegationStore::DelegationStore(pg::Pool& pool) : pool_(pool) {}

absl::StatusOr<Delegation> DelegationStore::Create(absl::string_view grantor_id,
                                                   const Delegation& delegation,
                                                   const std::optional<request::RequestKey>& key) {
  const std::string delegate_id = resource::IdOf(delegation.delegate());
  Delegation created;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const absl::Time now = NowMicros();
      COOPNET_ASSIGN_OR_RETURN(pg::Result locked, tx.Exec(kLockDelegate, delegate_id));
      if (locked.rows() == 0) return OrganisationNotFound(delegate_id, "delegation.delegate");
      COOPNET_ASSIGN_OR_RETURN(pg::Result active, tx.Exec(kActiveTo, delegate_id, grantor_id, now));
      for (int row = 0; row < active.rows(); ++row) {
        if (!active.GetBool(row, 0)) continue;
        return status::Error(
            absl::StatusCode::kAlreadyExists, "DELEGATION_EXISTS",
            absl::StrCat(resource::Name(kOrganisations, grantor_id), "/delegations/",
                         active.GetStringView(row, 1), " already delegates to ",
                         delegation.delegate(), "; revoke it first to grant other scopes"),
            {{"delegation", absl::StrCat(resource::Name(kOrganisations, grantor_id),
                                         "/delegations/", active.GetStringView(row, 1))}});
      }
      if (active.rows() >= kMaxHeldDelegations) {
        return status::Error(
            absl::StatusCode::kFailedPrecondition, "TOO_MANY_DELEGATIONS",
            absl::StrCat(delegation.delegate(), " already holds ", kMaxHeldDelegations,
                         " active delegations, the most one organisation may"));
      }
      COOPNET_ASSIGN_OR_RETURN(
          pg::Result inserted,
          tx.Exec(kInsert, resource::NewId(), grantor_id, delegate_id, ScopeNames(delegation),
                  delegation.purpose(), ToTime(delegation.expire_time()), now));
      created = ReadDelegations(inserted, now).front();
      return absl::OkStatus();
    });
  });
  if (pg::ConstraintOf(s) == "delegations_organisation_id_fkey") {
    return OrganisationNotFound(grantor_id, "parent");
  }
  COOPNET_RETURN_IF_ERROR(s);
  return created;
}

absl::StatusOr<Delegation> DelegationStore::Get(absl::string_view grantor_id,
                                                absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelect, grantor_id, id));
  if (r.rows() == 0) return NotFound(grantor_id, id);
  return ReadDelegations(r, absl::Now()).front();
}

absl::StatusOr<std::vector<Delegation>> DelegationStore::List(absl::string_view grantor_id,
                                                              absl::string_view delegate_id,
                                                              absl::string_view after_id,
                                                              int limit) {
  for (const auto& [field, id] : {std::pair{"parent", grantor_id}, {"delegate", delegate_id}}) {
    if (id.empty()) continue;
    COOPNET_RETURN_IF_ERROR(RequireOrganisation(pool_, id, field));
  }
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kList, grantor_id, delegate_id, after_id,
                                                    static_cast<int32_t>(limit)));
  return ReadDelegations(r, absl::Now());
}

absl::StatusOr<Delegation> DelegationStore::Revoke(absl::string_view grantor_id,
                                                   absl::string_view id,
                                                   const std::optional<request::RequestKey>& key) {
  Delegation revoked;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, revoked, [&]() -> absl::Status {
      const absl::Time now = NowMicros();
      COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kRevoke, grantor_id, id, now));
      if (r.rows() == 0) return NotFound(grantor_id, id);
      revoked = ReadDelegations(r, now).front();
      return absl::OkStatus();
    });
  }));
  return revoked;
}

absl::StatusOr<std::vector<type::v1::Principal::Delegation>> DelegationStore::HeldBy(
    absl::string_view delegate_id, absl::Time now) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kHeldBy, delegate_id, now,
                                                    static_cast<int32_t>(kMaxHeldDelegations)));
  std::vector<type::v1::Principal::Delegation> held;
  held.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    type::v1::Principal::Delegation d;
    d.set_organisation(resource::Name(kOrganisations, r.GetStringView(row, 0)));
    for (int scope : ReadScopes(r, row, 1)) d.add_scopes(type::v1::DelegationScope(scope));
    *d.mutable_expire_time() = ToTimestamp(r.GetTime(row, 2));
    held.push_back(std::move(d));
  }
  return held;
}

}  // namespace coopnet::organisations
