#include "services/organisations/network_store.h"

#include "absl/strings/str_cat.h"
#include "common/outbox/outbox.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kNetworks[] = "networks";
constexpr char kOrganisations[] = "organisations";

// Every read of a network returns the columns in this order (see ReadNetwork); the
// member count is derived, so a member deleted with its organisation is never counted.
#define COOPNET_NETWORK_COLUMNS                                                       \
  "n.id, n.title::text, n.description::text, n.coordinator_id, n.countries,"          \
  " n.nuts_regions, n.themes, n.admission, n.revision, n.create_time, n.update_time," \
  " (SELECT count(*) FROM network_members m WHERE m.network_id = n.id AND m.state = 'ACTIVE')"

constexpr int kRevisionColumn = 8;

const pg::Statement kSelectById{"SELECT " COOPNET_NETWORK_COLUMNS
                                " FROM networks n WHERE n.id = $1"};

// FOR UPDATE: two updates of one network, or an update and a member joining, take turns.
const pg::Statement kSelectForUpdate{"SELECT " COOPNET_NETWORK_COLUMNS
                                     " FROM networks n WHERE n.id = $1 FOR UPDATE OF n"};

// FOR SHARE: the coordinator cannot change while a member joins or leaves.
const pg::Statement kSelectForShare{"SELECT " COOPNET_NETWORK_COLUMNS
                                    " FROM networks n WHERE n.id = $1 FOR SHARE OF n"};

// Empty filters match everything; && (overlap) uses the GIN indexes.
const pg::Statement kList{
    "SELECT " COOPNET_NETWORK_COLUMNS
    " FROM networks n WHERE n.id > $1"
    "   AND (cardinality($2::text[]) = 0 OR n.countries && $2::text[])"
    "   AND ($3 = '' OR EXISTS (SELECT 1 FROM unnest(n.nuts_regions) r WHERE r LIKE $3 || '%'))"
    "   AND (cardinality($4::text[]) = 0 OR n.themes && $4::text[])"
    " ORDER BY n.id LIMIT $5"};

const pg::Statement kInsert{
    "INSERT INTO networks (id, title, description, coordinator_id, countries, nuts_regions,"
    " themes, admission, revision, create_time, update_time)"
    " VALUES ($1, $2::jsonb, $3::jsonb, $4, $5::text[], $6::text[], $7::text[], $8, 1, $9, $9)"};

const pg::Statement kUpdate{
    "UPDATE networks SET title = $2::jsonb, description = $3::jsonb, coordinator_id = $4,"
    " countries = $5::text[], nuts_regions = $6::text[], themes = $7::text[], admission = $8,"
    " revision = revision + 1, update_time = $9"
    " WHERE id = $1"};

const pg::Statement kDelete{"DELETE FROM networks WHERE id = $1"};

// FOR KEY SHARE: the organisation cannot be deleted before this transaction commits.
const pg::Statement kOrganisationForKeyShare{
    "SELECT 1 FROM organisations WHERE id = $1 FOR KEY SHARE"};

const pg::Statement kOrganisationKnown{"SELECT 1 FROM organisations WHERE id = $1"};

const pg::Statement kNetworkExists{"SELECT 1 FROM networks WHERE id = $1"};

// The last column is the organisation a PROPOSED membership awaits (see Awaiting).
#define COOPNET_MEMBERSHIP_COLUMNS                                                     \
  "m.network_id, m.organisation_id, m.role, m.join_time, m.state,"                     \
  " CASE m.proposed_by WHEN 'NETWORK' THEN m.organisation_id WHEN 'ORGANISATION' THEN" \
  " (SELECT coordinator_id FROM networks WHERE id = m.network_id) END"

const pg::Statement kInsertMember{
    "INSERT INTO network_members AS m (network_id, organisation_id, role, join_time, state,"
    " proposed_by) VALUES ($1, $2, $3, $4, CASE WHEN $5 = '' THEN 'ACTIVE' ELSE 'PROPOSED' END,"
    " NULLIF($5, '')) ON CONFLICT (network_id, organisation_id) DO NOTHING"
    " RETURNING " COOPNET_MEMBERSHIP_COLUMNS};

