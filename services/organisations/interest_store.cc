#include "services/organisations/interest_store.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "common/outbox/outbox.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "services/organisations/interest_rules.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";

// Every read of an interest returns the columns in this order (see ReadInterests).
#define COOPNET_INTEREST_COLUMNS                                                        \
  "i.id, i.organisation_id, i.sender_id, i.partner_request_id, i.message, i.languages," \
  " i.proposed_role, i.contact_name, i.contact_email, i.contact_phone, i.state,"        \
  " i.reply_name, i.reply_email, i.reply_phone, i.reply_message, i.create_time,"        \
  " i.answer_time"

// Locks the sender's row (not its key) so that its interests are counted one at a time.
const pg::Statement kLockSender{"SELECT id FROM organisations WHERE id = $1 FOR NO KEY UPDATE"};

const pg::Statement kOrganisationExists{"SELECT 1 FROM organisations WHERE id = $1"};

const pg::Statement kRequestOpen{
    "SELECT state = 'OPEN' AND (deadline IS NULL OR deadline > now())"
    " FROM partner_requests WHERE id = $1 AND organisation_id = $2"};

const pg::Statement kSentSince{
    "SELECT count(*) FROM interests WHERE sender_id = $1 AND create_time > $2"};

const pg::Statement kPending{
    "SELECT id FROM interests WHERE sender_id = $1 AND organisation_id = $2"
    " AND partner_request_id IS NOT DISTINCT FROM $3 AND state = 'PENDING'"};

const pg::Statement kInsert{
    "INSERT INTO interests AS i (id, organisation_id, sender_id, partner_request_id, message,"
    " languages, proposed_role, contact_name, contact_email, contact_phone, state, create_time)"
    " VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10, 'PENDING', $11)"
    " RETURNING " COOPNET_INTEREST_COLUMNS};

const pg::Statement kSelect{"SELECT " COOPNET_INTEREST_COLUMNS
                            " FROM interests i WHERE i.organisation_id = $1 AND i.id = $2"};

const pg::Statement kList{"SELECT " COOPNET_INTEREST_COLUMNS
                          " FROM interests i"
                          " WHERE ($1 = '' OR i.organisation_id = $1)"
                          "   AND ($2 = '' OR i.sender_id = $2)"
                          "   AND ($3 = '' OR i.state = $3) AND i.id > $4"
                          " ORDER BY i.id LIMIT $5"};

// A declined or withdrawn interest forgets the sender's contact person.
const pg::Statement kAnswer{
    "UPDATE interests AS i SET state = $3, answer_time = $4, reply_message = $5,"
    " reply_name = $6, reply_email = $7, reply_phone = $8,"
    " contact_name = CASE WHEN $3 = 'ACCEPTED' THEN i.contact_name END,"
    " contact_email = CASE WHEN $3 = 'ACCEPTED' THEN i.contact_email END,"
    " contact_phone = CASE WHEN $3 = 'ACCEPTED' THEN i.contact_phone END"
    " WHERE i.organisation_id = $1 AND i.id = $2 AND i.state = 'PENDING'"
    " RETURNING " COOPNET_INTEREST_COLUMNS};

v1::Contact ReadContact(const pg::Result& r, int row, int column) {
  v1::Contact c;
  c.set_name(r.GetString(row, column));
  c.set_email(r.GetString(row, column + 1));
  if (!r.IsNull(row, column + 2)) c.set_phone(r.GetString(row, column + 2));
  return c;
}

std::vector<Interest> ReadInterests(const pg::Result& r) {
  std::vector<Interest> found;
  found.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    Interest i;
    const std::string receiver = resource::Name(kOrganisations, r.GetStringView(row, 1));
    i.set_name(absl::StrCat(receiver, "/interests/", r.GetStringView(row, 0)));
    i.set_organisation(resource::Name(kOrganisations, r.GetStringView(row, 2)));
    if (!r.IsNull(row, 3)) {
      i.set_partner_request(absl::StrCat(receiver, "/partnerRequests/", r.GetStringView(row, 3)));
    }
    i.set_message(r.GetString(row, 4));
    for (std::string& tag : r.GetStringArray(row, 5)) i.add_languages(std::move(tag));
    Interest::Role role;
    if (Interest::Role_Parse(r.GetString(row, 6), &role)) i.set_proposed_role(role);
    if (!r.IsNull(row, 7)) *i.mutable_contact() = ReadContact(r, row, 7);
    Interest::State state;
    if (Interest::State_Parse(r.GetString(row, 10), &state)) i.set_state(state);
    if (!r.IsNull(row, 11)) *i.mutable_reply_contact() = ReadContact(r, row, 11);
    i.set_reply_message(r.GetString(row, 14));
    *i.mutable_create_time() = ToTimestamp(r.GetTime(row, 15));
    if (!r.IsNull(row, 16)) *i.mutable_answer_time() = ToTimestamp(r.GetTime(row, 16));
    found.push_back(std::move(i));
  }
  return found;
}

