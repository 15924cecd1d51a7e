#include "services/organisations/organisation_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/outbox/outbox.h"
#include "common/pg/errors.h"
#include "common/pg/request_log.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/organisation_rules.h"
#include "services/organisations/store_values.h"
#include "services/organisations/text_search_store.h"

namespace coopnet::organisations {
namespace {

using v1::Identifier;

constexpr char kCollection[] = "organisations";

// Every read returns the columns in this order (see ReadOrganisation).
#define COOPNET_ORGANISATION_COLUMNS                                              \
  "o.id, o.display_name, o.legal_name, o.kind, o.country, o.nuts_region, o.city," \
  " o.postal_address::text, o.website, o.email, o.description::text,"             \
  " o.working_languages, o.themes, o.sdgs, o.international_experience,"           \
  " o.looking_for_partners, o.revision, o.create_time, o.update_time,"            \
  " coalesce(ids.schemes, '{}'), coalesce(ids.vals, '{}'),"                       \
  " coalesce(ids.states, '{}'), coalesce(ids.verify_micros, '{}')"

#define COOPNET_ORGANISATION_FROM                                             \
  " FROM organisations o LEFT JOIN LATERAL ("                                 \
  "   SELECT array_agg(i.scheme ORDER BY i.position) AS schemes,"             \
  "          array_agg(i.value ORDER BY i.position) AS vals,"                 \
  "          array_agg(i.state ORDER BY i.position) AS states,"               \
  "          array_agg((extract(epoch FROM i.verify_time) * 1000000)::bigint" \
  "                    ORDER BY i.position) AS verify_micros"                 \
  "   FROM organisation_identifiers i WHERE i.organisation_id = o.id) ids ON true"

const pg::Statement kSelectById{"SELECT " COOPNET_ORGANISATION_COLUMNS COOPNET_ORGANISATION_FROM
                                " WHERE o.id = $1"};

const pg::Statement kSelectByIdForUpdate{
    "SELECT " COOPNET_ORGANISATION_COLUMNS COOPNET_ORGANISATION_FROM
    " WHERE o.id = $1"
    " FOR UPDATE OF o"};

// Empty filters match everything; the planner picks the (country, id) or (kind, id)
// index when one is given.
const pg::Statement kList{"SELECT " COOPNET_ORGANISATION_COLUMNS COOPNET_ORGANISATION_FROM
                          " WHERE o.id > $1"
                          "   AND (cardinality($2::text[]) = 0 OR o.country = ANY($2::text[])"
                          "        OR o.nuts_region LIKE ANY($2::text[]))"
                          "   AND ($3 = '' OR o.nuts_region LIKE $3 || '%')"
                          "   AND (cardinality($4::text[]) = 0 OR o.kind = ANY($4::text[]))"
                          " ORDER BY o.id LIMIT $5"};

const pg::Statement kInsert{
    "INSERT INTO organisations (id, display_name, legal_name, kind, country, nuts_region,"
    " city, postal_address, website, email, description, working_languages, themes, sdgs,"
    " international_experience, looking_for_partners, revision, create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb, $12::text[],"
    " $13::text[], $14::integer[], $15, $16, 1, $17, $17)"};

const pg::Statement kUpdate{
    "UPDATE organisations SET display_name = $2, legal_name = $3, kind = $4, country = $5,"
    " nuts_region = $6, city = $7, postal_address = $8::jsonb, website = $9, email = $10,"
    " description = $11::jsonb, working_languages = $12::text[], themes = $13::text[],"
    " sdgs = $14::integer[], international_experience = $15, looking_for_partners = $16,"
    " revision = revision + 1, update_time = $17"
    " WHERE id = $1 RETURNING revision"};

const pg::Statement kDelete{
    "DELETE FROM organisations WHERE id = $1 AND ($2::bigint IS NULL OR revision = $2)"};

const pg::Statement kRevision{"SELECT revision FROM organisations WHERE id = $1"};

const pg::Statement kCoordinatedNetwork{
    "SELECT id FROM networks WHERE coordinator_id = $1 ORDER BY id LIMIT 1"};

// $1 organisation, $2 schemes, $3 values, in order. A new claim is UNVERIFIED (the
// columns' defaults); a claim the organisation already makes keeps its state and only
// moves.
const pg::Statement kClaimIdentifiers{
    "INSERT INTO organisation_identifiers (scheme, value, organisation_id, position)"
    " SELECT c.scheme, c.value, $1, c.position - 1"
    " FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c(scheme, value, position)"
    " ON CONFLICT (organisation_id, scheme, value) DO UPDATE SET position = EXCLUDED.position"};

// The claims of organisation $1 that are not among schemes $2 and values $3.
const pg::Statement kDropIdentifiers{
    "DELETE FROM organisation_identifiers WHERE organisation_id = $1"
    " AND (scheme, value) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))"};

const pg::Statement kVerifiedHolder{
    "SELECT organisation_id FROM organisation_identifiers"
    " WHERE scheme = $1 AND value = $2 AND state = 'VERIFIED'"};

// $1 organisation, $2 scheme, $3 value, $4 state, $5 now.
const pg::Statement kSetIdentifierState{
    "UPDATE organisation_identifiers"
    " SET state = $4, verify_time = CASE WHEN $4 = 'VERIFIED' THEN $5::timestamptz END"
    " WHERE organisation_id = $1 AND scheme = $2 AND value = $3"};

const pg::Statement kTouch{
    "UPDATE organisations SET revision = revision + 1, update_time = $2 WHERE id = $1"};

// The VERIFIED holder, or else the earliest claimant.
const pg::Statement kLookup{"SELECT " COOPNET_ORGANISATION_COLUMNS COOPNET_ORGANISATION_FROM
                            " WHERE o.id = (SELECT organisation_id FROM organisation_identifiers"
                            "               WHERE scheme = $1 AND value = $2"
                            "               ORDER BY state = 'VERIFIED' DESC, claim_time,"
                            "                        organisation_id"
                            "               LIMIT 1)"};

// Search statements read the text's parameters first (see text_search_store.h), then
// the filter groups of FilterTerms, the network's id, the keyset and the page size. Each
// filter is a term of the search_terms array, so one GIN index scan answers the words and
// every filter at once; an empty group is a condition PostgreSQL drops when it plans with
// the parameters' values. Only the rows of the page are then read whole.
std::string SearchSql(bool text, bool network, bool verified) {
  int next = text ? kTextParams + 1 : 1;
  std::vector<std::string> where;
  if (text) where.push_back(TextConditionSql("o.search_terms"));
  for (int group = 0; group < kFilterGroups; ++group, ++next) {
    where.push_back(absl::StrCat("(cardinality($", next, "::text[]) = 0 OR o.search_terms && $",
                                 next, "::text[])"));
  }
  if (network) {
    where.push_back(absl::StrCat("EXISTS (SELECT 1 FROM network_members m WHERE m.network_id = $",
                                 next++,
                                 "::text AND m.organisation_id = o.id AND m.state = 'ACTIVE')"));
  }
  if (verified) {
    where.push_back(
        "EXISTS (SELECT 1 FROM organisation_identifiers i WHERE i.organisation_id = o.id"
        " AND i.state = 'VERIFIED')");
  }
  const std::string conditions = absl::StrJoin(where, " AND ");
  std::string page, order, relevance;
  if (text) {
    const int after_relevance = next++, after_id = next++, limit = next++;
    page = absl::StrCat("SELECT h.id, h.relevance FROM (SELECT o.id, ",
                        RelevanceSql("o.name_words", "o.search_terms"),
                        " AS relevance FROM organisations o WHERE ", conditions, ") h WHERE ($",
                        after_relevance, "::numeric IS NULL OR h.relevance < $", after_relevance,
                        "::numeric OR (h.relevance = $", after_relevance, "::numeric AND h.id > $",
                        after_id, "::text)) ORDER BY h.relevance DESC,", " h.id LIMIT $", limit);
    order = " ORDER BY page.relevance DESC, o.id";
    relevance = "page.relevance::text";
  } else {
    const int after_id = next++, limit = next++;
    page = absl::StrCat("SELECT o.id FROM organisations o WHERE ", conditions, " AND ($", after_id,
                        "::text = '' OR o.id < $", after_id, "::text) ORDER BY o.id DESC LIMIT $",
                        limit);
    order = " ORDER BY o.id DESC";
    relevance = "''";
  }
  return absl::StrCat("WITH page AS (", page, ") SELECT " COOPNET_ORGANISATION_COLUMNS ", ",
                      relevance, COOPNET_ORGANISATION_FROM " JOIN page ON page.id = o.id", order);
}

// The search statement with or without text, a network filter and the verified filter.
const pg::Statement& SearchStatement(bool text, bool network, bool verified) {
  static const auto* statements = [] {
    auto* made = new std::vector<pg::Statement>();
    for (int variant = 0; variant < 8; ++variant) {
      made->emplace_back(SearchSql(variant & 4, variant & 2, variant & 1));
    }
    return made;
  }();
  return (*statements)[(text ? 4 : 0) + (network ? 2 : 0) + (verified ? 1 : 0)];
}

// The column of the relevance in a search statement's rows, after the organisation's.
constexpr int kRelevanceColumn = 23;

// $1 requester, $2 country terms, $3 kind terms, $4 theme terms, $5 themes, $6 limit.
const pg::Statement kCandidates{
    "WITH chosen AS ("
    "  SELECT o.id, o.looking_for_partners,"
    "         (SELECT count(*) FROM unnest(o.themes) t WHERE t = ANY($5::text[])) AS shared"
    "  FROM organisations o"
    "  WHERE o.id <> $1"
    "    AND (cardinality($2::text[]) = 0 OR o.search_terms && $2::text[])"
    "    AND (cardinality($3::text[]) = 0 OR o.search_terms && $3::text[])"
    "    AND (cardinality($4::text[]) = 0 OR o.search_terms && $4::text[])"
    "  ORDER BY shared DESC, o.looking_for_partners DESC, o.id"
    "  LIMIT $6)"
    " SELECT " COOPNET_ORGANISATION_COLUMNS COOPNET_ORGANISATION_FROM
    " JOIN chosen ON chosen.id = o.id"
    " ORDER BY chosen.shared DESC, chosen.looking_for_partners DESC, o.id"};

absl::StatusOr<Organisation> ReadOrganisation(const pg::Result& r, int row) {
  Organisation o;
  o.set_name(resource::Name(kCollection, r.GetString(row, 0)));
  o.set_display_name(r.GetString(row, 1));
  o.set_legal_name(r.GetString(row, 2));
  Organisation::Kind kind;
  if (Organisation::Kind_Parse(r.GetString(row, 3), &kind)) o.set_kind(kind);
  o.set_country(r.GetString(row, 4));
  o.set_nuts_region(r.GetString(row, 5));
  o.set_city(r.GetString(row, 6));
  if (!r.IsNull(row, 7))
    COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 7), *o.mutable_postal_address()));
  o.set_website(r.GetString(row, 8));
  o.set_email(r.GetString(row, 9));
  type::v1::LocalizedText description;
  COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 10), description));
  if (description.ByteSizeLong() > 0) *o.mutable_description() = std::move(description);
  for (std::string& language : r.GetStringArray(row, 11))
    o.add_working_languages(std::move(language));
  for (std::string& theme : r.GetStringArray(row, 12)) o.add_themes(std::move(theme));
  for (int32_t sdg : r.GetInt32Array(row, 13)) o.add_sdgs(sdg);
  Organisation::Experience experience;
  if (Organisation::Experience_Parse(r.GetString(row, 14), &experience)) {
    o.set_international_experience(experience);
  }
  o.set_looking_for_partners(r.GetBool(row, 15));
  o.set_etag(resource::Etag(r.GetInt64(row, 16)));
  *o.mutable_create_time() = ToTimestamp(r.GetTime(row, 17));
  *o.mutable_update_time() = ToTimestamp(r.GetTime(row, 18));
  std::vector<std::string> schemes = r.GetStringArray(row, 19);
  std::vector<std::string> values = r.GetStringArray(row, 20);
  std::vector<std::string> states = r.GetStringArray(row, 21);
  std::vector<int64_t> verify_micros = r.GetInt64Array(row, 22);
  for (size_t i = 0; i < schemes.size() && i < values.size(); ++i) {
    Identifier* id = o.add_identifiers();
    id->set_scheme(std::move(schemes[i]));
    id->set_value(std::move(values[i]));
    Identifier::State state;
    if (i < states.size() && Identifier::State_Parse(states[i], &state)) id->set_state(state);
    if (i < verify_micros.size() && verify_micros[i] != 0) {
      *id->mutable_verify_time() = ToTimestamp(absl::FromUnixMicros(verify_micros[i]));
    }
  }
  return o;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return {list.begin(), list.end()};
}

