#include "services/registrations/registration_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/outbox/outbox.h"
#include "common/pg/errors.h"
#include "common/pg/text_format.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/registrations/registration_rows.h"

namespace coopnet::registrations {
namespace {

using organisations::v1::Organisation;

// The policy and seat ledger of an event, as ReadPolicy reads them.
#define COOPNET_LEDGER_COLUMNS                                                             \
  "policy, revision, event_cancelled, pool_seats, pool_confirmed,"                         \
  " waitlisted_participants, waitlisted_registrations, next_waitlist_number, create_time," \
  " update_time"
constexpr int kLedgerColumns = 10;

const pg::Statement kSelectLedger{"SELECT " COOPNET_LEDGER_COLUMNS
                                  " FROM event_ledgers WHERE event_id = $1"};

// Every change of seats starts here: the row is the event's seat ledger.
const pg::Statement kLockLedger{"SELECT " COOPNET_LEDGER_COLUMNS
                                " FROM event_ledgers WHERE event_id = $1 FOR UPDATE"};

const pg::Statement kInsertLedger{
    "INSERT INTO event_ledgers (event_id, policy, organisers, event_end_time, retention_seconds,"
    " pool_seats, pool_confirmed, create_time, update_time)"
    " VALUES ($1, $2, $3::text[], $4, $5, $6::int[], $7::int[], $8, $8)"};

const pg::Statement kUpdatePolicy{
    "UPDATE event_ledgers SET policy = $2, revision = revision + 1, organisers = $3::text[],"
    " event_end_time = $4, retention_seconds = $5, pool_seats = $6::int[],"
    " pool_confirmed = $7::int[], waitlisted_participants = $8, waitlisted_registrations = $9,"
    " update_time = $10"
    " WHERE event_id = $1"};

const pg::Statement kWriteSeats{
    "UPDATE event_ledgers SET pool_confirmed = $2::int[], waitlisted_participants = $3,"
    " waitlisted_registrations = $4, next_waitlist_number = $5"
    " WHERE event_id = $1"};

// The ledgers of a batch's events, locked in id order: two batches sharing events lock
// them in the same order and so never deadlock.
// The row's version (PostgreSQL's xmin, which every update of the row changes) comes
// last: snapshots of the ledger are good until it changes.
const pg::Statement kLockLedgers{"SELECT event_id, " COOPNET_LEDGER_COLUMNS
                                 ", xmin::text"
                                 " FROM event_ledgers WHERE event_id = ANY($1::text[])"
                                 " ORDER BY event_id FOR UPDATE"};

// The live e-mails among $2 of the events $1 (a superset of the pairs asked about, which
// the caller picks out): read under the ledgers' locks, which every registration of an
// event takes before it inserts participants. Arrays rather than a join with unnest, so
// that the plan stays an index scan however large the table grows.
const pg::Statement kTakenEmails{
    "SELECT event_id, email_key FROM participants"
    " WHERE live AND event_id = ANY($1::text[]) AND email_key = ANY($2::text[])"};

// The rows a batch adds: its registrations (columns $2..$12 after the creation time $1),
// their participants ($13..$21) and its domain events ($22 stream, $23 types, $24
// payloads). Bytes travel as hex text. (The outbox rows are those outbox::Append writes,
// in one statement for the whole batch.)
#define COOPNET_ADMITTED_ROWS                                                                \
  " new_registrations AS ("                                                                  \
  "  INSERT INTO registrations (event_id, id, state, pool, participant_count,"               \
  "    waitlist_number, organisation, organisation_key, organisation_kind,"                  \
  "    organisation_country, document, create_time, update_time)"                            \
  "  SELECT a.event_id, a.id, a.state, a.pool, a.size, nullif(a.number, 0), a.organisation," \
  "    a.organisation_key, a.kind, a.country, decode(a.document, 'hex'), $1, $1"             \
  "  FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::bigint[],"    \
  "    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])"                       \
  "    AS a(event_id, id, state, pool, size, number, organisation, organisation_key, kind,"  \
  "      country, document)),"                                                               \
  " new_participants AS ("                                                                   \
  "  INSERT INTO participants (event_id, registration_id, position, given_name,"             \
  "    family_name, email, email_key, job_title, preferred_language, live)"                  \
  "  SELECT p.event_id, p.registration_id, p.position, p.given_name, p.family_name,"         \
  "    p.email, p.email_key, p.job_title, p.preferred_language, true"                        \
  "  FROM unnest($13::text[], $14::text[], $15::int[], $16::text[], $17::text[],"            \
  "    $18::text[], $19::text[], $20::text[], $21::text[])"                                  \
  "    AS p(event_id, registration_id, position, given_name, family_name, email,"            \
  "      email_key, job_title, preferred_language)),"                                        \
  " announced AS ("                                                                          \
  "  INSERT INTO outbox (stream, type, payload)"                                             \
  "  SELECT $22, o.type, decode(o.payload, 'hex')"                                           \
  "  FROM unnest($23::text[], $24::text[]) WITH ORDINALITY AS o(type, payload, n)"           \
  "  ORDER BY o.n)"

// The ledgers after a batch ($25 events, $26 confirmed seats as array literals, $27..$29
// the waitlist counts), each row's new version returned.
#define COOPNET_UPDATE_LEDGERS(condition)                                                      \
  " UPDATE event_ledgers l SET pool_confirmed = u.confirmed::int[],"                           \
  "  waitlisted_participants = u.waitlisted_participants,"                                     \
  "  waitlisted_registrations = u.waitlisted_registrations,"                                   \
  "  next_waitlist_number = u.next_waitlist_number"                                            \
  " FROM unnest($25::text[], $26::text[], $27::int[], $28::int[], $29::bigint[], $30::text[])" \
  "   AS u(event_id, confirmed, waitlisted_participants, waitlisted_registrations,"            \
  "     next_waitlist_number, version)"                                                        \
  " WHERE l.event_id = u.event_id" condition " RETURNING l.event_id, l.xmin::text AS version"

// A batch's rows and its ledgers after it, under the ledgers' locks, in one round trip.
const pg::Statement kInsertAdmitted{"WITH" COOPNET_ADMITTED_ROWS COOPNET_UPDATE_LEDGERS("")};

// The same for a batch decided on snapshots of its ledgers ($30 their versions), in
// autocommit: each ledger row changes only if it is still at its snapshot's version, and
// unless every one of them does the statement fails (serialization_failure) and nothing
// is written. The last SELECT has no FROM, so that the check runs even when no ledger row
// changed. The ledgers' new versions, as arrays.
const pg::Statement kAdmitOnVersions{absl::StrCat(
    "WITH ledgers AS (", COOPNET_UPDATE_LEDGERS(" AND l.xmin = u.version::xid"), "),",
    COOPNET_ADMITTED_ROWS,
    " SELECT registrations_require_unchanged("
    "   (SELECT count(*) FROM ledgers) = cardinality($25::text[])),"
    "  (SELECT array_agg(event_id) FROM ledgers), (SELECT array_agg(version) FROM ledgers)")};

const pg::Statement kSelectRegistration{"SELECT " COOPNET_REGISTRATION_COLUMNS
                                        " FROM registrations r" COOPNET_REGISTRATION_PARTICIPANTS
                                        " WHERE r.event_id = $1 AND r.id = $2"};

// With the seat pool, group size and line number an edit needs.
const pg::Statement kSelectRegistrationForEdit{
    "SELECT " COOPNET_REGISTRATION_COLUMNS
    ", r.pool, r.participant_count, coalesce(r.waitlist_number, 0)"
    " FROM registrations r" COOPNET_REGISTRATION_PARTICIPANTS
    " WHERE r.event_id = $1 AND r.id = $2 FOR UPDATE OF r"};

const pg::Statement kSelectRegistrations{"SELECT " COOPNET_REGISTRATION_COLUMNS
                                         " FROM registrations r" COOPNET_REGISTRATION_PARTICIPANTS
                                         " WHERE r.event_id = $1 AND r.id = ANY($2::text[])"
                                         " ORDER BY r.id"};

const pg::Statement kListRegistrations{
    "SELECT " COOPNET_REGISTRATION_COLUMNS " FROM registrations r" COOPNET_REGISTRATION_PARTICIPANTS
    " WHERE r.event_id = $1 AND r.id > $2"
    "   AND (cardinality($3::text[]) = 0 OR r.state = ANY($3::text[]))"
    "   AND ($4 = '' OR r.organisation = $4)"
    " ORDER BY r.id LIMIT $5"};

const pg::Statement kListOrganisationRegistrations{
    "SELECT " COOPNET_REGISTRATION_COLUMNS " FROM registrations r" COOPNET_REGISTRATION_PARTICIPANTS
    " WHERE r.organisation = $1 AND r.organisation <> '' AND (r.id, r.event_id) > ($2, $3)"
    "   AND (cardinality($4::text[]) = 0 OR r.state = ANY($4::text[]))"
    " ORDER BY r.id, r.event_id LIMIT $5"};

const pg::Statement kUpdateRegistration{
    "UPDATE registrations SET state = $3, waitlist_number = nullif($4::bigint, 0), reason = $5,"
    " document = $6, revision = revision + 1, update_time = $7"
    " WHERE event_id = $1 AND id = $2"};

const pg::Statement kSetLive{
    "UPDATE participants SET live = $3 WHERE event_id = $1 AND registration_id = $2"};

const pg::Statement kCheckIn{
    "UPDATE participants SET check_in_time = coalesce(check_in_time, $4)"
    " WHERE event_id = $1 AND registration_id = $2 AND position = ANY($3::int[])"};

// The line, oldest first.
const pg::Statement kWaitlist{
    "SELECT id, pool, participant_count FROM registrations"
    " WHERE event_id = $1 AND state = 'WAITLISTED' ORDER BY waitlist_number"};

const pg::Statement kConfirmPromoted{
    "UPDATE registrations SET state = 'CONFIRMED', waitlist_number = NULL,"
    " revision = revision + 1, update_time = $3"
    " WHERE event_id = $1 AND id = ANY($2::text[])"};

// The kind seats are counted by: none for a free-text organisation's while $2 (the
// policy ignores self-declared kinds), as PoolOf(policy, registration) has it.
const pg::Statement kConfirmedByKind{
    "SELECT CASE WHEN $2::bool AND organisation = '' THEN 'KIND_UNSPECIFIED'"
    "   ELSE organisation_kind END, sum(participant_count) FROM registrations"
    " WHERE event_id = $1 AND state = 'CONFIRMED' GROUP BY 1"};

// A policy's quotas (and whether it ignores self-declared kinds, $4) change which pool
// a registration takes seats from.
const pg::Statement kRepool{
    "UPDATE registrations r SET pool = CASE WHEN $4::bool AND r.organisation = '' THEN 0"
    "   ELSE coalesce((SELECT m.pool FROM unnest($2::text[], $3::int[]) AS m(kind, pool)"
    "     WHERE m.kind = r.organisation_kind), 0) END"
    " WHERE r.event_id = $1 AND r.state IN ('CONFIRMED', 'WAITLISTED', 'PENDING_APPROVAL')"};

const pg::Statement kStateCounts{
    "SELECT state, count(*), sum(participant_count) FROM registrations"
    " WHERE event_id = $1 GROUP BY state ORDER BY state"};

const pg::Statement kKindCounts{
    "SELECT r.organisation_kind, count(*), count(DISTINCT r.organisation_key),"
    " count(q.check_in_time)"
    " FROM registrations r JOIN participants q"
    "   ON q.event_id = r.event_id AND q.registration_id = r.id"
    " WHERE r.event_id = $1 AND r.state = 'CONFIRMED'"
    " GROUP BY r.organisation_kind ORDER BY 2 DESC, 1"};

const pg::Statement kCountryCounts{
    "SELECT r.organisation_country, count(*), count(DISTINCT r.organisation_key),"
    " count(q.check_in_time)"
    " FROM registrations r JOIN participants q"
    "   ON q.event_id = r.event_id AND q.registration_id = r.id"
    " WHERE r.event_id = $1 AND r.state = 'CONFIRMED'"
    " GROUP BY r.organisation_country ORDER BY 2 DESC, 1"};

const pg::Statement kMarkHandled{
    "INSERT INTO handled_event_changes (change_id) VALUES ($1) ON CONFLICT DO NOTHING"};

const pg::Statement kCancelLive{
    "WITH cancelled AS ("
    "  UPDATE registrations SET state = 'CANCELLED', waitlist_number = NULL, reason = $2,"
    "    revision = revision + 1, update_time = $3"
    "  WHERE event_id = $1 AND state IN ('PENDING_APPROVAL', 'CONFIRMED', 'WAITLISTED')"
    "  RETURNING id),"
    " released AS ("
    "  UPDATE participants SET live = false"
    "  WHERE event_id = $1 AND registration_id IN (SELECT id FROM cancelled))"
    " SELECT id FROM cancelled"};

const pg::Statement kEmptyLedger{
    "UPDATE event_ledgers SET event_cancelled = true,"
    " pool_confirmed = array_fill(0, ARRAY[cardinality(pool_seats)]),"
    " waitlisted_participants = 0, waitlisted_registrations = 0"
    " WHERE event_id = $1"};

const pg::Statement kMoveEnd{"UPDATE event_ledgers SET event_end_time = $2 WHERE event_id = $1"};

const pg::Statement kLiveRegistrations{
    "SELECT id FROM registrations"
    " WHERE event_id = $1 AND state IN ('PENDING_APPROVAL', 'CONFIRMED', 'WAITLISTED')"
    " ORDER BY id"};

const pg::Statement kSetOrganisers{
    "UPDATE event_ledgers SET organisers = $2::text[]"
    " WHERE event_id = $1 AND organisers <> $2::text[]"};

absl::Status PolicyNotFound(absl::string_view event_id) {
  return status::Error(
      absl::StatusCode::kNotFound, "POLICY_NOT_FOUND",
      absl::StrCat("events/", event_id,
                   " takes no registrations: its organiser has not set a registration policy"));
}

absl::Status RegistrationNotFound(absl::string_view event_id, absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "REGISTRATION_NOT_FOUND",
                       absl::StrCat(RegistrationName(event_id, id), " does not exist"));
}

absl::Status StaleEtag(int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: it is now ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

std::vector<int32_t> Ints(const std::vector<int>& values) {
  return std::vector<int32_t>(values.begin(), values.end());
}

// The policy and ledger of `event_id` from COOPNET_LEDGER_COLUMNS starting at `column`
// of `row`.
absl::StatusOr<PolicyRecord> ReadPolicy(const pg::Result& r, int row, int column,
                                        absl::string_view event_id) {
  PolicyRecord record;
  if (!record.policy.ParseFromString(r.GetBytes(row, column))) {
    return absl::InternalError("stored policy unreadable");
  }
  record.policy.set_name(absl::StrCat("events/", event_id, "/registrationPolicy"));
  record.revision = r.GetInt64(row, column + 1);
  record.policy.set_etag(resource::Etag(record.revision));
  record.event_cancelled = r.GetBool(row, column + 2);
  for (int32_t seats : r.GetInt32Array(row, column + 3)) record.ledger.seats.push_back(seats);
  for (int32_t confirmed : r.GetInt32Array(row, column + 4)) {
    record.ledger.confirmed.push_back(confirmed);
  }
  record.ledger.waitlisted_participants = r.GetInt32(row, column + 5);
  record.ledger.waitlisted_registrations = r.GetInt32(row, column + 6);
  record.ledger.next_waitlist_number = r.GetInt64(row, column + 7);
  *record.policy.mutable_create_time() = ToTimestamp(r.GetTime(row, column + 8));
  *record.policy.mutable_update_time() = ToTimestamp(r.GetTime(row, column + 9));
  *record.policy.mutable_seats() = SummaryOf(record.policy, record.ledger);
  return record;
}

// The ledger row of `event_id`, locked; NOT_FOUND (POLICY_NOT_FOUND) when there is none.
absl::StatusOr<PolicyRecord> LockLedger(pg::Transaction& tx, absl::string_view event_id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kLockLedger, event_id));
  if (r.rows() == 0) return PolicyNotFound(event_id);
  return ReadPolicy(r, 0, 0, event_id);
}

