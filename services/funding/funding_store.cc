#include "services/funding/funding_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/outbox/outbox.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "services/funding/funding_rules.h"
#include "services/funding/money.h"

namespace coopnet::funding {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using organisations::v1::Organisation;

constexpr char kProgrammes[] = "programmes";
constexpr char kCalls[] = "calls";
constexpr char kApplications[] = "applications";
constexpr char kAwards[] = "awards";

// ---- Programmes. ----

#define COOPNET_PROGRAMME_COLUMNS "p.id, p.document, p.revision, p.create_time, p.update_time"

const pg::Statement kInsertProgramme{
    "INSERT INTO programmes (id, funder, level, themes, document, create_time, update_time)"
    " VALUES ($1, $2, $3, $4::text[], $5, $6, $6)"};
const pg::Statement kSelectProgramme{"SELECT " COOPNET_PROGRAMME_COLUMNS
                                     " FROM programmes p WHERE p.id = $1"};
const pg::Statement kLockProgramme{"SELECT " COOPNET_PROGRAMME_COLUMNS
                                   " FROM programmes p WHERE p.id = $1 FOR UPDATE"};
const pg::Statement kUpdateProgramme{
    "UPDATE programmes SET themes = $2::text[], document = $3, revision = revision + 1,"
    " update_time = $4 WHERE id = $1"};
const pg::Statement kListProgrammes{
    "SELECT " COOPNET_PROGRAMME_COLUMNS
    " FROM programmes p"
    " WHERE p.id > $1"
    "   AND ($2 = '' OR p.funder = $2)"
    "   AND (cardinality($3::text[]) = 0 OR p.level = ANY($3::text[]))"
    "   AND (cardinality($4::text[]) = 0 OR p.themes && $4::text[])"
    " ORDER BY p.id LIMIT $5"};

// ---- Calls. ----

#define COOPNET_CALL_COLUMNS                                                        \
  "c.id, c.document, c.eligibility, c.funder, c.level, c.publish_time, c.revision," \
  " c.create_time, c.update_time"

const pg::Statement kInsertCall{
    "INSERT INTO calls (id, programme_id, funder, level, identifier, kind, open_time, deadline,"
    " currency, themes, eligibility, document, create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12, $13, $13)"};
const pg::Statement kSelectCall{"SELECT " COOPNET_CALL_COLUMNS " FROM calls c WHERE c.id = $1"};
const pg::Statement kSelectCalls{"SELECT " COOPNET_CALL_COLUMNS
                                 " FROM calls c WHERE c.id = ANY($1::text[])"};
const pg::Statement kLockCall{"SELECT " COOPNET_CALL_COLUMNS
                              " FROM calls c WHERE c.id = $1 FOR UPDATE"};
const pg::Statement kUpdateCall{
    "UPDATE calls SET identifier = $2, kind = $3, publish_time = $4, open_time = $5,"
    " deadline = $6, currency = $7, themes = $8::text[], eligibility = $9, document = $10,"
    " revision = revision + 1, update_time = $11 WHERE id = $1"};
const pg::Statement kListCalls{
    "SELECT " COOPNET_CALL_COLUMNS
    " FROM calls c"
    " WHERE (c.deadline, c.id) > ($1::timestamptz, $2)"
    "   AND ($3 = '' OR c.programme_id = $3)"
    "   AND ($4 = '' OR c.funder = $4)"
    "   AND (cardinality($5::text[]) = 0 OR c.kind = ANY($5::text[]))"
    "   AND (cardinality($6::text[]) = 0 OR c.level = ANY($6::text[]))"
    "   AND (cardinality($7::text[]) = 0 OR c.themes && ($7::text[] || '*'::text))"
    "   AND (cardinality($8::text[]) = 0"
    "        OR ('DRAFT' = ANY($8::text[]) AND c.publish_time IS NULL)"
    "        OR ('FORTHCOMING' = ANY($8::text[]) AND c.publish_time IS NOT NULL"
    "            AND c.open_time > $9::timestamptz)"
    "        OR ('OPEN' = ANY($8::text[]) AND c.publish_time IS NOT NULL"
    "            AND c.open_time <= $9::timestamptz AND c.deadline > $9::timestamptz)"
    "        OR ('CLOSED' = ANY($8::text[]) AND c.publish_time IS NOT NULL"
    "            AND c.deadline <= $9::timestamptz))"
    "   AND ($10::boolean OR c.publish_time IS NOT NULL OR c.funder = $11)"
    " ORDER BY c.deadline, c.id LIMIT $12"};
// What MatchCalls judges of a call (MatchableCall), by the deadline index for the open
// and forthcoming ones, by the update time index for what changed.
#define COOPNET_MATCHABLE_COLUMNS                                             \
  "c.id, c.kind, c.level, (extract(epoch FROM c.open_time) * 1000000)::int8," \
  " (extract(epoch FROM c.deadline) * 1000000)::int8, c.eligibility,"         \
  " c.publish_time IS NOT NULL, c.revision"
const pg::Statement kOpenCalls{"SELECT " COOPNET_MATCHABLE_COLUMNS
                               " FROM calls c"
                               " WHERE c.deadline > $1 AND c.publish_time IS NOT NULL"};
const pg::Statement kCallsWrittenSince{"SELECT " COOPNET_MATCHABLE_COLUMNS
                                       " FROM calls c WHERE c.update_time > $1"};

// ---- Applications. ----

#define COOPNET_APPLICATION_COLUMNS \
  "a.id, a.document, a.state, a.revision, a.create_time, a.update_time"

const pg::Statement kInsertApplication{
    "INSERT INTO applications (id, call_id, funder, lead, participants, state, document,"
    " create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $8)"};
const pg::Statement kSelectApplication{"SELECT " COOPNET_APPLICATION_COLUMNS
                                       " FROM applications a WHERE a.id = $1"};
const pg::Statement kLockApplication{"SELECT " COOPNET_APPLICATION_COLUMNS
                                     " FROM applications a WHERE a.id = $1 FOR UPDATE"};
const pg::Statement kUpdateApplication{
    "UPDATE applications SET participants = $2::text[], state = $3, document = $4,"
    " revision = revision + 1, update_time = $5 WHERE id = $1"};
const pg::Statement kListApplications{
    "SELECT " COOPNET_APPLICATION_COLUMNS
    " FROM applications a"
    " WHERE a.id > $1"
    "   AND ($2 = '' OR a.call_id = $2)"
    "   AND ($3 = '' OR a.participants @> ARRAY[$3::text])"
    "   AND (cardinality($4::text[]) = 0 OR a.state = ANY($4::text[]))"
    "   AND ($5::boolean OR a.participants @> ARRAY[$6::text]"
    "        OR (a.funder = $6 AND a.state <> 'DRAFT'))"
    " ORDER BY a.id LIMIT $7"};

// ---- Awards. ----

#define COOPNET_AWARD_COLUMNS "w.id, w.document, w.revision, w.create_time, w.update_time"

const pg::Statement kInsertAward{
    "INSERT INTO awards (id, funder, recipient, programme_id, call_id, application_id,"
    " currency, amount, award_date, document, create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9::date, $10, $11, $11)"};
const pg::Statement kSelectAward{"SELECT " COOPNET_AWARD_COLUMNS " FROM awards w WHERE w.id = $1"};
const pg::Statement kLockAward{"SELECT " COOPNET_AWARD_COLUMNS
                               " FROM awards w WHERE w.id = $1 FOR UPDATE"};
const pg::Statement kUpdateAward{
    "UPDATE awards SET award_date = $2::date, document = $3, revision = revision + 1,"
    " update_time = $4 WHERE id = $1"};
#define COOPNET_AWARD_FILTERS                                             \
  " ($1 = '' OR w.funder = $1) AND ($2 = '' OR w.recipient = $2)"         \
  " AND ($3 = '' OR w.programme_id = $3) AND ($4 = '' OR w.call_id = $4)" \
  " AND ($5::date IS NULL OR w.award_date >= $5::date)"                   \
  " AND ($6::date IS NULL OR w.award_date <= $6::date)"
const pg::Statement kListAwards{"SELECT " COOPNET_AWARD_COLUMNS
                                " FROM awards w WHERE" COOPNET_AWARD_FILTERS
                                " AND w.id > $7 ORDER BY w.id LIMIT $8"};
const pg::Statement kAwardTotals{
    "SELECT w.currency, sum(w.amount)::text"
    " FROM awards w WHERE" COOPNET_AWARD_FILTERS " GROUP BY w.currency ORDER BY w.currency"};

// ---- Reading and writing rows. ----

std::optional<std::string> OptionalId(absl::string_view name) {
  if (name.empty()) return std::nullopt;
  return resource::IdOf(name);
}

std::string DateText(const google::type::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

absl::Status Parse(const pg::Result& r, int row, int column, google::protobuf::Message& message) {
  if (!message.ParseFromString(r.GetBytes(row, column))) {
    return absl::InternalError("stored document unreadable");
  }
  return absl::OkStatus();
}

// Fills the output fields every resource has from columns revision, create_time,
// update_time at `first`.
template <typename Message>
void Stamp(const pg::Result& r, int row, int first, Message& m) {
  m.set_etag(resource::Etag(r.GetInt64(row, first)));
  *m.mutable_create_time() = ToTimestamp(r.GetTime(row, first + 1));
  *m.mutable_update_time() = ToTimestamp(r.GetTime(row, first + 2));
}

// What `document` keeps: everything but the output fields every resource has.
template <typename Message>
Message Document(const Message& m) {
  Message document = m;
  document.clear_name();
  document.clear_etag();
  document.clear_create_time();
  document.clear_update_time();
  return document;
}

absl::Status NotFound(absl::string_view reason, absl::string_view collection,
                      absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, reason,
                       absl::StrCat(resource::Name(collection, id), " does not exist"));
}

absl::Status StaleEtag(absl::string_view what, int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: the ", what, " is now at ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

absl::Status CheckRevision(absl::string_view what, std::optional<int64_t> expected,
                           int64_t current) {
  if (expected && *expected != current) return StaleEtag(what, *expected, current);
  return absl::OkStatus();
}

absl::StatusOr<Programme> ReadProgramme(const pg::Result& r, int row) {
  Programme p;
  COOPNET_RETURN_IF_ERROR(Parse(r, row, 1, p));
  p.set_name(resource::Name(kProgrammes, r.GetString(row, 0)));
  Stamp(r, row, 2, p);
  return p;
}

absl::StatusOr<Call> ReadCall(const pg::Result& r, int row) {
  Call c;
  COOPNET_RETURN_IF_ERROR(Parse(r, row, 1, c));
  COOPNET_RETURN_IF_ERROR(Parse(r, row, 2, *c.mutable_eligibility()));
  c.set_name(resource::Name(kCalls, r.GetString(row, 0)));
  c.set_funder(r.GetString(row, 3));
  Programme::Level level;
  if (Programme::Level_Parse(r.GetString(row, 4), &level)) c.set_level(level);
  if (!r.IsNull(row, 5)) *c.mutable_publish_time() = ToTimestamp(r.GetTime(row, 5));
  Stamp(r, row, 6, c);
  return c;
}

absl::StatusOr<Application> ReadApplication(const pg::Result& r, int row) {
  Application a;
  COOPNET_RETURN_IF_ERROR(Parse(r, row, 1, a));
  a.set_name(resource::Name(kApplications, r.GetString(row, 0)));
  Application::State state;
  if (Application::State_Parse(r.GetString(row, 2), &state)) a.set_state(state);
  ActivateUnsettled(a);
  Stamp(r, row, 3, a);
  return a;
}

absl::StatusOr<Award> ReadAward(const pg::Result& r, int row) {
  Award w;
  COOPNET_RETURN_IF_ERROR(Parse(r, row, 1, w));
  w.set_name(resource::Name(kAwards, r.GetString(row, 0)));
  Stamp(r, row, 2, w);
  return w;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ReadAll(const pg::Result& r,
                                             absl::StatusOr<Message> (*read)(const pg::Result&,
                                                                             int)) {
  std::vector<Message> out;
  out.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Message m, read(r, row));
    out.push_back(std::move(m));
  }
  return out;
}

// The columns a call is filtered by (ListCalls) and read from, from the call.
struct CallColumns {
  std::vector<std::string> themes = {"*"};
  std::string eligibility;
  std::string document;
};

CallColumns ColumnsOf(const Call& call) {
  CallColumns c;
  const v1::Eligibility& e = call.eligibility();
  if (!e.themes().empty()) c.themes.assign(e.themes().begin(), e.themes().end());
  c.eligibility = e.SerializeAsString();
  Call document = Document(call);
  document.clear_funder();
  document.clear_level();
  document.clear_state();
  document.clear_publish_time();
  document.clear_eligibility();
  c.document = document.SerializeAsString();
  return c;
}

std::vector<std::string> Participants(const Application& a) {
  std::vector<std::string> names;
  for (const auto& p : a.participants()) names.push_back(p.organisation());
  return names;
}

Application ApplicationDocument(const Application& a) {
  Application document = Document(a);
  document.clear_state();
  return document;
}

// Inserts `award` under a new id inside `tx` and announces it; the award as stored.
absl::StatusOr<Award> InsertAward(pg::Transaction& tx, absl::string_view stream,
                                  const Award& award) {
  const std::string id = resource::NewId();
  COOPNET_RETURN_IF_ERROR(tx.Exec(kInsertAward, id, award.funder(), award.recipient(),
                                  resource::IdOf(award.programme()), OptionalId(award.call()),
                                  OptionalId(award.application()), award.amount().currency_code(),
                                  Decimal(award.amount()), DateText(award.award_date()),
                                  pg::Bytes(Document(award).SerializeAsString()), NowMicros())
                              .status());
  COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectAward, id));
  COOPNET_ASSIGN_OR_RETURN(Award stored, ReadAward(row, 0));
  v1::AwardGranted granted;
  *granted.mutable_award() = stored;
  COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream, granted));
  return stored;
}

}  // namespace