const pg::Statement kMemberRole{
    "SELECT role, state FROM network_members WHERE network_id = $1 AND organisation_id = $2"};

const pg::Statement kMemberForUpdate{
    "SELECT " COOPNET_MEMBERSHIP_COLUMNS
    ", m.proposed_by FROM network_members m"
    " WHERE m.network_id = $1 AND m.organisation_id = $2 FOR UPDATE"};

const pg::Statement kActivateMember{
    "UPDATE network_members AS m SET state = 'ACTIVE', proposed_by = NULL, join_time = $3"
    " WHERE m.network_id = $1 AND m.organisation_id = $2 RETURNING " COOPNET_MEMBERSHIP_COLUMNS};

// The former coordinator stays, as a member; the partial unique index allows one
// COORDINATOR per network, so it is demoted before the new one is promoted.
const pg::Statement kDemoteCoordinator{
    "UPDATE network_members SET role = 'MEMBER' WHERE network_id = $1 AND role = 'COORDINATOR'"};

const pg::Statement kPromoteCoordinator{
    "INSERT INTO network_members (network_id, organisation_id, role, join_time)"
    " VALUES ($1, $2, 'COORDINATOR', $3)"
    " ON CONFLICT (network_id, organisation_id)"
    " DO UPDATE SET role = 'COORDINATOR', state = 'ACTIVE', proposed_by = NULL"};

const pg::Statement kDeleteMember{
    "DELETE FROM network_members AS m WHERE m.network_id = $1 AND m.organisation_id = $2"
    " RETURNING " COOPNET_MEMBERSHIP_COLUMNS};

const pg::Statement kListMembers{"SELECT " COOPNET_MEMBERSHIP_COLUMNS
                                 " FROM network_members m WHERE m.network_id = $1"
                                 "   AND (m.join_time, m.organisation_id) > ($2::timestamptz, $3)"
                                 "   AND (cardinality($4::text[]) = 0 OR m.role = ANY($4::text[]))"
                                 "   AND (m.state = 'ACTIVE' OR $6)"
                                 " ORDER BY m.join_time, m.organisation_id LIMIT $5"};

const pg::Statement kListOrganisationNetworks{
    "SELECT " COOPNET_MEMBERSHIP_COLUMNS
    " FROM network_members m WHERE m.organisation_id = $1"
    "   AND (m.join_time, m.network_id) > ($2::timestamptz, $3)"
    "   AND (m.state = 'ACTIVE' OR $5)"
    " ORDER BY m.join_time, m.network_id LIMIT $4"};

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return {list.begin(), list.end()};
}

absl::StatusOr<Network> ReadNetwork(const pg::Result& r, int row) {
  Network n;
  n.set_name(resource::Name(kNetworks, r.GetString(row, 0)));
  COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 1), *n.mutable_title()));
  type::v1::LocalizedText description;
  COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 2), description));
  if (description.ByteSizeLong() > 0) *n.mutable_description() = std::move(description);
  n.set_coordinator(resource::Name(kOrganisations, r.GetString(row, 3)));
  for (std::string& country : r.GetStringArray(row, 4)) n.add_countries(std::move(country));
  for (std::string& region : r.GetStringArray(row, 5)) n.add_nuts_regions(std::move(region));
  for (std::string& theme : r.GetStringArray(row, 6)) n.add_themes(std::move(theme));
  Network::Admission admission;
  if (Network::Admission_Parse(r.GetString(row, 7), &admission)) n.set_admission(admission);
  n.set_etag(resource::Etag(r.GetInt64(row, kRevisionColumn)));
  *n.mutable_create_time() = ToTimestamp(r.GetTime(row, 9));
  *n.mutable_update_time() = ToTimestamp(r.GetTime(row, 10));
  n.set_member_count(r.GetInt32(row, 11));
  return n;
}

absl::StatusOr<std::vector<Network>> ReadNetworks(const pg::Result& r) {
  std::vector<Network> networks;
  networks.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Network n, ReadNetwork(r, row));
    networks.push_back(std::move(n));
  }
  return networks;
}