absl::Status WriteSeats(pg::Transaction& tx, absl::string_view event_id, const Ledger& ledger) {
  return tx
      .Exec(kWriteSeats, event_id, Ints(ledger.confirmed), ledger.waitlisted_participants,
            ledger.waitlisted_registrations, ledger.next_waitlist_number)
      .status();
}

// Records in `tx` the domain event `domain_event` makes of each of `registrations`, if
// any.
absl::Status Announce(
    pg::Transaction& tx, absl::string_view stream, const std::vector<Registration>& registrations,
    const std::function<std::unique_ptr<google::protobuf::Message>(const Registration&)>&
        domain_event) {
  for (const Registration& registration : registrations) {
    if (std::unique_ptr<google::protobuf::Message> message = domain_event(registration)) {
      COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream, *message));
    }
  }
  return absl::OkStatus();
}

// Domain events carry no personal data: they stay in the outbox and the stream after an
// erasure, so a consumer reads the registration for who its participants are.
template <typename DomainEvent>
std::unique_ptr<google::protobuf::Message> About(const Registration& registration) {
  auto message = std::make_unique<DomainEvent>();
  *message->mutable_registration() = registration;
  Anonymise(*message->mutable_registration());
  return message;
}

// The domain event announcing that a registration reached its state.
std::unique_ptr<google::protobuf::Message> Reached(const Registration& registration) {
  switch (registration.state()) {
    case Registration::PENDING_APPROVAL:
      return About<v1::RegistrationPendingApproval>(registration);
    case Registration::REJECTED:
      return About<v1::RegistrationRejected>(registration);
    case Registration::CONFIRMED:
      return About<v1::RegistrationConfirmed>(registration);
    case Registration::WAITLISTED:
      return About<v1::RegistrationWaitlisted>(registration);
    case Registration::CANCELLED:
      return About<v1::RegistrationCancelled>(registration);
    default:
      return nullptr;
  }
}