FundingStore::FundingStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

// ---- Programmes. ----

absl::StatusOr<Programme> FundingStore::CreateProgramme(const Programme& programme,
                                                        const std::optional<RequestKey>& key) {
  Programme created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kInsertProgramme, id, programme.funder(),
                  Programme::Level_Name(programme.level()),
                  std::vector<std::string>(programme.themes().begin(), programme.themes().end()),
                  pg::Bytes(Document(programme).SerializeAsString()), NowMicros())
              .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectProgramme, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadProgramme(row, 0));
      return absl::OkStatus();
    });
  }));
  return created;
}

absl::StatusOr<Programme> FundingStore::GetProgramme(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectProgramme, id));
  if (r.rows() == 0) return NotFound("PROGRAMME_NOT_FOUND", kProgrammes, id);
  return ReadProgramme(r, 0);
}

absl::StatusOr<std::vector<Programme>> FundingStore::ListProgrammes(const ProgrammeQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kListProgrammes, q.after_id, q.funder, q.levels,
                                                    q.themes, static_cast<int32_t>(q.limit)));
  return ReadAll<Programme>(r, &ReadProgramme);
}

absl::StatusOr<Programme> FundingStore::UpdateProgramme(
    absl::string_view id, std::optional<int64_t> expected_revision,
    const std::function<absl::StatusOr<Programme>(const Programme&)>& change) {
  Programme updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kLockProgramme, id));
    if (row.rows() == 0) return NotFound("PROGRAMME_NOT_FOUND", kProgrammes, id);
    COOPNET_RETURN_IF_ERROR(CheckRevision("programme", expected_revision, row.GetInt64(0, 2)));
    COOPNET_ASSIGN_OR_RETURN(Programme stored, ReadProgramme(row, 0));
    COOPNET_ASSIGN_OR_RETURN(Programme changed, change(stored));
    COOPNET_RETURN_IF_ERROR(
        tx.Exec(kUpdateProgramme, id,
                std::vector<std::string>(changed.themes().begin(), changed.themes().end()),
                pg::Bytes(Document(changed).SerializeAsString()), NowMicros())
            .status());
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectProgramme, id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadProgramme(reread, 0));
    return absl::OkStatus();
  }));
  return updated;
}

