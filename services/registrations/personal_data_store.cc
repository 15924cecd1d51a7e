#include "services/registrations/personal_data_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/registrations/registration_rows.h"
#include "services/registrations/registration_rules.h"

namespace coopnet::registrations {
namespace {

// The participant found is the last column.
const pg::Statement kFindByEmail{
    "SELECT " COOPNET_REGISTRATION_COLUMNS
    ", found.position"
    " FROM participants found"
    " JOIN registrations r ON r.event_id = found.event_id AND r.id = found.registration_id"
    " JOIN event_ledgers l ON l.event_id = r.event_id" COOPNET_REGISTRATION_PARTICIPANTS
    " WHERE found.email_key = $1 AND ($2 = '' OR l.organisers @> ARRAY[$2::text])"
    " ORDER BY r.create_time DESC, r.id DESC"};

// The registrations whose documents erasure rewrites, locked against concurrent edits.
const pg::Statement kLockByEmail{
    "SELECT r.event_id, r.id, r.document"
    " FROM participants found"
    " JOIN registrations r ON r.event_id = found.event_id AND r.id = found.registration_id"
    " JOIN event_ledgers l ON l.event_id = r.event_id"
    " WHERE found.email_key = $1 AND ($2 = '' OR l.organisers @> ARRAY[$2::text])"
    " ORDER BY r.event_id, r.id FOR UPDATE OF r"};

const pg::Statement kEraseParticipants{
    "UPDATE participants q SET given_name = '', family_name = '', email = NULL,"
    " email_key = NULL, job_title = '', preferred_language = '', anonymise_time = $3"
    " FROM event_ledgers l"
    " WHERE q.email_key = $1 AND l.event_id = q.event_id"
    "   AND ($2 = '' OR l.organisers @> ARRAY[$2::text])"};

const pg::Statement kRewriteDocuments{
    "UPDATE registrations r SET document = decode(d.document, 'hex'),"
    " revision = r.revision + 1, update_time = $4"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS d(event_id, id, document)"
    " WHERE r.event_id = d.event_id AND r.id = d.id"};

// Retention is at least a day, which lets the index bound the walk.
const pg::Statement kEndedEvents{
    "SELECT event_id FROM event_ledgers"
    " WHERE anonymise_time IS NULL AND event_end_time < $1::timestamptz - interval '1 day'"
    "   AND event_end_time + retention_seconds * interval '1 second' < $1::timestamptz"
    " ORDER BY event_end_time LIMIT $2 FOR UPDATE SKIP LOCKED"};

const pg::Statement kLockDocumentsOfEvents{
    "SELECT event_id, id, document FROM registrations"
    " WHERE event_id = ANY($1::text[]) ORDER BY event_id, id FOR UPDATE"};

const pg::Statement kAnonymiseEvents{
    "UPDATE participants SET given_name = '', family_name = '', email = NULL,"
    " email_key = NULL, job_title = '', preferred_language = '', anonymise_time = $2"
    " WHERE event_id = ANY($1::text[]) AND anonymise_time IS NULL"};

const pg::Statement kMarkAnonymised{
    "UPDATE event_ledgers SET anonymise_time = $2 WHERE event_id = ANY($1::text[])"};

// Removes the text answers of the documents in `rows` (event_id, id, document) and
// writes back those that had any.
absl::Status RewriteDocuments(pg::Transaction& tx, const pg::Result& rows, absl::Time now) {
  std::vector<std::string> events, ids, documents;
  for (int row = 0; row < rows.rows(); ++row) {
    v1::Registration document;
    if (!document.ParseFromString(rows.GetBytes(row, 2))) {
      return absl::InternalError("stored registration unreadable");
    }
    const int answers = document.answers_size();
    Anonymise(document);
    if (document.answers_size() == answers) continue;
    events.push_back(rows.GetString(row, 0));
    ids.push_back(rows.GetString(row, 1));
    documents.push_back(absl::BytesToHexString(document.SerializeAsString()));
  }
  if (ids.empty()) return absl::OkStatus();
  return tx.Exec(kRewriteDocuments, events, ids, documents, now).status();
}

}  // namespace

PersonalDataStore::PersonalDataStore(pg::Pool& pool) : pool_(pool) {}

absl::StatusOr<std::vector<v1::Registration>> PersonalDataStore::Find(
    absl::string_view email, absl::string_view organisation) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kFindByEmail, EmailKey(email), organisation));
  std::vector<v1::Registration> found;
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(v1::Registration registration, ReadRegistration(r, row));
    // The rest of the group are other people: only the data subject's own entry goes.
    const std::string position = r.GetString(row, 15);
    v1::Registration own = registration;
    own.clear_participants();
    for (const v1::Participant& person : registration.participants()) {
      if (person.id() == position) *own.add_participants() = person;
    }
    found.push_back(std::move(own));
  }
  return found;
}

absl::StatusOr<v1::ErasePersonalDataResponse> PersonalDataStore::Erase(
    absl::string_view email, absl::string_view organisation,
    const std::optional<request::RequestKey>& key) {
  v1::ErasePersonalDataResponse response;
  const std::string email_key = EmailKey(email);
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    response.Clear();
    COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier, request::ClaimRequest(tx, key));
    if (earlier) {
      if (!response.ParseFromString(*earlier)) {
        return absl::InternalError("stored response unreadable");
      }
      return absl::OkStatus();
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result locked, tx.Exec(kLockByEmail, email_key, organisation));
    const absl::Time now = NowMicros();
    COOPNET_RETURN_IF_ERROR(tx.Exec(kEraseParticipants, email_key, organisation, now).status());
    COOPNET_RETURN_IF_ERROR(RewriteDocuments(tx, locked, now));
    for (int row = 0; row < locked.rows(); ++row) {
      response.add_registrations(
          RegistrationName(locked.GetString(row, 0), locked.GetString(row, 1)));
    }
    return request::RecordResponse(tx, key, response);
  }));
  return response;
}

absl::StatusOr<int> PersonalDataStore::AnonymiseEnded(absl::Time now, int max_events) {
  int done = 0;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result ended,
                             tx.Exec(kEndedEvents, now, static_cast<int32_t>(max_events)));
    std::vector<std::string> events;
    for (int row = 0; row < ended.rows(); ++row) events.push_back(ended.GetString(row, 0));
    done = static_cast<int>(events.size());
    if (events.empty()) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result documents, tx.Exec(kLockDocumentsOfEvents, events));
    const absl::Time stamp = NowMicros();
    COOPNET_RETURN_IF_ERROR(tx.Exec(kAnonymiseEvents, events, stamp).status());
    COOPNET_RETURN_IF_ERROR(RewriteDocuments(tx, documents, stamp));
    return tx.Exec(kMarkAnonymised, events, stamp).status();
  }));
  return done;
}

}  // namespace coopnet::registrations