std::optional<std::string> PostalAddressJson(const Organisation& o) {
  if (!o.has_postal_address()) return std::nullopt;
  return ToJson(o.postal_address());
}

// The schemes and the values of the organisation's identifiers, in order.
struct IdentifierColumns {
  std::vector<std::string> schemes;
  std::vector<std::string> values;
};

IdentifierColumns ColumnsOf(const Organisation& o) {
  IdentifierColumns columns;
  for (const Identifier& identifier : o.identifiers()) {
    columns.schemes.push_back(identifier.scheme());
    columns.values.push_back(identifier.value());
  }
  return columns;
}

// Makes the organisation's claims those of `o`, in its order: new ones UNVERIFIED, kept
// ones as they were (whatever states `o` holds: they are output only), dropped ones gone.
absl::Status ClaimIdentifiers(pg::Transaction& tx, absl::string_view id, const Organisation& o) {
  const IdentifierColumns columns = ColumnsOf(o);
  COOPNET_RETURN_IF_ERROR(tx.Exec(kDropIdentifiers, id, columns.schemes, columns.values).status());
  return tx.Exec(kClaimIdentifiers, id, columns.schemes, columns.values).status();
}

absl::Status VerifiedElsewhere(const Identifier& identifier, absl::string_view holder_id) {
  const std::string holder = resource::Name(kCollection, holder_id);
  return status::Error(absl::StatusCode::kFailedPrecondition, "IDENTIFIER_VERIFIED_ELSEWHERE",
                       absl::StrCat("identifier ", identifier.scheme(), " ", identifier.value(),
                                    " is verified as ", holder, "'s: unverify that claim first"),
                       {{"field", "identifier"}, {"organisation", holder}});
}

