#include "services/organisations/partner_request_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/geo/country_groups.h"
#include "common/pg/errors.h"
#include "common/pg/request_log.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/organisations/store_values.h"
#include "services/organisations/text_search_store.h"

namespace coopnet::organisations {
namespace {

using v1::Organisation;

// Every read returns the columns in this order (see ReadPartnerRequest).
#define COOPNET_PARTNER_REQUEST_COLUMNS                                                 \
  "r.id, r.organisation_id, r.title::text, r.description::text, r.themes, r.countries," \
  " r.kinds, r.call, r.deadline, r.state, r.revision, r.create_time, r.update_time"

const pg::Statement kSelect{"SELECT " COOPNET_PARTNER_REQUEST_COLUMNS
                            " FROM partner_requests r WHERE r.id = $1 AND r.organisation_id = $2"};

const pg::Statement kSelectForUpdate{
    "SELECT " COOPNET_PARTNER_REQUEST_COLUMNS
    " FROM partner_requests r WHERE r.id = $1 AND r.organisation_id = $2 FOR UPDATE"};

const pg::Statement kList{"SELECT " COOPNET_PARTNER_REQUEST_COLUMNS
                          " FROM partner_requests r"
                          " WHERE r.organisation_id = $1 AND ($2 = '' OR r.id < $2)"
                          " ORDER BY r.id DESC LIMIT $3"};

const pg::Statement kInsert{
    "INSERT INTO partner_requests (id, organisation_id, title, description, themes, countries,"
    " kinds, call, deadline, state, revision, create_time, update_time)"
    " VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::text[], $6::text[], $7::text[], $8,"
    " $9::timestamptz, $10, 1, $11, $11)"};

const pg::Statement kUpdate{
    "UPDATE partner_requests SET title = $3::jsonb, description = $4::jsonb,"
    " themes = $5::text[], countries = $6::text[], kinds = $7::text[], call = $8,"
    " deadline = $9::timestamptz, state = $10, revision = revision + 1, update_time = $11"
    " WHERE id = $1 AND organisation_id = $2"};

const pg::Statement kDelete{
    "DELETE FROM partner_requests"
    " WHERE id = $1 AND organisation_id = $2 AND ($3::bigint IS NULL OR revision = $3)"};

const pg::Statement kRevision{
    "SELECT revision FROM partner_requests WHERE id = $1 AND organisation_id = $2"};

// Search statements read the text's parameters first (see text_search_store.h), then the
// filters, the keyset and the page size. Requests that want partners from anywhere (no
// countries) or of any kind (no kinds) pass those filters.
std::string SearchSql(bool text) {
  int next = text ? kTextParams + 1 : 1;
  std::vector<std::string> where = {"r.state = 'OPEN'",
                                    "(r.deadline IS NULL OR r.deadline > now())"};
  if (text) where.push_back(TextConditionSql("r.search_terms"));
  const int countries = next++, themes = next++, kinds = next++, requester_countries = next++;
  where.push_back(absl::StrCat("(cardinality($", countries,
                               "::text[]) = 0 OR cardinality(r.countries) = 0 OR r.countries && $",
                               countries, "::text[])"));
  where.push_back(absl::StrCat("(cardinality($", themes, "::text[]) = 0 OR r.themes && $", themes,
                               "::text[])"));
  where.push_back(absl::StrCat("(cardinality($", kinds,
                               "::text[]) = 0 OR cardinality(r.kinds) = 0 OR r.kinds && $", kinds,
                               "::text[])"));
  where.push_back(absl::StrCat("(cardinality($", requester_countries,
                               "::text[]) = 0 OR EXISTS (SELECT 1 FROM organisations o"
                               " WHERE o.id = r.organisation_id AND (o.country = ANY($",
                               requester_countries, "::text[]) OR o.nuts_region LIKE ANY($",
                               requester_countries, "::text[]))))"));
  const std::string conditions = absl::StrJoin(where, " AND ");
  std::string page, order, relevance;
  if (text) {
    const int after_relevance = next++, after_id = next++, limit = next++;
    page = absl::StrCat("SELECT h.id, h.relevance FROM (SELECT r.id, ",
                        RelevanceSql("r.title_words", "r.search_terms"),
                        " AS relevance FROM partner_requests r WHERE ", conditions, ") h WHERE ($",
                        after_relevance, "::numeric IS NULL OR h.relevance < $", after_relevance,
                        "::numeric OR (h.relevance = $", after_relevance, "::numeric AND h.id > $",
                        after_id, "::text)) ORDER BY h.relevance DESC, h.id LIMIT $", limit);
    order = " ORDER BY page.relevance DESC, r.id";
    relevance = "page.relevance::text";
  } else {
    const int after_id = next++, limit = next++;
    page = absl::StrCat("SELECT r.id FROM partner_requests r WHERE ", conditions, " AND ($",
                        after_id, "::text = '' OR r.id < $", after_id,
                        "::text) ORDER BY r.id DESC LIMIT $", limit);
    order = " ORDER BY r.id DESC";
    relevance = "''";
  }
  return absl::StrCat("WITH page AS (", page, ") SELECT " COOPNET_PARTNER_REQUEST_COLUMNS ", ",
                      relevance, " FROM partner_requests r JOIN page ON page.id = r.id", order);
}

const pg::Statement& SearchStatement(bool text) {
  static const auto* statements = new std::vector<pg::Statement>{pg::Statement(SearchSql(false)),
                                                                 pg::Statement(SearchSql(true))};
  return (*statements)[text ? 1 : 0];
}

// The column of the relevance in a search statement's rows, after the request's.
constexpr int kRelevanceColumn = 13;

absl::StatusOr<PartnerRequest> ReadPartnerRequest(const pg::Result& r, int row) {
  PartnerRequest request;
  const PartnerRequestName name{r.GetString(row, 1), r.GetString(row, 0)};
  request.set_name(name.name());
  COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 2), *request.mutable_title()));
  type::v1::LocalizedText description;
  COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 3), description));
  if (description.ByteSizeLong() > 0) *request.mutable_description() = std::move(description);
  for (std::string& theme : r.GetStringArray(row, 4)) request.add_themes(std::move(theme));
  for (std::string& country : r.GetStringArray(row, 5)) request.add_countries(std::move(country));
  for (const std::string& kind_name : r.GetStringArray(row, 6)) {
    Organisation::Kind kind;
    if (Organisation::Kind_Parse(kind_name, &kind)) request.add_kinds(kind);
  }
  request.set_call(r.GetString(row, 7));
  if (!r.IsNull(row, 8)) *request.mutable_deadline() = ToTimestamp(r.GetTime(row, 8));
  PartnerRequest::State state;
  if (PartnerRequest::State_Parse(r.GetString(row, 9), &state)) request.set_state(state);
  request.set_etag(resource::Etag(r.GetInt64(row, 10)));
  *request.mutable_create_time() = ToTimestamp(r.GetTime(row, 11));
  *request.mutable_update_time() = ToTimestamp(r.GetTime(row, 12));
  return request;
}