absl::StatusOr<std::vector<Registration>> SelectRegistrations(pg::Transaction& tx,
                                                              absl::string_view event_id,
                                                              const std::vector<std::string>& ids) {
  if (ids.empty()) return std::vector<Registration>();
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kSelectRegistrations, event_id, ids));
  return ReadRegistrations(r);
}

// Promotes the waitlisted registrations that fit the seats `ledger` has free (in line
// order), writing them and announcing each; `ledger` is left as after the promotions.
absl::Status PromoteWaiting(pg::Transaction& tx, absl::string_view stream,
                            absl::string_view event_id, Ledger& ledger) {
  if (ledger.waitlisted_registrations == 0) return absl::OkStatus();
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kWaitlist, event_id));
  std::vector<WaitingGroup> line;
  line.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    line.push_back({r.GetString(row, 0), r.GetInt32(row, 1), r.GetInt32(row, 2)});
  }
  const std::vector<std::string> promoted = Promote(ledger, line);
  if (promoted.empty()) return absl::OkStatus();
  COOPNET_RETURN_IF_ERROR(tx.Exec(kConfirmPromoted, event_id, promoted, NowMicros()).status());
  COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> registrations,
                           SelectRegistrations(tx, event_id, promoted));
  return Announce(tx, stream, registrations, About<v1::RegistrationPromoted>);
}