absl::Status NotFound(absl::string_view receiver_id, absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "INTEREST_NOT_FOUND",
                       absl::StrCat(resource::Name(kOrganisations, receiver_id), "/interests/", id,
                                    " does not exist"));
}

// Runs `body`, which writes `written`, once per `key`. The request log keeps `written`
// without its contact persons, since erasure does not reach the log; a repeat is answered
// with the interest as it is now (a declined one has forgotten its contact person).
absl::Status Remembered(pg::Transaction& tx, const std::optional<request::RequestKey>& key,
                        Interest& written, const std::function<absl::Status()>& body) {
  Interest recorded;
  COOPNET_RETURN_IF_ERROR(request::Idempotent(tx, key, recorded, [&]() -> absl::Status {
    COOPNET_RETURN_IF_ERROR(body());
    recorded = WithoutContacts(written);
    return absl::OkStatus();
  }));
  if (!written.name().empty()) return absl::OkStatus();
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", recorded.name(), kOrganisations, "interests"));
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kSelect, ids.first, ids.second));
  if (r.rows() == 0) return NotFound(ids.first, ids.second);
  written = ReadInterests(r).front();
  return absl::OkStatus();
}

std::optional<std::string> Phone(const v1::Contact& contact) {
  if (contact.phone().empty()) return std::nullopt;
  return contact.phone();
}

}  // namespace

InterestStore::InterestStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

absl::StatusOr<Interest> InterestStore::Create(absl::string_view receiver_id,
                                               const Interest& interest,
                                               const std::optional<request::RequestKey>& key) {
  const std::string sender_id = resource::IdOf(interest.organisation());
  std::optional<std::string> request_id;
  if (!interest.partner_request().empty()) request_id = resource::IdOf(interest.partner_request());
  Interest created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return Remembered(tx, key, created, [&]() -> absl::Status {
      const absl::Time now = NowMicros();
      COOPNET_ASSIGN_OR_RETURN(pg::Result sender, tx.Exec(kLockSender, sender_id));
      if (sender.rows() == 0) return OrganisationNotFound(sender_id, "interest.organisation");
      COOPNET_ASSIGN_OR_RETURN(pg::Result receiver, tx.Exec(kOrganisationExists, receiver_id));
      if (receiver.rows() == 0) return OrganisationNotFound(receiver_id, "parent");
      if (request_id) {
        COOPNET_ASSIGN_OR_RETURN(pg::Result open, tx.Exec(kRequestOpen, *request_id, receiver_id));
        if (open.rows() == 0) {
          return status::Error(absl::StatusCode::kNotFound, "PARTNER_REQUEST_NOT_FOUND",
                               absl::StrCat("interest.partner_request: ",
                                            interest.partner_request(), " does not exist"));
        }
        if (!open.GetBool(0, 0)) {
          return status::Error(
              absl::StatusCode::kFailedPrecondition, "PARTNER_REQUEST_CLOSED",
              absl::StrCat(interest.partner_request(),
                           " takes no more answers: it is closed or past its deadline"));
        }
      }
      COOPNET_ASSIGN_OR_RETURN(pg::Result pending,
                               tx.Exec(kPending, sender_id, receiver_id, request_id));
      if (pending.rows() > 0) {
        const std::string existing = absl::StrCat(resource::Name(kOrganisations, receiver_id),
                                                  "/interests/", pending.GetStringView(0, 0));
        return status::Error(
            absl::StatusCode::kAlreadyExists, "INTEREST_PENDING",
            absl::StrCat(interest.organisation(), " already awaits an answer to ", existing),
            {{"interest", existing}});
      }
      COOPNET_ASSIGN_OR_RETURN(pg::Result sent,
                               tx.Exec(kSentSince, sender_id, now - absl::Hours(24)));
      if (sent.GetInt64(0, 0) >= kMaxInterestsPerDay) {
        return status::Error(
            absl::StatusCode::kResourceExhausted, "TOO_MANY_INTERESTS",
            absl::StrCat(interest.organisation(), " sent ", kMaxInterestsPerDay,
                         " expressions of interest in the last 24 hours, the most one "
                         "organisation may; try again tomorrow"));
      }
      std::vector<std::string> languages(interest.languages().begin(), interest.languages().end());
      const v1::Contact& contact = interest.contact();
      COOPNET_ASSIGN_OR_RETURN(
          pg::Result inserted,
          tx.Exec(kInsert, resource::NewId(), receiver_id, sender_id, request_id,
                  interest.message(), languages, Interest::Role_Name(interest.proposed_role()),
                  contact.name(), contact.email(), Phone(contact), now));
      created = ReadInterests(inserted).front();
      v1::OrganisationChange change = ChangeAt(v1::OrganisationChange::INTEREST_RECEIVED, now);
      change.mutable_organisation()->set_name(resource::Name(kOrganisations, receiver_id));
      *change.mutable_interest() = WithoutContacts(created);
      return outbox::Append(tx, stream_, change);
    });
  }));
  return created;
}