std::vector<std::string> KindNames(const PartnerRequest& request) {
  std::vector<std::string> names;
  for (int kind : request.kinds()) names.push_back(Organisation::Kind_Name(kind));
  return names;
}

std::optional<absl::Time> Deadline(const PartnerRequest& request) {
  if (!request.has_deadline()) return std::nullopt;
  return FromTimestamp(request.deadline());
}

absl::Status NotFound(const PartnerRequestName& name) {
  return status::Error(absl::StatusCode::kNotFound, "PARTNER_REQUEST_NOT_FOUND",
                       absl::StrCat(name.name(), " does not exist"));
}

absl::Status StaleEtag(int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: the partner request is now at ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

}  // namespace

PartnerRequestStore::PartnerRequestStore(pg::Pool& pool) : pool_(pool) {}

absl::StatusOr<PartnerRequest> PartnerRequestStore::Create(
    absl::string_view organisation_id, const PartnerRequest& request,
    const std::optional<request::RequestKey>& key) {
  PartnerRequest created;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const PartnerRequestName name{std::string(organisation_id), resource::NewId()};
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kInsert, name.id, name.organisation_id, ToJson(request.title()),
                  ToJson(request.description()),
                  std::vector<std::string>(request.themes().begin(), request.themes().end()),
                  std::vector<std::string>(request.countries().begin(), request.countries().end()),
                  KindNames(request), request.call(), Deadline(request),
                  PartnerRequest::State_Name(request.state()), absl::Now())
              .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelect, name.id, name.organisation_id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadPartnerRequest(row, 0));
      return absl::OkStatus();
    });
  });
  if (pg::ConstraintOf(s) == "partner_requests_organisation_id_fkey") {
    return OrganisationNotFound(organisation_id);
  }
  COOPNET_RETURN_IF_ERROR(s);
  return created;
}

absl::StatusOr<PartnerRequest> PartnerRequestStore::Get(const PartnerRequestName& name) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelect, name.id, name.organisation_id));
  if (r.rows() == 0) return NotFound(name);
  return ReadPartnerRequest(r, 0);
}