// ---- Calls. ----

absl::StatusOr<Call> FundingStore::CreateCall(const Call& call,
                                              const std::optional<RequestKey>& key) {
  Call created;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      const CallColumns c = ColumnsOf(call);
      COOPNET_RETURN_IF_ERROR(tx.Exec(kInsertCall, id, resource::IdOf(call.programme()),
                                      call.funder(), Programme::Level_Name(call.level()),
                                      call.identifier(), Call::Kind_Name(call.kind()),
                                      ToTime(call.open_time()), ToTime(call.deadline()),
                                      call.total_budget().currency_code(), c.themes,
                                      pg::Bytes(c.eligibility), pg::Bytes(c.document), NowMicros())
                                  .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectCall, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadCall(row, 0));
      return absl::OkStatus();
    });
  });
  if (s.code() == absl::StatusCode::kAlreadyExists && pg::ConstraintOf(s).has_value()) {
    return status::Error(
        absl::StatusCode::kAlreadyExists, "CALL_IDENTIFIER_TAKEN",
        absl::StrCat(call.programme(), " already has a call with identifier ", call.identifier()));
  }
  if (!s.ok()) return s;
  return created;
}

absl::StatusOr<Call> FundingStore::GetCall(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectCall, id));
  if (r.rows() == 0) return NotFound("CALL_NOT_FOUND", kCalls, id);
  return ReadCall(r, 0);
}