absl::Status StaleEtag(int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: the organisation is now at ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

absl::Status NotFound(absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "ORGANISATION_NOT_FOUND",
                       absl::StrCat(resource::Name(kCollection, id), " does not exist"));
}

absl::StatusOr<std::vector<Organisation>> ReadOrganisations(const pg::Result& r) {
  std::vector<Organisation> found;
  found.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Organisation o, ReadOrganisation(r, row));
    found.push_back(std::move(o));
  }
  return found;
}

}  // namespace

absl::Status OrganisationStore::CoordinatesNetwork(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result network, pool_.Exec(kCoordinatedNetwork, id));
  const std::string name = network.rows() > 0 ? resource::Name("networks", network.GetString(0, 0))
                                              : std::string("a network");
  return status::Error(absl::StatusCode::kFailedPrecondition, "COORDINATES_NETWORK",
                       absl::StrCat(resource::Name(kCollection, id), " coordinates ", name,
                                    ": make another organisation its coordinator or delete it "
                                    "first"),
                       {{"network", name}});
}

OrganisationStore::OrganisationStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

absl::Status OrganisationStore::Announce(pg::Transaction& tx, v1::OrganisationChange::Type type,
                                         const Organisation& organisation, absl::Time when) {
  v1::OrganisationChange change = ChangeAt(type, when);
  *change.mutable_organisation() = organisation;
  return outbox::Append(tx, stream_, change);
}