std::vector<Membership> ReadMemberships(const pg::Result& r) {
  std::vector<Membership> memberships;
  memberships.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    Membership m;
    m.set_name(absl::StrCat(kNetworks, "/", r.GetStringView(row, 0), "/members/",
                            r.GetStringView(row, 1)));
    m.set_organisation(resource::Name(kOrganisations, r.GetString(row, 1)));
    Membership::Role role;
    if (Membership::Role_Parse(r.GetString(row, 2), &role)) m.set_role(role);
    *m.mutable_join_time() = ToTimestamp(r.GetTime(row, 3));
    Membership::State state;
    if (Membership::State_Parse(r.GetString(row, 4), &state)) m.set_state(state);
    if (!r.IsNull(row, 5)) m.set_awaiting(resource::Name(kOrganisations, r.GetString(row, 5)));
    memberships.push_back(std::move(m));
  }
  return memberships;
}

absl::Status NetworkNotFound(absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "NETWORK_NOT_FOUND",
                       absl::StrCat(resource::Name(kNetworks, id), " does not exist"));
}

absl::Status StaleEtag(int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: the network is now at ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

// NOT_FOUND naming `field` unless the organisation exists; it then stays until commit.
absl::Status RequireOrganisation(pg::Transaction& tx, absl::string_view id,
                                 absl::string_view field) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result found, tx.Exec(kOrganisationForKeyShare, id));
  if (found.rows() > 0) return absl::OkStatus();
  const std::string name = resource::Name(kOrganisations, id);
  return status::Error(absl::StatusCode::kNotFound, "ORGANISATION_NOT_FOUND",
                       absl::StrCat(field, " ", name, " does not exist"),
                       {{"field", std::string(field)}, {"organisation", name}});
}

// The stored network `select` locks, or NOT_FOUND.
absl::StatusOr<Network> LockNetwork(pg::Transaction& tx, const pg::Statement& select,
                                    absl::string_view id, int64_t* revision = nullptr) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(select, id));
  if (row.rows() == 0) return NetworkNotFound(id);
  if (revision != nullptr) *revision = row.GetInt64(0, kRevisionColumn);
  return ReadNetwork(row, 0);
}

std::vector<std::string> RoleNames(const std::vector<Membership::Role>& roles) {
  std::vector<std::string> names;
  for (Membership::Role role : roles) names.push_back(Membership::Role_Name(role));
  return names;
}

absl::Status MembershipNotFound(const Network& network, absl::string_view organisation_id) {
  return status::Error(absl::StatusCode::kNotFound, "MEMBERSHIP_NOT_FOUND",
                       absl::StrCat(resource::Name(kOrganisations, organisation_id),
                                    " is not a member of ", network.name()));
}

const char* ProposedByName(ProposedBy side) {
  return side == ProposedBy::kNetwork ? "NETWORK" : "ORGANISATION";
}

JoinCursor Start(const std::optional<JoinCursor>& after) {
  return after.value_or(JoinCursor{absl::InfinitePast(), ""});
}

}  // namespace

NetworkStore::NetworkStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

absl::Status NetworkStore::Announce(pg::Transaction& tx, v1::OrganisationChange::Type type,
                                    const Membership& membership, absl::Time when) {
  v1::OrganisationChange change = ChangeAt(type, when);
  change.mutable_organisation()->set_name(membership.organisation());
  *change.mutable_membership() = membership;
  return outbox::Append(tx, stream_, change);
}

absl::StatusOr<Network> NetworkStore::Create(const Network& n,
                                             const std::optional<request::RequestKey>& key) {
  Network created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string coordinator = resource::IdOf(n.coordinator());
      COOPNET_RETURN_IF_ERROR(RequireOrganisation(tx, coordinator, "network.coordinator"));
      const std::string id = resource::NewId();
      const absl::Time now = absl::Now();
      COOPNET_RETURN_IF_ERROR(tx.Exec(kInsert, id, ToJson(n.title()), ToJson(n.description()),
                                      coordinator, Strings(n.countries()),
                                      Strings(n.nuts_regions()), Strings(n.themes()),
                                      Network::Admission_Name(n.admission()), now)
                                  .status());
      COOPNET_RETURN_IF_ERROR(tx.Exec(kPromoteCoordinator, id, coordinator, now).status());
      COOPNET_ASSIGN_OR_RETURN(created, LockNetwork(tx, kSelectById, id));
      return absl::OkStatus();
    });
  }));
  return created;
}