absl::StatusOr<std::vector<Call>> FundingStore::GetCalls(const std::vector<std::string>& ids) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectCalls, ids));
  COOPNET_ASSIGN_OR_RETURN(std::vector<Call> found, ReadAll<Call>(r, &ReadCall));
  std::vector<Call> ordered;
  ordered.reserve(found.size());
  for (const std::string& id : ids) {
    const std::string name = resource::Name(kCalls, id);
    for (Call& call : found) {
      if (call.name() == name) ordered.push_back(std::move(call));
    }
  }
  return ordered;
}

absl::StatusOr<std::vector<Call>> FundingStore::ListCalls(const CallQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r,
      pool_.Exec(kListCalls, q.after_deadline, q.after_id, q.programme_id, q.funder, q.kinds,
                 q.levels, q.themes, q.states, q.now, q.viewer_sees_everything,
                 q.viewer_organisation, static_cast<int32_t>(q.limit)));
  return ReadAll<Call>(r, &ReadCall);
}

namespace {

absl::StatusOr<std::vector<MatchableCall>> ReadMatchable(const pg::Result& r) {
  auto micros = [](int64_t us, google::protobuf::Timestamp& t) {
    t.set_seconds(us / 1000000);
    t.set_nanos(static_cast<int32_t>(us % 1000000) * 1000);
  };
  std::vector<MatchableCall> calls(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    MatchableCall& matchable = calls[row];
    Call& c = matchable.call;
    c.set_name(resource::Name(kCalls, r.GetStringView(row, 0)));
    Call::Kind kind;
    if (Call::Kind_Parse(r.GetString(row, 1), &kind)) c.set_kind(kind);
    Programme::Level level;
    if (Programme::Level_Parse(r.GetString(row, 2), &level)) c.set_level(level);
    micros(r.GetInt64(row, 3), *c.mutable_open_time());
    micros(r.GetInt64(row, 4), *c.mutable_deadline());
    COOPNET_RETURN_IF_ERROR(Parse(r, row, 5, *c.mutable_eligibility()));
    // Whether it is published is what judging needs, not when.
    if (r.GetBool(row, 6)) c.mutable_publish_time()->set_seconds(1);
    matchable.revision = r.GetInt64(row, 7);
  }
  return calls;
}

}  // namespace