absl::StatusOr<Organisation> OrganisationStore::Create(
    const Organisation& o, const std::optional<request::RequestKey>& key) {
  Organisation created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      const absl::Time now = absl::Now();
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kInsert, id, o.display_name(), o.legal_name(), Organisation::Kind_Name(o.kind()),
                  o.country(), o.nuts_region(), o.city(), PostalAddressJson(o), o.website(),
                  o.email(), ToJson(o.description()), Strings(o.working_languages()),
                  Strings(o.themes()), std::vector<int32_t>(o.sdgs().begin(), o.sdgs().end()),
                  Organisation::Experience_Name(o.international_experience()),
                  o.looking_for_partners(), now)
              .status());
      COOPNET_RETURN_IF_ERROR(ClaimIdentifiers(tx, id, o));
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectById, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadOrganisation(row, 0));
      return Announce(tx, v1::OrganisationChange::CREATED, created, now);
    });
  }));
  return created;
}

absl::StatusOr<Organisation> OrganisationStore::Get(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectById, id));
  if (r.rows() == 0) return NotFound(id);
  return ReadOrganisation(r, 0);
}

absl::StatusOr<std::vector<Organisation>> OrganisationStore::List(const ListQuery& query) {
  std::vector<std::string> kinds;
  for (Organisation::Kind kind : query.kinds) kinds.push_back(Organisation::Kind_Name(kind));
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kList, query.after_id, query.countries, query.nuts_prefix, kinds,
                               static_cast<int32_t>(query.limit)));
  std::vector<Organisation> found;
  found.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Organisation o, ReadOrganisation(r, row));
    found.push_back(std::move(o));
  }
  return found;
}