absl::StatusOr<std::vector<PartnerRequest>> PartnerRequestStore::List(
    absl::string_view organisation_id, absl::string_view before_id, int limit) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kList, organisation_id, before_id, static_cast<int32_t>(limit)));
  if (r.rows() == 0 && before_id.empty()) {
    COOPNET_RETURN_IF_ERROR(RequireOrganisation(pool_, organisation_id));
  }
  std::vector<PartnerRequest> found;
  found.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(PartnerRequest request, ReadPartnerRequest(r, row));
    found.push_back(std::move(request));
  }
  return found;
}

absl::StatusOr<PartnerRequest> PartnerRequestStore::Update(
    const PartnerRequestName& name, std::optional<int64_t> expected_revision,
    const std::function<absl::StatusOr<PartnerRequest>(const PartnerRequest&)>& change) {
  PartnerRequest updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row,
                             tx.Exec(kSelectForUpdate, name.id, name.organisation_id));
    if (row.rows() == 0) return NotFound(name);
    COOPNET_ASSIGN_OR_RETURN(PartnerRequest stored, ReadPartnerRequest(row, 0));
    const int64_t revision = row.GetInt64(0, 10);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag(*expected_revision, revision);
    }
    COOPNET_ASSIGN_OR_RETURN(PartnerRequest r, change(stored));
    COOPNET_RETURN_IF_ERROR(
        tx.Exec(kUpdate, name.id, name.organisation_id, ToJson(r.title()), ToJson(r.description()),
                std::vector<std::string>(r.themes().begin(), r.themes().end()),
                std::vector<std::string>(r.countries().begin(), r.countries().end()), KindNames(r),
                r.call(), Deadline(r), PartnerRequest::State_Name(r.state()), absl::Now())
            .status());
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelect, name.id, name.organisation_id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadPartnerRequest(reread, 0));
    return absl::OkStatus();
  }));
  return updated;
}

absl::Status PartnerRequestStore::Delete(const PartnerRequestName& name,
                                         std::optional<int64_t> expected_revision) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result deleted,
                             tx.Exec(kDelete, name.id, name.organisation_id, expected_revision));
    if (deleted.affected_rows() == 1) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result current, tx.Exec(kRevision, name.id, name.organisation_id));
    if (current.rows() == 0) return NotFound(name);
    return StaleEtag(*expected_revision, current.GetInt64(0, 0));
  });
}

absl::StatusOr<std::vector<PartnerRequestHit>> PartnerRequestStore::Search(
    const PartnerRequestQuery& query) {
  std::vector<pg::Param> params;
  bool text = false;
  if (!query.text.empty()) {
    COOPNET_ASSIGN_OR_RETURN(QueryWords looked_up, LookUpQueryWords(pool_, query.text));
    if (looked_up.query_words > 0) {
      std::optional<std::vector<WordTiers>> words =
          TierWords(looked_up.matches, looked_up.query_words);
      if (!words) return std::vector<PartnerRequestHit>();
      params = TextParams(*words, WordGroups(*words));
      text = true;
    }
  }
  if (query.after && query.after->relevance.empty() == text) {
    return status::InvalidField("page_token", "belongs to a query with other filters");
  }
  // Stored lists may name groups: a request wanting the EEA wants partners from Norway.
  params.emplace_back(query.filters.countries.empty()
                          ? std::vector<std::string>()
                          : geo::Places(query.filters.countries).MeetingEntries());
  params.emplace_back(query.filters.themes);
  params.emplace_back(query.filters.kinds);
  // Countries, and the regions of those a group covers in part (see geo::SqlPatterns).
  params.emplace_back(geo::Places(query.filters.requester_countries).SqlPatterns());
  if (text && query.after) {
    params.emplace_back(query.after->relevance);
  } else if (text) {
    params.emplace_back(std::nullopt);
  }
  // Param refers to an lvalue string rather than copying it: keep one alive.
  const std::string after_id = query.after ? query.after->id : std::string();
  params.emplace_back(after_id);
  params.emplace_back(static_cast<int32_t>(query.limit));

  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.ExecParams(SearchStatement(text), params));
  std::vector<PartnerRequestHit> hits;
  hits.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    PartnerRequestHit hit;
    COOPNET_ASSIGN_OR_RETURN(hit.request, ReadPartnerRequest(r, row));
    hit.position.relevance = r.GetString(row, kRelevanceColumn);
    hit.position.id = r.GetString(row, 0);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace coopnet::organisations