absl::StatusOr<std::vector<MatchableCall>> FundingStore::OpenCallsAt(absl::Time now) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kOpenCalls, now));
  return ReadMatchable(r);
}

absl::StatusOr<std::vector<MatchableCall>> FundingStore::CallsWrittenSince(absl::Time since) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kCallsWrittenSince, since));
  return ReadMatchable(r);
}

absl::StatusOr<Call> FundingStore::EditCall(absl::string_view id,
                                            std::optional<int64_t> expected_revision,
                                            const std::optional<RequestKey>& key,
                                            const CallEdit& edit) {
  Call result;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, result, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kLockCall, id));
      if (row.rows() == 0) return NotFound("CALL_NOT_FOUND", kCalls, id);
      COOPNET_RETURN_IF_ERROR(CheckRevision("call", expected_revision, row.GetInt64(0, 6)));
      COOPNET_ASSIGN_OR_RETURN(Call stored, ReadCall(row, 0));
      COOPNET_ASSIGN_OR_RETURN(Call changed, edit.apply(stored));
      if (MessageDifferencer::Equals(changed, stored)) {
        result = std::move(stored);
        return absl::OkStatus();
      }
      const CallColumns c = ColumnsOf(changed);
      std::optional<absl::Time> published;
      if (changed.has_publish_time()) published = ToTime(changed.publish_time());
      COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdateCall, id, changed.identifier(),
                                      Call::Kind_Name(changed.kind()), published,
                                      ToTime(changed.open_time()), ToTime(changed.deadline()),
                                      changed.total_budget().currency_code(), c.themes,
                                      pg::Bytes(c.eligibility), pg::Bytes(c.document), NowMicros())
                                  .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectCall, id));
      COOPNET_ASSIGN_OR_RETURN(result, ReadCall(reread, 0));
      if (edit.announce) {
        if (Announcement announcement = edit.announce(stored, result)) {
          COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream_, *announcement));
        }
      }
      return absl::OkStatus();
    });
  }));
  return result;
}