absl::StatusOr<Interest> InterestStore::Get(absl::string_view receiver_id, absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelect, receiver_id, id));
  if (r.rows() == 0) return NotFound(receiver_id, id);
  return ReadInterests(r).front();
}

absl::StatusOr<std::vector<Interest>> InterestStore::List(absl::string_view receiver_id,
                                                          absl::string_view sender_id,
                                                          Interest::State state,
                                                          absl::string_view after_id, int limit) {
  for (const auto& [field, id] : {std::pair{"parent", receiver_id}, {"sender", sender_id}}) {
    if (id.empty()) continue;
    COOPNET_RETURN_IF_ERROR(RequireOrganisation(pool_, id, field));
  }
  const std::string state_name =
      state == Interest::STATE_UNSPECIFIED ? "" : Interest::State_Name(state);
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kList, receiver_id, sender_id, state_name,
                                                    after_id, static_cast<int32_t>(limit)));
  return ReadInterests(r);
}

absl::StatusOr<Interest> InterestStore::Answer(absl::string_view receiver_id, absl::string_view id,
                                               Interest::State state,
                                               const v1::Contact* reply_contact,
                                               absl::string_view reply_message,
                                               const std::optional<request::RequestKey>& key) {
  Interest answered;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return Remembered(tx, key, answered, [&]() -> absl::Status {
      const absl::Time now = NowMicros();
      std::optional<std::string> name, email, phone;
      if (reply_contact != nullptr) {
        name = reply_contact->name();
        email = reply_contact->email();
        phone = Phone(*reply_contact);
      }
      COOPNET_ASSIGN_OR_RETURN(pg::Result r,
                               tx.Exec(kAnswer, receiver_id, id, Interest::State_Name(state), now,
                                       std::string(reply_message), name, email, phone));
      if (r.rows() == 0) {
        COOPNET_ASSIGN_OR_RETURN(pg::Result current, tx.Exec(kSelect, receiver_id, id));
        if (current.rows() == 0) return NotFound(receiver_id, id);
        const Interest found = ReadInterests(current).front();
        return status::Error(
            absl::StatusCode::kFailedPrecondition, "INTEREST_ANSWERED",
            absl::StrCat(found.name(), " is already ", Interest::State_Name(found.state())));
      }
      answered = ReadInterests(r).front();
      v1::OrganisationChange change = ChangeAt(v1::OrganisationChange::INTEREST_ANSWERED, now);
      change.mutable_organisation()->set_name(resource::Name(kOrganisations, receiver_id));
      *change.mutable_interest() = WithoutContacts(answered);
      return outbox::Append(tx, stream_, change);
    });
  }));
  return answered;
}

}  // namespace coopnet::organisations