absl::StatusOr<Network> NetworkStore::Get(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectById, id));
  if (r.rows() == 0) return NetworkNotFound(id);
  return ReadNetwork(r, 0);
}

absl::StatusOr<std::vector<Network>> NetworkStore::List(const NetworkListQuery& query) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r,
                           pool_.Exec(kList, query.after_id, query.countries, query.nuts_prefix,
                                      query.themes, static_cast<int32_t>(query.limit)));
  return ReadNetworks(r);
}

absl::StatusOr<Network> NetworkStore::Update(
    absl::string_view id, std::optional<int64_t> expected_revision, const Check& authorise,
    const std::function<absl::StatusOr<Network>(const Network&)>& change) {
  Network updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    int64_t revision = 0;
    COOPNET_ASSIGN_OR_RETURN(Network stored, LockNetwork(tx, kSelectForUpdate, id, &revision));
    COOPNET_RETURN_IF_ERROR(authorise(stored));
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag(*expected_revision, revision);
    }
    COOPNET_ASSIGN_OR_RETURN(Network n, change(stored));
    const std::string coordinator = resource::IdOf(n.coordinator());
    const absl::Time now = absl::Now();
    if (n.coordinator() != stored.coordinator()) {
      COOPNET_RETURN_IF_ERROR(RequireOrganisation(tx, coordinator, "network.coordinator"));
      COOPNET_RETURN_IF_ERROR(tx.Exec(kDemoteCoordinator, id).status());
      COOPNET_RETURN_IF_ERROR(tx.Exec(kPromoteCoordinator, id, coordinator, now).status());
    }
    COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdate, id, ToJson(n.title()), ToJson(n.description()),
                                    coordinator, Strings(n.countries()), Strings(n.nuts_regions()),
                                    Strings(n.themes()), Network::Admission_Name(n.admission()),
                                    now)
                                .status());
    COOPNET_ASSIGN_OR_RETURN(updated, LockNetwork(tx, kSelectById, id));
    return absl::OkStatus();
  }));
  return updated;
}

absl::Status NetworkStore::Delete(absl::string_view id, std::optional<int64_t> expected_revision,
                                  const Check& authorise) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    int64_t revision = 0;
    COOPNET_ASSIGN_OR_RETURN(Network stored, LockNetwork(tx, kSelectForUpdate, id, &revision));
    COOPNET_RETURN_IF_ERROR(authorise(stored));
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag(*expected_revision, revision);
    }
    return tx.Exec(kDelete, id).status();
  });
}

absl::StatusOr<Membership> NetworkStore::AddMember(absl::string_view network_id,
                                                   const Membership& membership,
                                                   const Admission& admit,
                                                   const std::optional<request::RequestKey>& key) {
  Membership added;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, added, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(Network network, LockNetwork(tx, kSelectForShare, network_id));
      COOPNET_ASSIGN_OR_RETURN(std::optional<ProposedBy> proposed_by, admit(network));
      const std::string organisation = resource::IdOf(membership.organisation());
      COOPNET_RETURN_IF_ERROR(RequireOrganisation(tx, organisation, "membership.organisation"));
      const absl::Time now = absl::Now();
      COOPNET_ASSIGN_OR_RETURN(
          pg::Result inserted,
          tx.Exec(kInsertMember, network_id, organisation, Membership::Role_Name(membership.role()),
                  now, proposed_by ? ProposedByName(*proposed_by) : ""));
      if (inserted.rows() == 0) {
        COOPNET_ASSIGN_OR_RETURN(pg::Result held, tx.Exec(kMemberRole, network_id, organisation));
        const std::string as = held.rows() == 0                   ? "a member"
                               : held.GetString(0, 1) == "ACTIVE" ? held.GetString(0, 0)
                                                                  : "proposed";
        return status::Error(
            absl::StatusCode::kAlreadyExists, "ALREADY_MEMBER",
            absl::StrCat(membership.organisation(), " is already a member of ", network.name(),
                         " (", as, ")"),
            {{"membership", absl::StrCat(network.name(), "/members/", organisation)}});
      }
      added = ReadMemberships(inserted).front();
      return Announce(tx,
                      proposed_by ? v1::OrganisationChange::MEMBERSHIP_PROPOSED
                                  : v1::OrganisationChange::MEMBERSHIP_ACTIVE,
                      added, now);
    });
  }));
  return added;
}