// ---- Applications. ----

absl::StatusOr<Application> FundingStore::CreateApplication(
    const Application& application, absl::string_view funder, const std::optional<RequestKey>& key,
    const std::function<Announcement(const Application& created)>& announce) {
  Application created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kInsertApplication, id, resource::IdOf(application.call()), funder,
                  LeadOf(application), Participants(application),
                  Application::State_Name(Application::DRAFT),
                  pg::Bytes(ApplicationDocument(application).SerializeAsString()), NowMicros())
              .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectApplication, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadApplication(row, 0));
      if (Announcement announcement = announce ? announce(created) : nullptr) {
        COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream_, *announcement));
      }
      return absl::OkStatus();
    });
  }));
  return created;
}

absl::StatusOr<Application> FundingStore::GetApplication(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectApplication, id));
  if (r.rows() == 0) return NotFound("APPLICATION_NOT_FOUND", kApplications, id);
  return ReadApplication(r, 0);
}

absl::StatusOr<std::vector<Application>> FundingStore::ListApplications(const ApplicationQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r,
      pool_.Exec(kListApplications, q.after_id, q.call_id, q.participant, q.states,
                 q.viewer_sees_everything, q.viewer_organisation, static_cast<int32_t>(q.limit)));
  return ReadAll<Application>(r, &ReadApplication);
}