absl::StatusOr<Organisation> OrganisationStore::Update(
    absl::string_view id, std::optional<int64_t> expected_revision,
    const std::function<absl::StatusOr<Organisation>(const Organisation&)>& change) {
  Organisation updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectByIdForUpdate, id));
    if (row.rows() == 0) return NotFound(id);
    COOPNET_ASSIGN_OR_RETURN(Organisation stored, ReadOrganisation(row, 0));
    const int64_t revision = row.GetInt64(0, 16);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag(*expected_revision, revision);
    }
    COOPNET_ASSIGN_OR_RETURN(Organisation o, change(stored));
    COOPNET_RETURN_IF_ERROR(
        tx.Exec(kUpdate, id, o.display_name(), o.legal_name(), Organisation::Kind_Name(o.kind()),
                o.country(), o.nuts_region(), o.city(), PostalAddressJson(o), o.website(),
                o.email(), ToJson(o.description()), Strings(o.working_languages()),
                Strings(o.themes()), std::vector<int32_t>(o.sdgs().begin(), o.sdgs().end()),
                Organisation::Experience_Name(o.international_experience()),
                o.looking_for_partners(), absl::Now())
            .status());
    COOPNET_RETURN_IF_ERROR(ClaimIdentifiers(tx, id, o));
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectById, id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadOrganisation(reread, 0));
    return Announce(tx, v1::OrganisationChange::UPDATED, updated, absl::Now());
  }));
  return updated;
}

absl::Status OrganisationStore::Delete(absl::string_view id,
                                       std::optional<int64_t> expected_revision) {
  absl::Status deleted = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result deleted, tx.Exec(kDelete, id, expected_revision));
    if (deleted.affected_rows() == 1) {
      Organisation gone;
      gone.set_name(resource::Name("organisations", id));
      return Announce(tx, v1::OrganisationChange::DELETED, gone, absl::Now());
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result current, tx.Exec(kRevision, id));
    if (current.rows() == 0) return NotFound(id);
    return StaleEtag(*expected_revision, current.GetInt64(0, 0));
  });
  // A network never loses its coordinator: the schema refuses (RESTRICT), and the
  // caller learns which network to hand over or delete first.
  if (pg::ConstraintOf(deleted) == "networks_coordinator_fkey") return CoordinatesNetwork(id);
  return deleted;
}

absl::StatusOr<std::vector<SearchHit>> OrganisationStore::Search(const SearchQuery& query) {
  std::vector<pg::Param> params;
  std::vector<std::vector<std::string>> filter_terms = FilterTerms(query.filters);
  bool text = false;
  if (!query.text.empty()) {
    COOPNET_ASSIGN_OR_RETURN(QueryWords looked_up, LookUpQueryWords(pool_, query.text));
    if (looked_up.query_words > 0) {
      std::optional<std::vector<WordTiers>> words =
          TierWords(looked_up.matches, looked_up.query_words);
      if (!words) return std::vector<SearchHit>();
      MatchTerms terms = TermsToMatch(*words, query.filters);
      params = TextParams(*words, terms.words);
      filter_terms = std::move(terms.filters);
      text = true;
    }
  }
  // A token of the other kind of search cannot come with the same query (see
  // SearchPageKey); refusing it keeps the statement's parameters well typed.
  if (query.after && query.after->relevance.empty() == text) {
    return status::InvalidField("page_token", "belongs to a query with other filters");
  }
  for (const std::vector<std::string>& group : filter_terms) params.emplace_back(group);
  const bool network = !query.filters.network_id.empty();
  if (network) params.emplace_back(query.filters.network_id);
  if (text && query.after) {
    params.emplace_back(query.after->relevance);
  } else if (text) {
    params.emplace_back(std::nullopt);
  }
  // Param refers to an lvalue string rather than copying it: keep one alive.
  const std::string after_id = query.after ? query.after->id : std::string();
  params.emplace_back(after_id);
  params.emplace_back(static_cast<int32_t>(query.limit));

  absl::StatusOr<pg::Result> r =
      pool_.ExecParams(SearchStatement(text, network, query.filters.verified_only), params);
  if (!r.ok()) return r.status();
  std::vector<SearchHit> hits;
  hits.reserve(r->rows());
  for (int row = 0; row < r->rows(); ++row) {
    SearchHit hit;
    COOPNET_ASSIGN_OR_RETURN(hit.organisation, ReadOrganisation(*r, row));
    hit.position.relevance = r->GetString(row, kRelevanceColumn);
    hit.position.id = r->GetString(row, 0);
    hits.push_back(std::move(hit));
  }
  return hits;
}