absl::StatusOr<Membership> NetworkStore::AcceptMember(absl::string_view network_id,
                                                      absl::string_view organisation_id,
                                                      const Acceptance& authorise) {
  Membership accepted;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(Network network, LockNetwork(tx, kSelectForShare, network_id));
    COOPNET_ASSIGN_OR_RETURN(pg::Result row,
                             tx.Exec(kMemberForUpdate, network_id, organisation_id));
    if (row.rows() == 0) return MembershipNotFound(network, organisation_id);
    if (row.IsNull(0, 6)) {  // ACTIVE already: accepting again changes nothing.
      accepted = ReadMemberships(row).front();
      return absl::OkStatus();
    }
    const ProposedBy side =
        row.GetString(0, 6) == "NETWORK" ? ProposedBy::kNetwork : ProposedBy::kOrganisation;
    COOPNET_RETURN_IF_ERROR(authorise(network, side));
    const absl::Time now = absl::Now();
    COOPNET_ASSIGN_OR_RETURN(pg::Result updated,
                             tx.Exec(kActivateMember, network_id, organisation_id, now));
    accepted = ReadMemberships(updated).front();
    return Announce(tx, v1::OrganisationChange::MEMBERSHIP_ACTIVE, accepted, now);
  }));
  return accepted;
}

absl::StatusOr<std::vector<Membership>> NetworkStore::ListMembers(absl::string_view network_id,
                                                                  const MemberListQuery& query) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result exists, pool_.Exec(kNetworkExists, network_id));
  if (exists.rows() == 0) return NetworkNotFound(network_id);
  const JoinCursor after = Start(query.after);
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r,
      pool_.Exec(kListMembers, network_id, after.join_time, after.id, RoleNames(query.roles),
                 static_cast<int32_t>(query.limit), query.with_proposed));
  return ReadMemberships(r);
}

absl::Status NetworkStore::RemoveMember(absl::string_view network_id,
                                        absl::string_view organisation_id, const Check& authorise) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(Network network, LockNetwork(tx, kSelectForShare, network_id));
    COOPNET_RETURN_IF_ERROR(authorise(network));
    COOPNET_ASSIGN_OR_RETURN(pg::Result deleted,
                             tx.Exec(kDeleteMember, network_id, organisation_id));
    if (deleted.rows() == 0) return MembershipNotFound(network, organisation_id);
    return Announce(tx, v1::OrganisationChange::MEMBERSHIP_ENDED, ReadMemberships(deleted).front(),
                    absl::Now());
  });
}

absl::StatusOr<std::vector<Membership>> NetworkStore::ListOrganisationNetworks(
    absl::string_view organisation_id, const MemberListQuery& query) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result exists, pool_.Exec(kOrganisationKnown, organisation_id));
  if (exists.rows() == 0) {
    return status::Error(
        absl::StatusCode::kNotFound, "ORGANISATION_NOT_FOUND",
        absl::StrCat(resource::Name(kOrganisations, organisation_id), " does not exist"));
  }
  const JoinCursor after = Start(query.after);
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kListOrganisationNetworks, organisation_id, after.join_time,
                               after.id, static_cast<int32_t>(query.limit), query.with_proposed));
  return ReadMemberships(r);
}

}  // namespace coopnet::organisations
