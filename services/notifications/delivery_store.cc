#include "services/notifications/delivery_store.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/time/time.h"

namespace coopnet::notifications {
namespace {

const pg::Statement kAdd{
    "INSERT INTO email_deliveries (change_id, registration, participant, message, recipient,"
    "  recipient_name, reply_to, reply_to_name, language, subject, body_text, body_html,"
    "  calendar, calendar_method)"
    " SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],"
    "  $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
    "  $13::text[], $14::text[])"
    " ON CONFLICT (change_id, registration, participant) DO NOTHING"};

const pg::Statement kTold{
    "SELECT EXISTS (SELECT 1 FROM email_deliveries WHERE registration = $1 AND message = $2)"};

constexpr char kColumns[] =
    "id, change_id, registration, participant, message, recipient, recipient_name, reply_to,"
    " reply_to_name, language, subject, body_text, body_html, calendar, calendar_method,"
    " attempts, create_time";

const pg::Statement kClaim{
    absl::StrCat("UPDATE email_deliveries SET next_attempt_time = now() + $2::interval"
                 " WHERE id IN (SELECT id FROM email_deliveries"
                 "  WHERE state = 'PENDING' AND next_attempt_time <= now()"
                 "  ORDER BY next_attempt_time, id LIMIT $1 FOR UPDATE SKIP LOCKED)"
                 " RETURNING ",
                 kColumns)};

const pg::Statement kSent{
    "UPDATE email_deliveries SET state = 'SENT', attempts = attempts + 1, send_time = now(),"
    " last_error = '' WHERE id = $1"};

const pg::Statement kTryAgain{
    "UPDATE email_deliveries SET attempts = attempts + 1, next_attempt_time = $2,"
    " last_error = $3 WHERE id = $1"};

const pg::Statement kFailed{
    "UPDATE email_deliveries SET state = 'FAILED', attempts = attempts + 1, last_error = $2"
    " WHERE id = $1"};

const pg::Statement kList{
    "SELECT id, registration, message, coalesce(recipient, ''), language, subject, state,"
    " attempts, last_error, create_time, send_time, next_attempt_time"
    " FROM email_deliveries WHERE registration = $1 ORDER BY id"};

v1::EmailMessage MessageOf(const std::string& folder) {
  v1::EmailMessage message = v1::EMAIL_MESSAGE_UNSPECIFIED;
  std::string name = folder;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v1::EmailMessage_Parse(name, &message);
  return message;
}

}  // namespace

absl::StatusOr<int> DeliveryStore::Add(const std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return 0;
  std::vector<int64_t> changes;
  std::vector<std::string> registrations, participants, messages, recipients, names, reply_tos,
      reply_names, languages, subjects, texts, htmls, calendars, methods;
  for (const Delivery& d : deliveries) {
    changes.push_back(d.change_id);
    registrations.push_back(d.registration);
    participants.push_back(d.participant);
    messages.push_back(d.message);
    recipients.push_back(d.recipient);
    names.push_back(d.recipient_name);
    reply_tos.push_back(d.reply_to);
    reply_names.push_back(d.reply_to_name);
    languages.push_back(d.language);
    subjects.push_back(d.subject);
    texts.push_back(d.text);
    htmls.push_back(d.html);
    calendars.push_back(d.calendar);
    methods.push_back(d.calendar_method);
  }
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r,
      pool_.Exec(kAdd, changes, registrations, participants, messages, recipients, names, reply_tos,
                 reply_names, languages, subjects, texts, htmls, calendars, methods));
  return static_cast<int>(r.affected_rows());
}

absl::StatusOr<bool> DeliveryStore::Told(const std::string& registration,
                                         const std::string& message) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kTold, registration, message));
  return r.GetBool(0, 0);
}

absl::StatusOr<std::vector<Delivery>> DeliveryStore::Claim(int limit, absl::Duration lease) {
  COOPNET_ASSIGN_OR_RETURN(
      pg::Result r,
      pool_.Exec(kClaim, limit, absl::StrCat(absl::ToInt64Milliseconds(lease), " milliseconds")));
  std::vector<Delivery> claimed;
  claimed.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    Delivery& d = claimed.emplace_back();
    d.id = r.GetInt64(row, 0);
    d.change_id = r.GetInt64(row, 1);
    d.registration = r.GetString(row, 2);
    d.participant = r.GetString(row, 3);
    d.message = r.GetString(row, 4);
    d.recipient = r.GetString(row, 5);
    d.recipient_name = r.GetString(row, 6);
    d.reply_to = r.GetString(row, 7);
    d.reply_to_name = r.GetString(row, 8);
    d.language = r.GetString(row, 9);
    d.subject = r.GetString(row, 10);
    d.text = r.GetString(row, 11);
    d.html = r.GetString(row, 12);
    d.calendar = r.GetString(row, 13);
    d.calendar_method = r.GetString(row, 14);
    d.attempts = r.GetInt32(row, 15);
    d.create_time = r.GetTime(row, 16);
  }
  // Oldest first, as claimed: RETURNING keeps no order.
  std::sort(claimed.begin(), claimed.end(),
            [](const Delivery& a, const Delivery& b) { return a.id < b.id; });
  return claimed;
}

absl::Status DeliveryStore::MarkSent(int64_t id) { return pool_.Exec(kSent, id).status(); }

absl::Status DeliveryStore::MarkTryAgain(int64_t id, absl::Time next, const std::string& error) {
  return pool_.Exec(kTryAgain, id, next, error).status();
}

absl::Status DeliveryStore::MarkFailed(int64_t id, const std::string& error) {
  return pool_.Exec(kFailed, id, error).status();
}

absl::StatusOr<std::vector<v1::EmailDelivery>> DeliveryStore::List(
    const std::string& registration) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kList, registration));
  std::vector<v1::EmailDelivery> list;
  for (int row = 0; row < r.rows(); ++row) {
    v1::EmailDelivery& d = list.emplace_back();
    d.set_name(absl::StrCat(r.GetString(row, 1), "/emailDeliveries/", r.GetInt64(row, 0)));
    d.set_message(MessageOf(r.GetString(row, 2)));
    d.set_recipient(r.GetString(row, 3));
    d.set_language(r.GetString(row, 4));
    d.set_subject(r.GetString(row, 5));
    v1::EmailDelivery::State state = v1::EmailDelivery::STATE_UNSPECIFIED;
    v1::EmailDelivery::State_Parse(r.GetString(row, 6), &state);
    d.set_state(state);
    d.set_attempts(r.GetInt32(row, 7));
    d.set_last_error(r.GetString(row, 8));
    *d.mutable_create_time() = ToTimestamp(r.GetTime(row, 9));
    if (!r.IsNull(row, 10)) *d.mutable_send_time() = ToTimestamp(r.GetTime(row, 10));
    if (state == v1::EmailDelivery::PENDING) {
      *d.mutable_next_attempt_time() = ToTimestamp(r.GetTime(row, 11));
    }
  }
  return list;
}

}  // namespace coopnet::notifications