// Records the answer to `key`'s request without personal data, which erasure could not
// reach in the request log; Repeated gives the registration back as it is now.
absl::Status Remember(pg::Transaction& tx, const std::optional<request::RequestKey>& key,
                      Registration registration) {
  Anonymise(registration);
  return request::RecordResponse(tx, key, registration);
}

// What a repeated request returns: the registration the first one made, as it is now
// (cancelled since, or erased). Until it is written (made earlier in the same batch), the
// one Remember kept.
absl::StatusOr<std::optional<Registration>> Repeated(
    pg::Transaction& tx, const std::optional<request::RequestKey>& key) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier, request::ClaimRequest(tx, key));
  if (!earlier) return std::nullopt;
  Registration recorded;
  if (!recorded.ParseFromString(*earlier)) {
    return absl::InternalError("stored response unreadable");
  }
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", recorded.name(), "events", "registrations"));
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kSelectRegistration, ids.first, ids.second));
  if (r.rows() == 0) return recorded;
  return ReadRegistration(r, 0);
}

// Where the organisation of a registration counts as one in the statistics: its
// directory name, or its free-text name and country.
std::string OrganisationKey(const Registration& r) {
  if (!r.organisation().empty()) return r.organisation();
  return absl::StrCat(r.organisation_country(), ":", EmailKey(r.organisation_name()));
}

// The columns of a batch's admitted registrations, participants and domain events, as
// arrays for kInsertAdmitted.
struct AdmittedRows {
  absl::Time created;
  std::vector<std::string> events, ids, states, organisations, organisation_keys, kinds, countries,
      documents;
  std::vector<int32_t> pools, sizes;
  std::vector<int64_t> numbers;
  std::vector<std::string> person_events, person_registrations, given_names, family_names, emails,
      email_keys, job_titles, languages;
  std::vector<int32_t> positions;
  std::vector<std::string> types, payloads;

  void Add(absl::string_view event_id, absl::string_view id, const Registration& r, int pool,
           int64_t number) {
    events.emplace_back(event_id);
    ids.emplace_back(id);
    states.push_back(Registration::State_Name(r.state()));
    pools.push_back(pool);
    sizes.push_back(r.participants_size());
    numbers.push_back(number);
    organisations.push_back(r.organisation());
    organisation_keys.push_back(OrganisationKey(r));
    kinds.push_back(Organisation::Kind_Name(r.organisation_kind()));
    countries.push_back(r.organisation_country());
    documents.push_back(absl::BytesToHexString(DocumentOf(r).SerializeAsString()));
    for (int i = 0; i < r.participants_size(); ++i) {
      const v1::Participant& person = r.participants(i);
      person_events.emplace_back(event_id);
      person_registrations.emplace_back(id);
      positions.push_back(i + 1);
      given_names.push_back(person.given_name());
      family_names.push_back(person.family_name());
      emails.push_back(person.email());
      email_keys.push_back(EmailKey(person.email()));
      job_titles.push_back(person.job_title());
      languages.push_back(person.preferred_language());
    }
    if (std::unique_ptr<google::protobuf::Message> message = Reached(r)) {
      types.push_back(message->GetDescriptor()->full_name());
      payloads.push_back(absl::BytesToHexString(message->SerializeAsString()));
    }
  }
};

// What a batch knows of one event: its policy and the ledger as the batch changes it.
struct BatchEvent {
  PolicyRecord record;
  Ledger ledger;
  // The ledger row's version the batch started from, then the one it wrote.
  std::string version;
  std::set<std::string> taken_emails;
};