absl::StatusOr<Organisation> OrganisationStore::SetIdentifierState(
    absl::string_view id, const Identifier& identifier, Identifier::State state,
    std::optional<int64_t> expected_revision, const std::optional<request::RequestKey>& key) {
  Organisation result;
  absl::Status set = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, result, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectByIdForUpdate, id));
      if (row.rows() == 0) return NotFound(id);
      COOPNET_ASSIGN_OR_RETURN(result, ReadOrganisation(row, 0));
      const int64_t revision = row.GetInt64(0, 16);
      if (expected_revision && *expected_revision != revision) {
        return StaleEtag(*expected_revision, revision);
      }
      COOPNET_ASSIGN_OR_RETURN(Identifier claim, ClaimOf(result, identifier, "identifier"));
      if (claim.state() == state) return absl::OkStatus();
      if (state == Identifier::VERIFIED) {
        COOPNET_ASSIGN_OR_RETURN(pg::Result holder,
                                 tx.Exec(kVerifiedHolder, identifier.scheme(), identifier.value()));
        if (holder.rows() > 0) return VerifiedElsewhere(identifier, holder.GetString(0, 0));
      }
      const absl::Time now = absl::Now();
      COOPNET_RETURN_IF_ERROR(tx.Exec(kSetIdentifierState, id, identifier.scheme(),
                                      identifier.value(), Identifier::State_Name(state), now)
                                  .status());
      COOPNET_RETURN_IF_ERROR(tx.Exec(kTouch, id, now).status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectById, id));
      COOPNET_ASSIGN_OR_RETURN(result, ReadOrganisation(reread, 0));
      return Announce(tx, v1::OrganisationChange::UPDATED, result, now);
    });
  });
  // Two claims verified at once: the index lets one through, and the other learns whose.
  if (pg::ConstraintOf(set) == "organisation_identifiers_verified") {
    COOPNET_ASSIGN_OR_RETURN(pg::Result holder,
                             pool_.Exec(kVerifiedHolder, identifier.scheme(), identifier.value()));
    if (holder.rows() > 0) return VerifiedElsewhere(identifier, holder.GetString(0, 0));
  }
  COOPNET_RETURN_IF_ERROR(set);
  return result;
}

absl::StatusOr<Organisation> OrganisationStore::Lookup(const v1::Identifier& identifier) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r,
                           pool_.Exec(kLookup, identifier.scheme(), identifier.value()));
  if (r.rows() == 0) {
    return status::Error(
        absl::StatusCode::kNotFound, "IDENTIFIER_NOT_FOUND",
        absl::StrCat("no organisation holds ", identifier.scheme(), " ", identifier.value()));
  }
  return ReadOrganisation(r, 0);
}

absl::StatusOr<std::vector<Organisation>> OrganisationStore::Candidates(
    const CandidateQuery& query) {
  SearchFilters filters;
  filters.countries = query.countries;
  filters.kinds = query.kinds;
  filters.themes = query.themes;
  const std::vector<std::vector<std::string>> terms = FilterTerms(filters);
  COOPNET_ASSIGN_OR_RETURN(pg::Result r,
                           pool_.Exec(kCandidates, query.requester_id, terms[0], terms[2], terms[3],
                                      query.themes, static_cast<int32_t>(query.limit)));
  return ReadOrganisations(r);
}

}  // namespace coopnet::organisations
