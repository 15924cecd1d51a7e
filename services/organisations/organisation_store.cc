#include "services/organisations/organisation_store.h"

#include "absl/strings/str_cat.h"
#include "common/pg/request_log.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace coopnet::organisations {
namespace {

using google::protobuf::util::TimeUtil;
using v1::Identifier;

constexpr char kCollection[] = "organisations";

// Every read returns the columns in this order (see ReadOrganisation).
#define COOPNET_ORGANISATION_COLUMNS                                              \
  "o.id, o.display_name, o.legal_name, o.kind, o.country, o.nuts_region, o.city," \
  " o.postal_address::text, o.website, o.email, o.description::text,"             \
  " o.working_languages, o.themes, o.sdgs, o.international_experience,"           \
  " o.looking_for_partners, o.revision, o.create_time, o.update_time,"            \
  " coalesce(ids.schemes, '{}'), coalesce(ids.vals, '{}')"

#define COOPNET_ORGANISATION_FROM                                 \
  " FROM organisations o LEFT JOIN LATERAL ("                     \
  "   SELECT array_agg(i.scheme ORDER BY i.position) AS schemes," \
  "          array_agg(i.value ORDER BY i.position) AS vals"      \
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
                          "   AND (cardinality($2::text[]) = 0 OR o.country = ANY($2::text[]))"
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

const pg::Statement kInsertIdentifier{
    "INSERT INTO organisation_identifiers (scheme, value, organisation_id, position)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (scheme, value) DO NOTHING"};

const pg::Statement kIdentifierOwner{
    "SELECT organisation_id FROM organisation_identifiers WHERE scheme = $1 AND value = $2"};

const pg::Statement kDeleteIdentifiers{
    "DELETE FROM organisation_identifiers WHERE organisation_id = $1"};

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status FromJson(absl::string_view json, google::protobuf::Message& message) {
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json), &message);
  if (!s.ok())
    return absl::InternalError(absl::StrCat("stored JSON unreadable: ", std::string(s.message())));
  return absl::OkStatus();
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

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
  for (size_t i = 0; i < schemes.size() && i < values.size(); ++i) {
    Identifier* id = o.add_identifiers();
    id->set_scheme(std::move(schemes[i]));
    id->set_value(std::move(values[i]));
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

// Inserts the identifiers in order, so that a clash names the one that clashed.
absl::Status InsertIdentifiers(pg::Transaction& tx, absl::string_view id, const Organisation& o) {
  for (int i = 0; i < o.identifiers_size(); ++i) {
    const Identifier& identifier = o.identifiers(i);
    COOPNET_ASSIGN_OR_RETURN(pg::Result inserted,
                             tx.Exec(kInsertIdentifier, identifier.scheme(), identifier.value(), id,
                                     static_cast<int32_t>(i)));
    if (inserted.affected_rows() == 1) continue;
    COOPNET_ASSIGN_OR_RETURN(pg::Result owner,
                             tx.Exec(kIdentifierOwner, identifier.scheme(), identifier.value()));
    const std::string holder = owner.rows() > 0 ? resource::Name(kCollection, owner.GetString(0, 0))
                                                : "another organisation";
    return status::Error(
        absl::StatusCode::kAlreadyExists, "IDENTIFIER_TAKEN",
        absl::StrCat("organisation.identifiers[", i, "] ", identifier.scheme(), " ",
                     identifier.value(), " is already registered to ", holder),
        {{"field", absl::StrCat("organisation.identifiers[", i, "]")}, {"organisation", holder}});
  }
  return absl::OkStatus();
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

}  // namespace

OrganisationStore::OrganisationStore(pg::Pool& pool) : pool_(pool) {}

absl::StatusOr<Organisation> OrganisationStore::Create(const Organisation& o,
                                                       const std::optional<RequestKey>& key) {
  Organisation created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    if (key) {
      COOPNET_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          pg::ClaimRequest(tx, key->scope, key->request_id, key->request_hash));
      if (earlier) {
        if (!created.ParseFromString(*earlier))
          return absl::InternalError("stored response unreadable");
        return absl::OkStatus();
      }
    }
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
    COOPNET_RETURN_IF_ERROR(InsertIdentifiers(tx, id, o));
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectById, id));
    COOPNET_ASSIGN_OR_RETURN(created, ReadOrganisation(row, 0));
    if (key) {
      COOPNET_RETURN_IF_ERROR(
          pg::RecordResponse(tx, key->scope, key->request_id, created.SerializeAsString()));
    }
    return absl::OkStatus();
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
    // Replacing the set keeps positions in order and frees what was dropped.
    COOPNET_RETURN_IF_ERROR(tx.Exec(kDeleteIdentifiers, id).status());
    COOPNET_RETURN_IF_ERROR(InsertIdentifiers(tx, id, o));
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectById, id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadOrganisation(reread, 0));
    return absl::OkStatus();
  }));
  return updated;
}

absl::Status OrganisationStore::Delete(absl::string_view id,
                                       std::optional<int64_t> expected_revision) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result deleted, tx.Exec(kDelete, id, expected_revision));
    if (deleted.affected_rows() == 1) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result current, tx.Exec(kRevision, id));
    if (current.rows() == 0) return NotFound(id);
    return StaleEtag(*expected_revision, current.GetInt64(0, 0));
  });
}

}  // namespace coopnet::organisations