// One application decided under the ledger's lock: the registration it makes, or why not.
absl::StatusOr<Registration> Decide(const Application& application, const PolicyRecord& record,
                                    Ledger& ledger, std::set<std::string>& taken_emails,
                                    absl::Time now, int* pool, int64_t* number) {
  EventFacts event = application.event;
  if (record.event_cancelled) event.state = events::v1::Event::CANCELLED;
  COOPNET_RETURN_IF_ERROR(CheckOpen(record.policy, event, now));
  const Registration& r = application.registration;
  COOPNET_RETURN_IF_ERROR(CheckAgainstPolicy(record.policy, r));
  COOPNET_RETURN_IF_ERROR(CheckEmailsFree(r, taken_emails, event.name));
  *pool = PoolOf(record.policy, r);
  COOPNET_ASSIGN_OR_RETURN(
      Admission admission,
      Admit(record.policy, ledger, *pool, r.participants_size(), AwaitsApproval(record.policy, r)));
  for (const v1::Participant& person : r.participants())
    taken_emails.insert(EmailKey(person.email()));
  *number = admission.waitlist_number;
  Registration made = r;
  made.clear_manage_token();
  made.clear_reason();
  made.set_state(admission.state);
  made.set_waitlist_position(admission.waitlist_position);
  made.set_etag(resource::Etag(1));
  *made.mutable_create_time() = ToTimestamp(now);
  *made.mutable_update_time() = made.create_time();
  if (!made.consent().notice_version().empty()) {
    *made.mutable_consent()->mutable_consent_time() = made.create_time();
  } else {
    made.clear_consent();
  }
  for (int i = 0; i < made.participants_size(); ++i) {
    v1::Participant& person = *made.mutable_participants(i);
    person.set_id(absl::StrCat(i + 1));
    person.clear_check_in_time();
  }
  return made;
}

// Decides `applications` in order on the state of their events in `events` (whose
// ledgers change as applications are admitted); the registrations made go to `rows`.
// With `tx`, request keys are claimed in it and responses recorded; without, there must
// be none.
absl::Status DecideAll(pg::Transaction* tx, absl::Span<const Application* const> applications,
                       std::map<std::string, BatchEvent>& events, absl::Time now,
                       std::vector<absl::StatusOr<Registration>>& results, AdmittedRows& rows) {
  results.assign(applications.size(), absl::UnknownError("not decided"));
  rows = AdmittedRows();
  rows.created = now;
  for (size_t i = 0; i < applications.size(); ++i) {
    const Application& application = *applications[i];
    const auto event = events.find(application.event_id);
    if (event == events.end()) {
      results[i] = status::Error(
          absl::StatusCode::kFailedPrecondition, "REGISTRATION_NOT_OFFERED",
          absl::StrCat("events/", application.event_id,
                       " takes no registrations: its organiser has not set a registration "
                       "policy"));
      continue;
    }
    const bool keyed = tx != nullptr && application.key.has_value();
    if (tx != nullptr && !keyed) tx->MarkUnclaimedWrite();
    if (keyed) {
      // A refusal must roll back this request's claim alone: only successes are
      // remembered, and the other applications go on.
      COOPNET_RETURN_IF_ERROR(tx->ExecScript("SAVEPOINT application"));
      absl::StatusOr<std::optional<Registration>> earlier = Repeated(*tx, application.key);
      if (!earlier.ok()) {
        // A database error aborted the transaction; a reused id did not.
        if (pg::SqlStateOf(earlier.status()).has_value()) return earlier.status();
        results[i] = earlier.status();
        continue;
      }
      if (*earlier) {
        results[i] = **earlier;
        // Made by an earlier application of this batch: not written yet.
        for (size_t j = 0; j < i; ++j) {
          if (results[j].ok() && results[j]->name() == (*earlier)->name()) results[i] = results[j];
        }
        continue;
      }
    }
    BatchEvent& batch_event = event->second;
    int pool = 0;
    int64_t number = 0;
    absl::StatusOr<Registration> made = Decide(application, batch_event.record, batch_event.ledger,
                                               batch_event.taken_emails, now, &pool, &number);
    if (!made.ok()) {
      results[i] = made.status();
      if (keyed) COOPNET_RETURN_IF_ERROR(tx->ExecScript("ROLLBACK TO SAVEPOINT application"));
      continue;
    }
    const std::string id = resource::NewId(now);
    made->set_name(RegistrationName(application.event_id, id));
    rows.Add(application.event_id, id, *made, pool, number);
    if (keyed) COOPNET_RETURN_IF_ERROR(Remember(*tx, application.key, *made));
    results[i] = *std::move(made);
  }
  return absl::OkStatus();
}

// Runs `statement` (kInsertAdmitted or kAdmitOnVersions) on `session` for `rows` and the
// ledgers of their events (as in `events`); the ledgers' new versions, by event.
absl::StatusOr<pg::Result> WriteAdmitted(pg::Session& session, const pg::Statement& statement,
                                         const AdmittedRows& rows,
                                         const std::map<std::string, BatchEvent>& events,
                                         absl::string_view stream) {
  std::vector<std::string> ledger_events, confirmed, versions;
  std::vector<int32_t> waitlisted_participants, waitlisted_registrations;
  std::vector<int64_t> next_numbers;
  const std::set<std::string> changed(rows.events.begin(), rows.events.end());
  for (const std::string& id : changed) {
    const Ledger& ledger = events.at(id).ledger;
    ledger_events.push_back(id);
    versions.push_back(events.at(id).version);
    confirmed.push_back(pg::text::ArrayLiteral(Ints(ledger.confirmed)));
    waitlisted_participants.push_back(ledger.waitlisted_participants);
    waitlisted_registrations.push_back(ledger.waitlisted_registrations);
    next_numbers.push_back(ledger.next_waitlist_number);
  }
  return session.Exec(statement, rows.created, rows.events, rows.ids, rows.states, rows.pools,
                      rows.sizes, rows.numbers, rows.organisations, rows.organisation_keys,
                      rows.kinds, rows.countries, rows.documents, rows.person_events,
                      rows.person_registrations, rows.positions, rows.given_names,
                      rows.family_names, rows.emails, rows.email_keys, rows.job_titles,
                      rows.languages, stream, rows.types, rows.payloads, ledger_events, confirmed,
                      waitlisted_participants, waitlisted_registrations, next_numbers, versions);
}

}  // namespace