absl::StatusOr<Application> FundingStore::EditApplication(absl::string_view id,
                                                          std::optional<int64_t> expected_revision,
                                                          const std::optional<RequestKey>& key,
                                                          const ApplicationEdit& edit) {
  Application result;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, result, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kLockApplication, id));
      if (row.rows() == 0) return NotFound("APPLICATION_NOT_FOUND", kApplications, id);
      COOPNET_RETURN_IF_ERROR(CheckRevision("application", expected_revision, row.GetInt64(0, 3)));
      COOPNET_ASSIGN_OR_RETURN(Application stored, ReadApplication(row, 0));
      COOPNET_ASSIGN_OR_RETURN(Application changed, edit.apply(stored));
      if (MessageDifferencer::Equals(changed, stored)) {
        result = std::move(stored);
        return absl::OkStatus();
      }
      if (edit.award) {
        if (std::optional<Award> award = edit.award(changed)) {
          award->set_application(resource::Name(kApplications, id));
          COOPNET_ASSIGN_OR_RETURN(Award made, InsertAward(tx, stream_, *award));
          changed.set_award(made.name());
        }
      }
      COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdateApplication, id, Participants(changed),
                                      Application::State_Name(changed.state()),
                                      pg::Bytes(ApplicationDocument(changed).SerializeAsString()),
                                      NowMicros())
                                  .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectApplication, id));
      COOPNET_ASSIGN_OR_RETURN(result, ReadApplication(reread, 0));
      if (edit.announce) {
        if (Announcement announcement = edit.announce(stored, result)) {
          COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream_, *announcement));
        }
      }
      return absl::OkStatus();
    });
  }));
  return result;
}

// ---- Awards. ----

absl::StatusOr<Award> FundingStore::CreateAward(const Award& award,
                                                const std::optional<RequestKey>& key) {
  Award created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(created, InsertAward(tx, stream_, award));
      return absl::OkStatus();
    });
  }));
  return created;
}

absl::StatusOr<Award> FundingStore::GetAward(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectAward, id));
  if (r.rows() == 0) return NotFound("AWARD_NOT_FOUND", kAwards, id);
  return ReadAward(r, 0);
}

absl::StatusOr<std::vector<Award>> FundingStore::ListAwards(const AwardQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kListAwards, q.funder, q.recipient, q.programme_id, q.call_id,
                               q.from_date, q.to_date, q.after_id, static_cast<int32_t>(q.limit)));
  return ReadAll<Award>(r, &ReadAward);
}

absl::StatusOr<std::vector<google::type::Money>> FundingStore::AwardTotals(const AwardQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kAwardTotals, q.funder, q.recipient, q.programme_id, q.call_id,
                               q.from_date, q.to_date));
  std::vector<google::type::Money> totals;
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(google::type::Money total,
                             FromDecimal(r.GetString(row, 0), r.GetStringView(row, 1)));
    totals.push_back(std::move(total));
  }
  return totals;
}

absl::StatusOr<Award> FundingStore::UpdateAward(
    absl::string_view id, std::optional<int64_t> expected_revision,
    const std::function<absl::StatusOr<Award>(const Award&)>& change) {
  Award updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kLockAward, id));
    if (row.rows() == 0) return NotFound("AWARD_NOT_FOUND", kAwards, id);
    COOPNET_RETURN_IF_ERROR(CheckRevision("award", expected_revision, row.GetInt64(0, 2)));
    COOPNET_ASSIGN_OR_RETURN(Award stored, ReadAward(row, 0));
    COOPNET_ASSIGN_OR_RETURN(Award changed, change(stored));
    COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdateAward, id, DateText(changed.award_date()),
                                    pg::Bytes(Document(changed).SerializeAsString()), NowMicros())
                                .status());
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectAward, id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadAward(reread, 0));
    return absl::OkStatus();
  }));
  return updated;
}

}  // namespace coopnet::funding