RegistrationStore::RegistrationStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

absl::StatusOr<PolicyRecord> RegistrationStore::GetPolicy(absl::string_view event_id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectLedger, event_id));
  if (r.rows() == 0) return PolicyNotFound(event_id);
  return ReadPolicy(r, 0, 0, event_id);
}

absl::StatusOr<PolicyRecord> RegistrationStore::UpdatePolicy(
    const EventFacts& event, std::optional<int64_t> expected_revision,
    const std::optional<request::RequestKey>& key,
    const std::function<absl::StatusOr<RegistrationPolicy>(const RegistrationPolicy&)>& change) {
  const std::string event_id = event.name.substr(event.name.find('/') + 1);
  PolicyRecord result;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier, request::ClaimRequest(tx, key));
    if (earlier) {
      // The policy now, not the one then: what the caller changed may have changed again.
      COOPNET_ASSIGN_OR_RETURN(result, LockLedger(tx, event_id));
      return absl::OkStatus();
    }
    absl::StatusOr<PolicyRecord> stored = LockLedger(tx, event_id);
    if (!stored.ok() && stored.status().code() != absl::StatusCode::kNotFound) {
      return stored.status();
    }
    const bool exists = stored.ok();
    if (expected_revision) {
      const int64_t revision = exists ? stored->revision : 0;
      if (revision != *expected_revision) return StaleEtag(*expected_revision, revision);
    }
    RegistrationPolicy before = exists ? stored->policy : RegistrationPolicy();
    COOPNET_ASSIGN_OR_RETURN(RegistrationPolicy after, change(before));
    RegistrationPolicy document = after;
    document.clear_name();
    document.clear_seats();
    document.clear_etag();
    document.clear_create_time();
    document.clear_update_time();
    const int64_t retention = absl::ToInt64Seconds(RetentionOf(after));
    const absl::Time now = NowMicros();
    if (!exists) {
      const std::vector<int> seats = PoolSeats(after);
      COOPNET_RETURN_IF_ERROR(tx.Exec(kInsertLedger, event_id,
                                      pg::Bytes(document.SerializeAsString()), event.organisers,
                                      event.end_time, retention, Ints(seats),
                                      std::vector<int32_t>(seats.size(), 0), now)
                                  .status());
    } else {
      // Quotas decide which pool each kind's participants sit in.
      std::vector<std::string> kinds;
      std::vector<int32_t> pools;
      for (int i = 0; i < after.quotas_size(); ++i) {
        for (int kind : after.quotas(i).organisation_kinds()) {
          kinds.push_back(Organisation::Kind_Name(static_cast<OrganisationKind>(kind)));
          pools.push_back(1 + i);
        }
      }
      const bool ignored = SelfDeclaredKindOf(after) == RegistrationPolicy::IGNORED;
      COOPNET_RETURN_IF_ERROR(tx.Exec(kRepool, event_id, kinds, pools, ignored).status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result counted, tx.Exec(kConfirmedByKind, event_id, ignored));
      std::vector<std::pair<OrganisationKind, int>> confirmed_by_kind;
      for (int row = 0; row < counted.rows(); ++row) {
        OrganisationKind kind = Organisation::KIND_UNSPECIFIED;
        Organisation::Kind_Parse(counted.GetString(row, 0), &kind);
        confirmed_by_kind.emplace_back(kind, counted.GetInt32(row, 1));
      }
      COOPNET_ASSIGN_OR_RETURN(Ledger ledger, Reseat(after, stored->ledger, confirmed_by_kind));
      COOPNET_RETURN_IF_ERROR(PromoteWaiting(tx, stream_, event_id, ledger));
      COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdatePolicy, event_id,
                                      pg::Bytes(document.SerializeAsString()), event.organisers,
                                      event.end_time, retention, Ints(ledger.seats),
                                      Ints(ledger.confirmed), ledger.waitlisted_participants,
                                      ledger.waitlisted_registrations, now)
                                  .status());
    }
    COOPNET_ASSIGN_OR_RETURN(result, LockLedger(tx, event_id));
    return request::RecordResponse(tx, key, result.policy);
  }));
  return result;
}

absl::Status RegistrationStore::Admit(absl::Span<const Application* const> applications,
                                      std::vector<absl::StatusOr<Registration>>& results,
                                      std::map<std::string, LedgerSnapshot>* snapshots) {
  std::vector<std::string> event_ids;
  std::vector<std::string> asked_emails;
  for (const Application* application : applications) {
    event_ids.push_back(application->event_id);
    for (const v1::Participant& person : application->registration.participants()) {
      asked_emails.push_back(EmailKey(person.email()));
    }
  }
  std::sort(event_ids.begin(), event_ids.end());
  event_ids.erase(std::unique(event_ids.begin(), event_ids.end()), event_ids.end());
  std::map<std::string, BatchEvent> events;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    events.clear();
    COOPNET_ASSIGN_OR_RETURN(pg::Result ledgers, tx.Exec(kLockLedgers, event_ids));
    for (int row = 0; row < ledgers.rows(); ++row) {
      const std::string id = ledgers.GetString(row, 0);
      COOPNET_ASSIGN_OR_RETURN(PolicyRecord record, ReadPolicy(ledgers, row, 1, id));
      BatchEvent& event = events[id];
      event.ledger = record.ledger;
      event.record = std::move(record);
      event.version = ledgers.GetString(row, 1 + kLedgerColumns);
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result taken, tx.Exec(kTakenEmails, event_ids, asked_emails));
    for (int row = 0; row < taken.rows(); ++row) {
      const auto event = events.find(taken.GetString(row, 0));
      if (event != events.end()) event->second.taken_emails.insert(taken.GetString(row, 1));
    }
    AdmittedRows rows;
    COOPNET_RETURN_IF_ERROR(DecideAll(&tx, applications, events, NowMicros(), results, rows));
    if (rows.ids.empty()) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result versions,
                             WriteAdmitted(tx, kInsertAdmitted, rows, events, stream_));
    for (int row = 0; row < versions.rows(); ++row) {
      events[versions.GetString(row, 0)].version = versions.GetString(row, 1);
    }
    return absl::OkStatus();
  }));
  if (snapshots != nullptr) {
    for (auto& [id, event] : events) {
      LedgerSnapshot& snapshot = (*snapshots)[id];
      snapshot.record = std::move(event.record);
      snapshot.record.ledger = event.ledger;
      snapshot.version = std::move(event.version);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RegistrationStore::AdmitOnSnapshots(
    std::map<std::string, LedgerSnapshot>& snapshots,
    absl::Span<const Application* const> applications,
    std::vector<absl::StatusOr<Registration>>& results) {
  std::map<std::string, BatchEvent> events;
  for (const Application* application : applications) {
    const auto snapshot = snapshots.find(application->event_id);
    if (snapshot == snapshots.end()) return false;
    BatchEvent& event = events[application->event_id];
    event.record = snapshot->second.record;
    event.ledger = snapshot->second.record.ledger;
    event.version = snapshot->second.version;
  }
  AdmittedRows rows;
  COOPNET_RETURN_IF_ERROR(DecideAll(nullptr, applications, events, NowMicros(), results, rows));
  // A refusal may come from a policy or seats a snapshot has wrong: only the ledger
  // under its lock may say no.
  if (rows.ids.size() != applications.size()) return false;
  pg::Result versions;
  const absl::Status written = pool_.Run([&](pg::Session& session) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(versions,
                             WriteAdmitted(session, kAdmitOnVersions, rows, events, stream_));
    return absl::OkStatus();
  });
  // A ledger moved on (ABORTED), or an e-mail is taken by a registration the snapshot did
  // not know of (ALREADY_EXISTS): decide again, under the lock.
  if (written.code() == absl::StatusCode::kAborted ||
      written.code() == absl::StatusCode::kAlreadyExists) {
    return false;
  }
  COOPNET_RETURN_IF_ERROR(written);
  const std::vector<std::string> changed = versions.GetStringArray(0, 1);
  const std::vector<std::string> new_versions = versions.GetStringArray(0, 2);
  for (size_t i = 0; i < changed.size() && i < new_versions.size(); ++i) {
    LedgerSnapshot& snapshot = snapshots[changed[i]];
    snapshot.record.ledger = events[changed[i]].ledger;
    snapshot.version = new_versions[i];
  }
  return true;
}

absl::StatusOr<Registration> RegistrationStore::GetRegistration(absl::string_view event_id,
                                                                absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectRegistration, event_id, id));
  if (r.rows() == 0) return RegistrationNotFound(event_id, id);
  return ReadRegistration(r, 0);
}

absl::StatusOr<std::vector<Registration>> RegistrationStore::ListRegistrations(
    const RegistrationQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r, pool_.Exec(kListRegistrations, q.event_id, q.after_id, q.states, q.organisation,
                               static_cast<int32_t>(q.limit)));
  return ReadRegistrations(r);
}

absl::StatusOr<std::vector<Registration>> RegistrationStore::ListOrganisationRegistrations(
    const RegistrationQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r,
                           pool_.Exec(kListOrganisationRegistrations, q.organisation, q.after_id,
                                      q.after_event_id, q.states, static_cast<int32_t>(q.limit)));
  return ReadRegistrations(r);
}

absl::StatusOr<Registration> RegistrationStore::EditRegistration(
    absl::string_view event_id, absl::string_view id, std::optional<int64_t> expected_revision,
    const std::optional<request::RequestKey>& key, const RegistrationEdit& edit) {
  Registration result;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(std::optional<Registration> earlier, Repeated(tx, key));
    if (earlier) {
      result = *std::move(earlier);
      return absl::OkStatus();
    }
    absl::StatusOr<PolicyRecord> record = LockLedger(tx, event_id);
    if (record.status().code() == absl::StatusCode::kNotFound) {
      return RegistrationNotFound(event_id, id);
    }
    COOPNET_RETURN_IF_ERROR(record.status());
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectRegistrationForEdit, event_id, id));
    if (row.rows() == 0) return RegistrationNotFound(event_id, id);
    StoredRegistration stored;
    COOPNET_ASSIGN_OR_RETURN(stored.registration, ReadRegistration(row, 0));
    const int64_t revision = row.GetInt64(0, 4);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag(*expected_revision, revision);
    }
    stored.ledger = record->ledger;
    stored.pool = row.GetInt32(0, 15);
    stored.waitlist_number = row.GetInt64(0, 17);
    const StoredRegistration before = stored;
    COOPNET_RETURN_IF_ERROR(edit(record->policy, stored));
    const Registration& after = stored.registration;
    if (google::protobuf::util::MessageDifferencer::Equals(after, before.registration) &&
        stored.ledger == before.ledger) {
      result = std::move(stored.registration);
      return Remember(tx, key, result);
    }
    const absl::Time now = NowMicros();
    COOPNET_RETURN_IF_ERROR(tx.Exec(kUpdateRegistration, event_id, id,
                                    Registration::State_Name(after.state()), stored.waitlist_number,
                                    after.reason(),
                                    pg::Bytes(DocumentOf(after).SerializeAsString()), now)
                                .status());
    if (IsLive(after.state()) != IsLive(before.registration.state())) {
      COOPNET_RETURN_IF_ERROR(tx.Exec(kSetLive, event_id, id, IsLive(after.state())).status());
    }
    std::vector<int32_t> arrived;
    for (int i = 0; i < after.participants_size(); ++i) {
      if (after.participants(i).has_check_in_time() &&
          !before.registration.participants(i).has_check_in_time()) {
        arrived.push_back(i + 1);
      }
    }
    if (!arrived.empty()) {
      COOPNET_RETURN_IF_ERROR(tx.Exec(kCheckIn, event_id, id, arrived, now).status());
    }
    if (!(stored.ledger == before.ledger)) {
      // Seats given back go to the line in the same transaction.
      COOPNET_RETURN_IF_ERROR(PromoteWaiting(tx, stream_, event_id, stored.ledger));
      COOPNET_RETURN_IF_ERROR(WriteSeats(tx, event_id, stored.ledger));
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectRegistration, event_id, id));
    COOPNET_ASSIGN_OR_RETURN(result, ReadRegistration(reread, 0));
    if (result.state() != before.registration.state()) {
      COOPNET_RETURN_IF_ERROR(Announce(tx, stream_, {result}, Reached));
    }
    return Remember(tx, key, result);
  }));
  return result;
}

absl::StatusOr<v1::EventStatistics> RegistrationStore::Statistics(absl::string_view event_id) {
  v1::EventStatistics statistics;
  // One snapshot for every count, so that they add up.
  const pg::TxOptions consistent = {.isolation = pg::Isolation::kRepeatableRead, .read_only = true};
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction(
      [&](pg::Transaction& session) -> absl::Status {
        statistics.Clear();
        COOPNET_ASSIGN_OR_RETURN(pg::Result ledger, session.Exec(kSelectLedger, event_id));
        if (ledger.rows() == 0) return PolicyNotFound(event_id);
        COOPNET_ASSIGN_OR_RETURN(const PolicyRecord record, ReadPolicy(ledger, 0, 0, event_id));
        *statistics.mutable_seats() = record.policy.seats();
        COOPNET_ASSIGN_OR_RETURN(pg::Result states, session.Exec(kStateCounts, event_id));
        for (int row = 0; row < states.rows(); ++row) {
          auto& count = *statistics.add_states();
          Registration::State state = Registration::STATE_UNSPECIFIED;
          Registration::State_Parse(states.GetString(row, 0), &state);
          count.set_state(state);
          count.set_registrations(states.GetInt32(row, 1));
          count.set_participants(states.GetInt32(row, 2));
        }
        COOPNET_ASSIGN_OR_RETURN(pg::Result kinds, session.Exec(kKindCounts, event_id));
        for (int row = 0; row < kinds.rows(); ++row) {
          auto& count = *statistics.add_organisation_kinds();
          OrganisationKind kind = Organisation::KIND_UNSPECIFIED;
          Organisation::Kind_Parse(kinds.GetString(row, 0), &kind);
          count.set_organisation_kind(kind);
          count.set_participants(kinds.GetInt32(row, 1));
          count.set_organisations(kinds.GetInt32(row, 2));
          count.set_checked_in(kinds.GetInt32(row, 3));
          statistics.set_checked_in(statistics.checked_in() + count.checked_in());
        }
        COOPNET_ASSIGN_OR_RETURN(pg::Result countries, session.Exec(kCountryCounts, event_id));
        for (int row = 0; row < countries.rows(); ++row) {
          auto& count = *statistics.add_countries();
          count.set_country(countries.GetString(row, 0));
          count.set_participants(countries.GetInt32(row, 1));
          count.set_organisations(countries.GetInt32(row, 2));
          count.set_checked_in(countries.GetInt32(row, 3));
        }
        return absl::OkStatus();
      },
      consistent));
  statistics.set_name(absl::StrCat("events/", event_id, "/registrationStatistics"));
  return statistics;
}

absl::StatusOr<bool> RegistrationStore::CancelEvent(int64_t change_id, absl::string_view event_id,
                                                    absl::string_view reason) {
  bool handled = false;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result mark, tx.Exec(kMarkHandled, change_id));
    handled = mark.affected_rows() == 1;
    if (!handled) return absl::OkStatus();
    absl::StatusOr<PolicyRecord> record = LockLedger(tx, event_id);
    if (record.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    COOPNET_RETURN_IF_ERROR(record.status());
    COOPNET_ASSIGN_OR_RETURN(
        pg::Result cancelled,
        tx.Exec(kCancelLive, event_id, absl::StrCat("The event was cancelled: ", reason),
                NowMicros()));
    COOPNET_RETURN_IF_ERROR(tx.Exec(kEmptyLedger, event_id).status());
    std::vector<std::string> ids;
    for (int row = 0; row < cancelled.rows(); ++row) ids.push_back(cancelled.GetString(row, 0));
    COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> registrations,
                             SelectRegistrations(tx, event_id, ids));
    return Announce(tx, stream_, registrations, About<v1::RegistrationCancelled>);
  }));
  return handled;
}

absl::StatusOr<bool> RegistrationStore::RescheduleEvent(int64_t change_id,
                                                        const v1::EventRescheduledNotice& notice,
                                                        absl::Time end_time) {
  const std::string event_id = notice.event().substr(notice.event().find('/') + 1);
  bool recorded = false;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    recorded = false;
    COOPNET_ASSIGN_OR_RETURN(pg::Result mark, tx.Exec(kMarkHandled, change_id));
    if (mark.affected_rows() == 0) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result moved, tx.Exec(kMoveEnd, event_id, end_time));
    if (moved.affected_rows() == 0) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result live, tx.Exec(kLiveRegistrations, event_id));
    v1::EventRescheduledNotice told = notice;
    for (int row = 0; row < live.rows(); ++row) {
      told.add_registrations(RegistrationName(event_id, live.GetString(row, 0)));
    }
    recorded = true;
    return outbox::Append(tx, stream_, told);
  }));
  return recorded;
}

absl::Status RegistrationStore::UpdateOrganisers(absl::string_view event_id,
                                                 const std::vector<std::string>& organisers) {
  return pool_.Exec(kSetOrganisers, event_id, organisers).status();
}

}  // namespace coopnet::registrations
