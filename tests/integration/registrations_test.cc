// The registrations service through its real gRPC API, on real PostgreSQL and Redis,
// asking a real events process and organisations process (in the same test) about
// events and organisations, and following the events service's change stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/outbox/stream.h"
#include "common/redis/client.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/errors.h"
#include "tests/harness/redis_usage.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/watcher.h"

namespace coopnet::registrations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::TimeUtil;
using principal::Principal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RegistrationsStack;
namespace org = organisations::v1;

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(
      organisation, organisation + "/apiKeys/k",
      {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE, type::v1::SCOPE_REGISTRATIONS});
}

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// People of a free-text organisation, one per e-mail.
Registration People(const std::vector<std::string>& emails,
                    const std::string& organisation = "Foreningen Grøn Hverdag") {
  Registration r;
  r.set_organisation_name(organisation);
  r.set_organisation_country("DK");
  r.set_organisation_kind(org::Organisation::ASSOCIATION);
  for (const std::string& email : emails) {
    v1::Participant& p = *r.add_participants();
    p.set_given_name("Mette");
    p.set_family_name(email.substr(0, email.find('@')));
    p.set_email(email);
  }
  return r;
}

Registration PeopleOf(const std::string& organisation, const std::vector<std::string>& emails) {
  Registration r = People(emails);
  r.clear_organisation_name();
  r.clear_organisation_country();
  r.clear_organisation_kind();
  r.set_organisation(organisation);
  return r;
}

// The tables of `pool`'s database with a row holding `text` (any case), as text or in
// a bytea column (the outbox's payloads, the request log's answers).
std::vector<std::string> TablesHolding(pg::Pool& pool, const std::string& text) {
  absl::StatusOr<pg::Result> tables = pool.Exec(
      pg::Statement("SELECT quote_ident(table_name) FROM information_schema.tables"
                    " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"));
  EXPECT_TRUE(tables.ok()) << tables.status();
  std::vector<std::string> holding;
  if (!tables.ok()) return holding;
  for (int row = 0; row < tables->rows(); ++row) {
    const std::string table = tables->GetString(row, 0);
    absl::StatusOr<pg::Result> found =
        pool.Exec(pg::Statement(absl::StrCat(
                      "SELECT count(*) FROM ", table,
                      " x WHERE lower(x::text) LIKE '%' || lower($1) || '%'"
                      "  OR x::text LIKE '%' || encode(convert_to(lower($1), 'UTF8'), 'hex') || '%'"
                      "  OR x::text LIKE '%' || encode(convert_to($1, 'UTF8'), 'hex') || '%'")),
                  text);
    EXPECT_TRUE(found.ok()) << table << ": " << found.status();
    if (found.ok() && found->GetInt64(0, 0) > 0) holding.push_back(table);
  }
  return holding;
}

bool ReplyHolds(const redis::Reply& reply, const std::string& lower_text) {
  if (absl::StrContains(absl::AsciiStrToLower(reply.str), lower_text)) return true;
  for (const redis::Reply& element : reply.elements) {
    if (ReplyHolds(element, lower_text)) return true;
  }
  return false;
}

// The keys of Redis (streams, caches, whatever their type) holding `text` in any case.
std::vector<std::string> KeysHolding(redis::Client& redis, const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  std::vector<std::string> holding;
  const bool answered = testing::ForEachKey(redis, "*", [&](const std::string& key) {
    absl::StatusOr<redis::Reply> type = redis.Command({"TYPE", key});
    if (!type.ok()) return true;
    std::vector<std::string> read;
    if (type->str == "stream") read = {"XRANGE", key, "-", "+"};
    if (type->str == "string") read = {"GET", key};
    if (type->str == "hash") read = {"HGETALL", key};
    if (type->str == "list") read = {"LRANGE", key, "0", "-1"};
    if (type->str == "set") read = {"SMEMBERS", key};
    if (type->str == "zset") read = {"ZRANGE", key, "0", "-1"};
    if (read.empty()) return true;
    absl::StatusOr<redis::Reply> value = redis.Command(read);
    if (value.ok() && ReplyHolds(*value, lower)) holding.push_back(key);
    return true;
  });
  EXPECT_TRUE(answered) << "Redis did not list its keys";
  return holding;
}

class RegistrationsTest : public ::testing::Test {
 protected:
  RegistrationsTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), registrations_db_.dsn(),
               testing::SharedRedisAddress()),
        stub_(stack_.Stub()) {
    kofoed_ = stack_.CreateOrganisation(testing::seeds::KofoedsSkole());
    biser_ = stack_.CreateOrganisation(testing::seeds::BiserGdansk());
    marshal_ = stack_.CreateOrganisation(testing::seeds::UrzadMarszalkowski());
    event_ = stack_.PublishMeeting(kofoed_);
  }

  grpc::Status Register(const Registration& registration, Registration* out = nullptr,
                        const Principal& caller = principal::Anonymous(),
                        const std::string& request_id = "", const std::string& event = "") {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::CreateRegistrationRequest request;
    request.set_parent(event.empty() ? event_ : event);
    *request.mutable_registration() = registration;
    request.set_request_id(request_id);
    Registration ignored;
    return stub_->CreateRegistration(&context, request, out ? out : &ignored);
  }

  // Anonymously, or with the key of the directory organisation it names.
  Registration MustRegister(const Registration& registration, const std::string& event = "") {
    Registration made;
    const Principal caller = registration.organisation().empty()
                                 ? principal::Anonymous()
                                 : KeyOf(registration.organisation());
    const grpc::Status s = Register(registration, &made, caller, "", event);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return made;
  }

  grpc::Status Get(const std::string& name, const Principal& caller, Registration* out = nullptr,
                   const std::string& token = "") {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::GetRegistrationRequest request;
    request.set_name(name);
    request.set_manage_token(token);
    Registration ignored;
    return stub_->GetRegistration(&context, request, out ? out : &ignored);
  }

  Registration MustGet(const std::string& name) {
    Registration got;
    const grpc::Status s = Get(name, principal::Admin(), &got);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return got;
  }

  grpc::Status Cancel(const std::string& name, const Principal& caller,
                      const std::string& token = "", Registration* out = nullptr) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::CancelRegistrationRequest request;
    request.set_name(name);
    request.set_manage_token(token);
    request.set_reason("Vi kan alligevel ikke komme");
    Registration ignored;
    return stub_->CancelRegistration(&context, request, out ? out : &ignored);
  }

  v1::ListRegistrationsResponse List(const v1::ListRegistrationsRequest& filters,
                                     const Principal& caller, grpc::Status* status = nullptr) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::ListRegistrationsRequest request = filters;
    if (request.parent().empty()) request.set_parent(event_);
    v1::ListRegistrationsResponse response;
    const grpc::Status s = stub_->ListRegistrations(&context, request, &response);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return response;
  }

  RegistrationPolicy Policy(const Principal& caller = principal::Anonymous(),
                            grpc::Status* status = nullptr, const std::string& event = "") {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::GetRegistrationPolicyRequest request;
    request.set_name((event.empty() ? event_ : event) + "/registrationPolicy");
    RegistrationPolicy policy;
    const grpc::Status s = stub_->GetRegistrationPolicy(&context, request, &policy);
    if (status != nullptr) *status = s;
    return policy;
  }

  v1::EventStatistics Statistics(const Principal& caller, grpc::Status* status = nullptr) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::GetEventStatisticsRequest request;
    request.set_name(event_ + "/registrationStatistics");
    v1::EventStatistics statistics;
    const grpc::Status s = stub_->GetEventStatistics(&context, request, &statistics);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return statistics;
  }

  // The CSV file, and the chunks it came in.
  std::string Export(const Principal& caller, std::vector<v1::ExportChunk>* chunks = nullptr,
                     grpc::Status* status = nullptr) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::ExportRegistrationsRequest request;
    request.set_parent(event_);
    request.set_language("en");
    std::unique_ptr<grpc::ClientReader<v1::ExportChunk>> reader =
        stub_->ExportRegistrations(&context, request);
    std::string csv;
    v1::ExportChunk chunk;
    while (reader->Read(&chunk)) {
      csv += chunk.data();
      if (chunks != nullptr) chunks->push_back(chunk);
    }
    const grpc::Status s = reader->Finish();
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return csv;
  }

  // Waits, with a deadline, until the registration `name` is in `state`.
  bool AwaitState(const std::string& name, Registration::State state) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (MustGet(name).state() == state) return true;
      absl::SleepFor(absl::Milliseconds(25));
    }
    return false;
  }

  // Every domain event of the registrations service's stream so far.
  std::vector<outbox::StreamEntry> Changes() {
    outbox::StreamReader reader({.address = stack_.redis_address()}, stack_.stream());
    absl::StatusOr<std::vector<outbox::StreamEntry>> entries =
        reader.Read("0", absl::Milliseconds(1), 10000);
    return entries.ok() ? *entries : std::vector<outbox::StreamEntry>{};
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  testing::TestDatabase registrations_db_;
  RegistrationsStack stack_;
  std::unique_ptr<v1::RegistrationService::Stub> stub_;
  std::string kofoed_;
  std::string biser_;
  std::string marshal_;
  std::string event_;
};

// ---- Policy. ----

TEST_F(RegistrationsTest, APolicyOpensRegistrationAndOnlyItsOrganiserChangesIt) {
  grpc::Status s;
  Policy(principal::Anonymous(), &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "POLICY_NOT_FOUND");
  s = Register(People({"mette@groen.dk"}));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "REGISTRATION_NOT_OFFERED");

  // Only the organiser sets it.
  grpc::ClientContext context;
  RegistrationsStack::Sign(context, KeyOf(biser_));
  v1::UpdateRegistrationPolicyRequest request;
  request.mutable_policy()->set_name(event_ + "/registrationPolicy");
  request.mutable_policy()->set_capacity(60);
  request.mutable_update_mask()->add_paths("capacity");
  RegistrationPolicy updated;
  s = stub_->UpdateRegistrationPolicy(&context, request, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ORGANISER");

  grpc::ClientContext own;
  RegistrationsStack::Sign(own, KeyOf(kofoed_));
  s = stub_->UpdateRegistrationPolicy(&own, request, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.capacity(), 60);
  EXPECT_EQ(updated.seats().available(), 60);

  // Registrants read it: it is their form.
  const RegistrationPolicy read = Policy();
  EXPECT_EQ(read.capacity(), 60);
  EXPECT_EQ(read.etag(), updated.etag());
  EXPECT_TRUE(Register(People({"mette@groen.dk"})).ok());
  EXPECT_EQ(Policy().seats().confirmed(), 1);

  // Bad input changes nothing; a stale etag is refused.
  grpc::ClientContext bad_context;
  RegistrationsStack::Sign(bad_context, KeyOf(kofoed_));
  *request.mutable_policy() = Parse<RegistrationPolicy>(R"pb(
    capacity: 100
    quotas {
      organisation_kinds: [ NGO ]
      seats: 80
    }
    quotas {
      organisation_kinds: [ NGO ]
      seats: 30
    }
  )pb");
  request.mutable_policy()->set_name(event_ + "/registrationPolicy");
  request.mutable_update_mask()->add_paths("quotas");
  const grpc::Status bad = stub_->UpdateRegistrationPolicy(&bad_context, request, &updated);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(bad),
              ElementsAre("policy.quotas[1].organisation_kinds[0]", "policy.quotas"));
  EXPECT_EQ(Policy().capacity(), 60);

  request.mutable_policy()->mutable_quotas()->RemoveLast();
  request.mutable_policy()->set_etag(read.etag());
  grpc::ClientContext first;
  RegistrationsStack::Sign(first, KeyOf(kofoed_));
  ASSERT_TRUE(stub_->UpdateRegistrationPolicy(&first, request, &updated).ok());
  grpc::ClientContext stale;
  RegistrationsStack::Sign(stale, KeyOf(kofoed_));
  const grpc::Status aborted = stub_->UpdateRegistrationPolicy(&stale, request, &updated);
  EXPECT_EQ(aborted.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(aborted), "ETAG_MISMATCH");
}

// ---- Seats and the waitlist. ----

TEST_F(RegistrationsTest, AGroupIsConfirmedOrWaitlistedAsAWhole) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 3 waitlist_enabled: true"));
  const Registration two = MustRegister(PeopleOf(biser_, {"anna@biser.pl", "piotr@biser.pl"}));
  EXPECT_EQ(two.state(), Registration::CONFIRMED);
  EXPECT_EQ(two.organisation_name(), "BISER");
  EXPECT_EQ(two.organisation_kind(), org::Organisation::NGO);
  ASSERT_EQ(two.participants_size(), 2);
  EXPECT_EQ(two.participants(1).id(), "2");

  const Registration waiting =
      MustRegister(PeopleOf(marshal_, {"jan@kujawsko-pomorskie.pl", "ewa@kujawsko-pomorskie.pl"}));
  EXPECT_EQ(waiting.state(), Registration::WAITLISTED);
  EXPECT_EQ(waiting.waitlist_position(), 1);
  // The last seat still goes to someone it fits.
  EXPECT_EQ(MustRegister(People({"mette@groen.dk"})).state(), Registration::CONFIRMED);

  const v1::SeatSummary seats = Policy().seats();
  EXPECT_EQ(seats.confirmed(), 3);
  EXPECT_EQ(seats.available(), 0);
  EXPECT_EQ(seats.waitlisted(), 2);

  // The waitlist holds two: nobody more gets in.
  stack_.SetPolicy(
      event_, Parse<RegistrationPolicy>("capacity: 3 waitlist_enabled: true waitlist_limit: 2"));
  const grpc::Status full = Register(People({"c@groen.dk"}));
  EXPECT_EQ(full.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(full), "EVENT_FULL");
  EXPECT_THAT(full.error_message(), HasSubstr("waitlist is full"));
}

TEST_F(RegistrationsTest, FreedSeatsGoToTheOldestWaitlistedThatFit) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 3 waitlist_enabled: true"));
  const Registration pair = MustRegister(People({"a@groen.dk", "b@groen.dk"}));
  const Registration single = MustRegister(People({"c@groen.dk"}));
  const Registration waiting_pair = MustRegister(People({"d@groen.dk", "e@groen.dk"}));
  const Registration waiting_single = MustRegister(People({"f@groen.dk"}));
  ASSERT_EQ(waiting_pair.waitlist_position(), 1);
  ASSERT_EQ(waiting_single.waitlist_position(), 2);

  // One seat frees up: the pair does not fit, the single behind it does.
  Registration cancelled;
  ASSERT_TRUE(
      Cancel(single.name(), principal::Anonymous(), single.manage_token(), &cancelled).ok());
  EXPECT_EQ(cancelled.state(), Registration::CANCELLED);
  EXPECT_EQ(cancelled.reason(), "Vi kan alligevel ikke komme");
  EXPECT_EQ(MustGet(waiting_single.name()).state(), Registration::CONFIRMED);
  EXPECT_EQ(MustGet(waiting_pair.name()).waitlist_position(), 1);

  // The organiser cancels the pair: now the waiting pair fits.
  ASSERT_TRUE(Cancel(pair.name(), KeyOf(kofoed_)).ok());
  EXPECT_EQ(MustGet(waiting_pair.name()).state(), Registration::CONFIRMED);
  EXPECT_EQ(Policy().seats().confirmed(), 3);

  // A larger capacity promotes too.
  const Registration late = MustRegister(People({"g@groen.dk"}));
  ASSERT_EQ(late.state(), Registration::WAITLISTED);
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 4 waitlist_enabled: true"));
  EXPECT_EQ(MustGet(late.name()).state(), Registration::CONFIRMED);

  // Cancelling again changes nothing.
  Registration again;
  ASSERT_TRUE(Cancel(single.name(), principal::Anonymous(), single.manage_token(), &again).ok());
  EXPECT_EQ(again.etag(), cancelled.etag());

  // Each promotion was announced (the relay moves the last one to the stream shortly).
  std::vector<std::string> promoted;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (promoted.size() < 3 && absl::Now() < deadline) {
    promoted.clear();
    for (const outbox::StreamEntry& entry : Changes()) {
      if (entry.type != "coopnet.registrations.v1.RegistrationPromoted") continue;
      v1::RegistrationPromoted message;
      ASSERT_TRUE(message.ParseFromString(entry.payload));
      promoted.push_back(message.registration().name());
    }
    if (promoted.size() < 3) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_THAT(promoted, ElementsAre(waiting_single.name(), waiting_pair.name(), late.name()));
}

// ---- Creating. ----

TEST_F(RegistrationsTest, ARetryGetsTheFirstRegistrationAndAnEmailRegistersOnce) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  Registration first, retry;
  ASSERT_TRUE(
      Register(People({"mette@groen.dk"}), &first, principal::Anonymous(), "tilmelding-1").ok());
  ASSERT_TRUE(
      Register(People({"mette@groen.dk"}), &retry, principal::Anonymous(), "tilmelding-1").ok());
  EXPECT_EQ(retry.name(), first.name());
  EXPECT_EQ(retry.manage_token(), first.manage_token());
  EXPECT_TRUE(absl::StartsWith(first.manage_token(), "cnr_"));

  const grpc::Status reused =
      Register(People({"soren@groen.dk"}), nullptr, principal::Anonymous(), "tilmelding-1");
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");
  EXPECT_EQ(List({}, KeyOf(kofoed_)).registrations_size(), 1);
  // The token is shown only to whoever made the registration.
  EXPECT_EQ(MustGet(first.name()).manage_token(), "");

  // Mette holds a live registration: nobody registers her again.
  const grpc::Status twice = Register(People({"soren@groen.dk", "Mette@Groen.dk"}));
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(twice), "EMAIL_ALREADY_REGISTERED");
  EXPECT_THAT(twice.error_message(), HasSubstr("registration.participants[1].email"));
  // Søren was not registered either: the group goes as a whole.
  EXPECT_EQ(List({}, KeyOf(kofoed_)).registrations_size(), 1);

  ASSERT_TRUE(Cancel(first.name(), principal::Anonymous(), first.manage_token()).ok());
  EXPECT_TRUE(Register(People({"soren@groen.dk", "Mette@Groen.dk"})).ok());
}

TEST_F(RegistrationsTest, RegistrationCloseSaysWhenInTheEventsTimeZone) {
  RegistrationPolicy policy = Parse<RegistrationPolicy>("capacity: 10");
  const absl::Time closed = absl::Now() - absl::Hours(1);
  *policy.mutable_close_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(closed));
  stack_.SetPolicy(event_, policy);
  const grpc::Status late = Register(People({"mette@groen.dk"}));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(late), "REGISTRATION_CLOSED");
  absl::TimeZone copenhagen;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen));
  EXPECT_EQ(
      late.error_message(),
      absl::StrCat("registration for ", event_, " closed at ",
                   absl::FormatTime("%Y-%m-%d %H:%M", closed, copenhagen), " (Europe/Copenhagen)"));
}

TEST_F(RegistrationsTest, BadInputIsRefusedNamingTheFieldAndNothingIsStored) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                     capacity: 10
                     max_group_size: 2
                     questions {
                       id: "motivation"
                       kind: TEXT
                       required: true
                       label {
                         translations { key: "da" value: "Hvorfor deltager I?" }
                         default_language: "da"
                       }
                     }
                   )pb"));
  auto answered = [](Registration r) {
    *r.add_answers() = Parse<v1::Answer>(R"pb(question: "motivation"
                                              text: "Vi vil i gang med et projekt")pb");
    return r;
  };
  struct Case {
    Registration registration;
    std::vector<std::string> fields;
  };
  Registration unknown_question = answered(People({"a@groen.dk"}));
  *unknown_question.add_answers() = Parse<v1::Answer>(R"pb(question: "parking" yes: true)pb");
  const std::vector<Case> cases = {
      {answered(People({})), {"registration.participants"}},
      {answered(People({"mette(at)groen.dk"})), {"registration.participants[0].email"}},
      {answered(People({"a@groen.dk", "b@groen.dk", "c@groen.dk"})), {"registration.participants"}},
      {People({"a@groen.dk"}), {"registration.answers"}},
      {unknown_question, {"registration.answers[1].question"}},
  };
  for (const Case& c : cases) {
    const grpc::Status s = Register(c.registration);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_EQ(FieldsOf(s), c.fields) << s.error_message();
  }
  EXPECT_EQ(List({}, KeyOf(kofoed_)).registrations_size(), 0);
  EXPECT_EQ(Policy().seats().confirmed(), 0);
  EXPECT_TRUE(Register(answered(People({"a@groen.dk"}))).ok());
}

// ---- Who sees what. ----

TEST_F(RegistrationsTest, OnlyTheOrganiserAndTheManageTokenSeeARegistration) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const Registration mine = MustRegister(People({"mette@groen.dk"}));
  const Registration other = MustRegister(People({"soren@groen.dk"}));

  Registration seen;
  ASSERT_TRUE(Get(mine.name(), KeyOf(kofoed_), &seen).ok());
  EXPECT_EQ(seen.participants(0).email(), "mette@groen.dk");
  ASSERT_TRUE(Get(mine.name(), principal::Anonymous(), &seen, mine.manage_token()).ok());
  EXPECT_EQ(seen.participants(0).email(), "mette@groen.dk");

  // Another organisation, anybody without the token, and the token of another
  // registration all find nothing.
  for (const auto& [caller, token] : std::vector<std::pair<Principal, std::string>>{
           {KeyOf(biser_), ""},
           {principal::Anonymous(), ""},
           {principal::Anonymous(), other.manage_token()},
           {KeyOf(biser_), other.manage_token()}}) {
    const grpc::Status s = Get(mine.name(), caller, nullptr, token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
    EXPECT_EQ(Cancel(mine.name(), caller, token).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(MustGet(mine.name()).state(), Registration::CONFIRMED);

  grpc::Status s;
  List({}, KeyOf(biser_), &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Statistics(KeyOf(biser_), &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Export(KeyOf(biser_), nullptr, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegistrationsTest, ListFiltersByStateAndOrganisationInPages) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 3 waitlist_enabled: true"));
  std::vector<std::string> names;
  for (const char* email : {"a@biser.pl", "b@biser.pl", "c@biser.pl", "d@biser.pl"}) {
    names.push_back(MustRegister(PeopleOf(biser_, {email})).name());
  }
  names.push_back(MustRegister(People({"e@groen.dk"})).name());

  v1::ListRegistrationsRequest request;
  request.set_page_size(2);
  std::vector<std::string> listed;
  do {
    v1::ListRegistrationsResponse page = List(request, KeyOf(kofoed_));
    for (const Registration& r : page.registrations()) listed.push_back(r.name());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, names);

  v1::ListRegistrationsRequest filtered;
  filtered.add_states(Registration::WAITLISTED);
  filtered.set_organisation(biser_);
  v1::ListRegistrationsResponse waiting = List(filtered, KeyOf(kofoed_));
  ASSERT_EQ(waiting.registrations_size(), 1);
  EXPECT_EQ(waiting.registrations(0).name(), names[3]);

  filtered.set_page_token(request.page_token());
  filtered.clear_states();
  filtered.add_states(Registration::STATE_UNSPECIFIED);
  grpc::Status bad;
  List(filtered, KeyOf(kofoed_), &bad);
  EXPECT_THAT(FieldsOf(bad), ElementsAre("states[0]"));
}

// ---- The organiser's work. ----

TEST_F(RegistrationsTest, TheOrganiserApprovesRejectsAndChecksIn) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(
                               "capacity: 3 approval_required: true waitlist_enabled: true"));
  const Registration pair = MustRegister(People({"a@groen.dk", "b@groen.dk"}));
  const Registration single = MustRegister(People({"c@groen.dk"}));
  const Registration late = MustRegister(People({"d@groen.dk"}));
  const Registration unwanted = MustRegister(People({"e@groen.dk"}));
  EXPECT_EQ(pair.state(), Registration::PENDING_APPROVAL);
  EXPECT_EQ(Policy().seats().confirmed(), 0);

  auto approve = [&](const std::string& name, const Principal& caller, Registration* out) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::ApproveRegistrationRequest request;
    request.set_name(name);
    return stub_->ApproveRegistration(&context, request, out);
  };
  Registration approved;
  EXPECT_EQ(approve(pair.name(), KeyOf(biser_), &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(approve(pair.name(), KeyOf(kofoed_), &approved).ok());
  EXPECT_EQ(approved.state(), Registration::CONFIRMED);
  ASSERT_TRUE(approve(single.name(), KeyOf(kofoed_), &approved).ok());
  EXPECT_EQ(approved.state(), Registration::CONFIRMED);
  // Approved when the seats are gone: in line.
  ASSERT_TRUE(approve(late.name(), KeyOf(kofoed_), &approved).ok());
  EXPECT_EQ(approved.state(), Registration::WAITLISTED);
  EXPECT_EQ(approved.waitlist_position(), 1);
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    v1::RejectRegistrationRequest reject;
    reject.set_name(unwanted.name());
    reject.set_reason("Mødet er for medlemmer af netværket");
    Registration rejected;
    ASSERT_TRUE(stub_->RejectRegistration(&context, reject, &rejected).ok());
    EXPECT_EQ(rejected.state(), Registration::REJECTED);
    EXPECT_EQ(rejected.reason(), "Mødet er for medlemmer af netværket");
  }
  const grpc::Status again = approve(unwanted.name(), KeyOf(kofoed_), &approved);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(again), "REGISTRATION_STATE");

  // Each step reached the organiser's systems as a domain event: four waiting for
  // approval, two confirmed, one in line, one rejected with its reason.
  testing::Watcher<v1::RegistrationChange> watcher(KeyOf(kofoed_), [&](grpc::ClientContext* c) {
    v1::WatchRegistrationsRequest request;
    request.set_cursor("0");
    return stub_->WatchRegistrations(c, request);
  });
  const std::vector<v1::RegistrationChange> changes = watcher.Await(8);
  std::vector<v1::RegistrationChange::ChangeCase> kinds;
  for (const v1::RegistrationChange& change : changes) kinds.push_back(change.change_case());
  using Change = v1::RegistrationChange;
  EXPECT_THAT(kinds,
              ElementsAre(Change::kPendingApproval, Change::kPendingApproval,
                          Change::kPendingApproval, Change::kPendingApproval, Change::kConfirmed,
                          Change::kConfirmed, Change::kWaitlisted, Change::kRejected));
  ASSERT_EQ(changes.size(), 8u);
  EXPECT_EQ(changes[0].pending_approval().registration().name(), pair.name());
  EXPECT_EQ(changes[7].rejected().registration().name(), unwanted.name());
  EXPECT_EQ(changes[7].rejected().registration().reason(), "Mødet er for medlemmer af netværket");

  // At the door: the second of the pair first, then everyone; the first arrival stays.
  auto check_in = [&](const std::string& name, std::vector<std::string> ids, Registration* out) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    v1::CheckInParticipantsRequest request;
    request.set_name(name);
    for (const std::string& id : ids) request.add_participant_ids(id);
    return stub_->CheckInParticipants(&context, request, out);
  };
  Registration arrived;
  ASSERT_TRUE(check_in(pair.name(), {"2"}, &arrived).ok());
  EXPECT_FALSE(arrived.participants(0).has_check_in_time());
  ASSERT_TRUE(arrived.participants(1).has_check_in_time());
  const google::protobuf::Timestamp first_arrival = arrived.participants(1).check_in_time();
  ASSERT_TRUE(check_in(pair.name(), {}, &arrived).ok());
  EXPECT_TRUE(arrived.participants(0).has_check_in_time());
  EXPECT_EQ(arrived.participants(1).check_in_time().seconds(), first_arrival.seconds());
  EXPECT_EQ(arrived.participants(1).check_in_time().nanos(), first_arrival.nanos());
  EXPECT_EQ(check_in(late.name(), {}, &arrived).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(FieldsOf(check_in(pair.name(), {"7"}, &arrived)), ElementsAre("participant_ids[0]"));
  EXPECT_EQ(Statistics(KeyOf(kofoed_)).checked_in(), 2);
}

TEST_F(RegistrationsTest, ANetworkMeetingTakesRegistrationsFromItsMembersOnly) {
  // The NGO network's meeting: Kofoeds Skole coordinates, BISER is a member.
  std::string network;
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Admin());
    org::CreateNetworkRequest request;
    *request.mutable_network() = testing::seeds::NgoNetvaerk(kofoed_);
    org::Network created;
    ASSERT_TRUE(
        stack_.organisations().NetworkStub()->CreateNetwork(&context, request, &created).ok());
    network = created.name();
  }
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Admin());
    org::AddMemberRequest request;
    request.set_parent(network);
    request.mutable_membership()->set_organisation(biser_);
    request.mutable_membership()->set_role(org::Membership::MEMBER);
    org::Membership added;
    ASSERT_TRUE(stack_.organisations().NetworkStub()->AddMember(&context, request, &added).ok());
  }
  const std::string meeting = stack_.PublishMeeting(kofoed_, 30, network);
  stack_.SetPolicy(meeting, Parse<RegistrationPolicy>("capacity: 10"));

  // Outsiders cannot see it, so it is not there for them; nothing is registered.
  const grpc::Status anonymous =
      Register(People({"x@groen.dk"}), nullptr, principal::Anonymous(), "", meeting);
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(anonymous), "EVENT_NOT_FOUND");
  const grpc::Status outsider =
      Register(PeopleOf(marshal_, {"y@umwkp.pl"}), nullptr, KeyOf(marshal_), "", meeting);
  EXPECT_EQ(outsider.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Policy(principal::Admin(), nullptr, meeting).seats().confirmed(), 0);
  // Nor is its policy, as for an event that does not exist.
  for (const Principal& caller : {principal::Anonymous(), KeyOf(marshal_)}) {
    grpc::Status hidden;
    Policy(caller, &hidden, meeting);
    EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND) << principal::Subject(caller);
    EXPECT_EQ(ReasonOf(hidden), "EVENT_NOT_FOUND");
  }
  grpc::Status seen;
  EXPECT_EQ(Policy(KeyOf(biser_), &seen, meeting).capacity(), 10);
  EXPECT_TRUE(seen.ok()) << seen.error_message();

  // A member registers; so does the coordinator, its organiser.
  Registration member;
  ASSERT_TRUE(
      Register(PeopleOf(biser_, {"ewa@biser.pl"}), &member, KeyOf(biser_), "", meeting).ok());
  EXPECT_EQ(member.state(), Registration::CONFIRMED);
  ASSERT_TRUE(
      Register(PeopleOf(kofoed_, {"anne@kofoeds.dk"}), nullptr, KeyOf(kofoed_), "", meeting).ok());
  EXPECT_EQ(Policy(principal::Admin(), nullptr, meeting).seats().confirmed(), 2);
}

TEST_F(RegistrationsTest, StatisticsCountWhatAFundersReportNeeds) {
  // Kuyavia-Pomerania's forum: seats for local governments and for NGOs.
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                     capacity: 5
                     waitlist_enabled: true
                     self_declared_kind: COUNTS
                     quotas {
                       organisation_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY ]
                       seats: 2
                     }
                     quotas {
                       organisation_kinds: [ NGO ]
                       seats: 3
                     }
                   )pb"));
  const Registration marshal =
      MustRegister(PeopleOf(marshal_, {"jan@kujawsko-pomorskie.pl", "ewa@kujawsko-pomorskie.pl"}));
  MustRegister(PeopleOf(biser_, {"anna@biser.pl", "piotr@biser.pl"}));
  Registration local_ngo = People({"kasia@ngo-torun.pl"}, "Stowarzyszenie Toruń");
  local_ngo.set_organisation_country("PL");
  local_ngo.set_organisation_kind(org::Organisation::NGO);
  MustRegister(local_ngo);
  local_ngo.mutable_participants(0)->set_email("marek@ngo-torun.pl");
  EXPECT_EQ(MustRegister(local_ngo).state(), Registration::WAITLISTED);
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    v1::CheckInParticipantsRequest request;
    request.set_name(marshal.name());
    Registration arrived;
    ASSERT_TRUE(stub_->CheckInParticipants(&context, request, &arrived).ok());
  }

  const v1::EventStatistics statistics = Statistics(KeyOf(kofoed_));
  EXPECT_EQ(statistics.name(), event_ + "/registrationStatistics");
  std::map<Registration::State, std::pair<int, int>> states;
  for (const auto& s : statistics.states()) {
    states[s.state()] = {s.registrations(), s.participants()};
  }
  EXPECT_EQ(states[Registration::CONFIRMED], std::make_pair(3, 5));
  EXPECT_EQ(states[Registration::WAITLISTED], std::make_pair(1, 1));
  ASSERT_EQ(statistics.organisation_kinds_size(), 2);
  EXPECT_EQ(statistics.organisation_kinds(0).organisation_kind(), org::Organisation::NGO);
  EXPECT_EQ(statistics.organisation_kinds(0).participants(), 3);
  EXPECT_EQ(statistics.organisation_kinds(0).organisations(), 2);
  EXPECT_EQ(statistics.organisation_kinds(1).organisation_kind(),
            org::Organisation::REGIONAL_AUTHORITY);
  EXPECT_EQ(statistics.organisation_kinds(1).checked_in(), 2);
  ASSERT_EQ(statistics.countries_size(), 1);
  EXPECT_EQ(statistics.countries(0).country(), "PL");
  EXPECT_EQ(statistics.countries(0).participants(), 5);
  EXPECT_EQ(statistics.checked_in(), 2);
  ASSERT_EQ(statistics.seats().quotas_size(), 2);
  EXPECT_EQ(statistics.seats().quotas(1).confirmed(), 3);
}

TEST_F(RegistrationsTest, ExportIsOneCsvRowPerParticipantStreamedInChunks) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                     capacity: 500
                     questions {
                       id: "dietary-needs"
                       kind: TEXT
                       label {
                         translations { key: "da" value: "Kost" }
                         translations { key: "en" value: "Dietary needs" }
                         default_language: "da"
                       }
                     }
                     questions {
                       id: "arrival"
                       kind: SINGLE_CHOICE
                       label {
                         translations { key: "da" value: "Ankomst" }
                         default_language: "da"
                       }
                       options {
                         id: "train"
                         label {
                           translations { key: "da" value: "Med tog" }
                           default_language: "da"
                         }
                       }
                       options {
                         id: "car"
                         label {
                           translations { key: "da" value: "I bil" }
                           default_language: "da"
                         }
                       }
                     }
                   )pb"));
  // Long answers, so that the file needs several chunks.
  const std::string needs = absl::StrCat("=glutenfri, \"ingen nødder\"; ", std::string(1900, 'x'));
  for (int i = 0; i < 40; ++i) {
    Registration r = People(
        {absl::StrCat("deltager", i, "@groen.dk"), absl::StrCat("ledsager", i, "@groen.dk")});
    *r.add_answers() = Parse<v1::Answer>(R"pb(question: "arrival" choice: "train")pb");
    v1::Answer& text = *r.add_answers();
    text.set_question("dietary-needs");
    text.set_text(needs);
    MustRegister(r);
  }
  std::vector<v1::ExportChunk> chunks;
  const std::string csv = Export(KeyOf(kofoed_), &chunks);
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].content_type(), "text/csv; charset=utf-8");
  for (const v1::ExportChunk& chunk : chunks) EXPECT_LE(chunk.data().size(), 64u * 1024);

  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u + 80u);
  EXPECT_TRUE(absl::EndsWith(lines[0], ",create_time,Dietary needs,Ankomst")) << lines[0];
  EXPECT_THAT(lines[1], HasSubstr(",deltager0@groen.dk,"));
  EXPECT_THAT(lines[2], HasSubstr(",ledsager0@groen.dk,"));
  // A formula is shown as text, quotes doubled, the choice by its label.
  EXPECT_THAT(lines[1], HasSubstr(",\"'=glutenfri, \"\"ingen nødder\"\"; xxx"));
  EXPECT_TRUE(absl::EndsWith(lines[1], ",Med tog")) << lines[1].substr(0, 200);
}

// ---- Personal data. ----

TEST_F(RegistrationsTest, PersonalDataGoesOnRequestAndAfterTheRetentionPeriod) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                     capacity: 10
                     questions {
                       id: "dietary-needs"
                       kind: TEXT
                       label {
                         translations { key: "da" value: "Kost" }
                         default_language: "da"
                       }
                     }
                     questions {
                       id: "parking"
                       kind: YES_NO
                       label {
                         translations { key: "da" value: "Parkering" }
                         default_language: "da"
                       }
                     }
                   )pb"));
  const std::string biser_event = stack_.PublishMeeting(biser_, 60);
  stack_.SetPolicy(biser_event, Parse<RegistrationPolicy>("capacity: 10"));
  Registration pair = People({"mette@groen.dk", "soren@groen.dk"});
  *pair.add_answers() =
      Parse<v1::Answer>(R"pb(question: "dietary-needs" text: "Mette er vegetar")pb");
  *pair.add_answers() = Parse<v1::Answer>(R"pb(question: "parking" yes: true)pb");
  const Registration here = MustRegister(pair);
  const Registration there = MustRegister(People({"Mette@groen.dk"}), biser_event);

  auto export_for = [&](const Principal& caller) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::ExportPersonalDataRequest request;
    request.set_email("mette@groen.dk");
    v1::ExportPersonalDataResponse response;
    const grpc::Status s = stub_->ExportPersonalData(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  };
  const v1::ExportPersonalDataResponse everything = export_for(principal::Admin());
  ASSERT_EQ(everything.registrations_size(), 2);
  EXPECT_EQ(everything.registrations(0).name(), there.name());
  EXPECT_EQ(everything.registrations(1).name(), here.name());
  // Søren's data is his own: only Mette's entry is in her export.
  ASSERT_EQ(everything.registrations(1).participants_size(), 1);
  EXPECT_EQ(everything.registrations(1).participants(0).email(), "mette@groen.dk");
  const v1::ExportPersonalDataResponse kofoeds = export_for(KeyOf(kofoed_));
  ASSERT_EQ(kofoeds.registrations_size(), 1);
  EXPECT_EQ(kofoeds.registrations(0).name(), here.name());

  grpc::ClientContext context;
  RegistrationsStack::Sign(context, principal::Admin());
  v1::ErasePersonalDataRequest erase;
  erase.set_email("METTE@groen.dk");
  v1::ErasePersonalDataResponse erased;
  ASSERT_TRUE(stub_->ErasePersonalData(&context, erase, &erased).ok());
  EXPECT_EQ(erased.registrations_size(), 2);

  const Registration after = MustGet(here.name());
  EXPECT_EQ(after.state(), Registration::CONFIRMED);
  EXPECT_EQ(after.participants(0).given_name(), "");
  EXPECT_EQ(after.participants(0).email(), "");
  EXPECT_EQ(after.participants(1).email(), "soren@groen.dk");
  ASSERT_EQ(after.answers_size(), 1);
  EXPECT_EQ(after.answers(0).question(), "parking");
  EXPECT_EQ(export_for(principal::Admin()).registrations_size(), 0);
  // The counts stay.
  EXPECT_EQ(Statistics(KeyOf(kofoed_)).states(0).participants(), 2);

  // Søren's data goes 30 days after the meeting, which ends in 30 days.
  RegistrationPolicy retained = Policy(KeyOf(kofoed_));
  retained.mutable_retention_period()->set_seconds(30 * 86400);
  stack_.SetPolicy(event_, retained);
  PersonalDataStore& personal_data = *stack_.process().personal_data;
  absl::StatusOr<int> early = personal_data.AnonymiseEnded(absl::Now() + absl::Hours(24 * 59), 10);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(*early, 0);
  absl::StatusOr<int> due = personal_data.AnonymiseEnded(absl::Now() + absl::Hours(24 * 61), 10);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_EQ(*due, 1);

  const Registration anonymised = MustGet(here.name());
  EXPECT_EQ(anonymised.participants(1).email(), "");
  EXPECT_EQ(anonymised.participants(1).family_name(), "");
  EXPECT_EQ(anonymised.organisation_name(), "Foreningen Grøn Hverdag");
  EXPECT_EQ(Statistics(KeyOf(kofoed_)).states(0).participants(), 2);
  EXPECT_EQ(*personal_data.AnonymiseEnded(absl::Now() + absl::Hours(24 * 61), 10), 0);
}

// Erasure reaches every copy: the registration, the request log (a retry of the request
// that made it gets it as it is now), the outbox and the streams (which never held the
// address), in every database and every Redis key.
TEST_F(RegistrationsTest, AfterErasureNoTableStreamOrRetriedAnswerHoldsTheAddress) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const std::string address = "Ingrid.Slettes@groen.dk";
  Registration first;
  ASSERT_TRUE(Register(People({address}), &first, principal::Anonymous(), "slet-mig-1").ok());
  ASSERT_TRUE(Cancel(first.name(), principal::Anonymous(), first.manage_token()).ok());
  // Both changes are on the stream before anything is erased.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  int announced = 0;
  while (announced < 2 && absl::Now() < deadline) {
    announced = 0;
    for (const outbox::StreamEntry& entry : Changes()) {
      if (absl::StrContains(entry.payload, first.name())) ++announced;
    }
    if (announced < 2) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(announced, 2);
  auto redis = redis::Client::Create({.address = stack_.redis_address()});
  // The scans see the address where it is meant to be, and only there.
  EXPECT_THAT(TablesHolding(stack_.pool(), address), ElementsAre("participants"));
  EXPECT_THAT(KeysHolding(*redis, address), ElementsAre());

  grpc::ClientContext context;
  RegistrationsStack::Sign(context, principal::Admin());
  v1::ErasePersonalDataRequest erase;
  erase.set_email(address);
  erase.set_request_id("sletning-1");
  v1::ErasePersonalDataResponse erased;
  ASSERT_TRUE(stub_->ErasePersonalData(&context, erase, &erased).ok());
  ASSERT_EQ(erased.registrations_size(), 1);

  Registration retried;
  ASSERT_TRUE(Register(People({address}), &retried, principal::Anonymous(), "slet-mig-1").ok());
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(retried.state(), Registration::CANCELLED);
  ASSERT_EQ(retried.participants_size(), 1);
  EXPECT_EQ(retried.participants(0).email(), "");
  EXPECT_EQ(retried.participants(0).given_name(), "");

  EXPECT_THAT(TablesHolding(stack_.pool(), address), ElementsAre());
  EXPECT_THAT(TablesHolding(stack_.events().pool(), address), ElementsAre());
  EXPECT_THAT(TablesHolding(stack_.organisations().pool(), address), ElementsAre());
  EXPECT_THAT(KeysHolding(*redis, address), ElementsAre());
}

// ---- The events service's changes. ----

TEST_F(RegistrationsTest, AMoveOrACancellationOfTheEventReachesItsRegistrations) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 1 waitlist_enabled: true"));
  const Registration r = MustRegister(People({"a@groen.dk"}));
  events::v1::Event moved;
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    events::v1::GetEventRequest get;
    get.set_name(event_);
    events::v1::Event event;
    ASSERT_TRUE(stack_.events().Stub()->GetEvent(&context, get, &event).ok());
    grpc::ClientContext move;
    RegistrationsStack::Sign(move, KeyOf(kofoed_));
    events::v1::RescheduleEventRequest request;
    request.set_name(event_);
    *request.mutable_start_time() =
        TimeUtil::SecondsToTimestamp(event.start_time().seconds() + 86400);
    *request.mutable_end_time() = TimeUtil::SecondsToTimestamp(event.end_time().seconds() + 86400);
    ASSERT_TRUE(stack_.events().Stub()->RescheduleEvent(&move, request, &moved).ok());
  }
  testing::Watcher<v1::RegistrationChange> watcher(KeyOf(kofoed_), [&](grpc::ClientContext* c) {
    v1::WatchRegistrationsRequest request;
    request.set_cursor("0");
    return stub_->WatchRegistrations(c, request);
  });
  const std::vector<v1::RegistrationChange> changes = watcher.Await(2);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].confirmed().registration().name(), r.name());
  const v1::EventRescheduledNotice& notice = changes[1].rescheduled();
  EXPECT_EQ(notice.event(), event_);
  EXPECT_EQ(notice.start_time().seconds(), moved.start_time().seconds());
  EXPECT_EQ(notice.previous_start_time().seconds(), moved.start_time().seconds() - 86400);
  EXPECT_THAT(notice.registrations(), ElementsAre(r.name()));

  // Cancelled, it cancels every registration.
  const Registration confirmed = r;
  const Registration waiting = MustRegister(People({"b@groen.dk"}));
  ASSERT_EQ(waiting.state(), Registration::WAITLISTED);
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    events::v1::CancelEventRequest request;
    request.set_name(event_);
    request.set_reason("Mødet er aflyst");
    events::v1::Event cancelled;
    ASSERT_TRUE(stack_.events().Stub()->CancelEvent(&context, request, &cancelled).ok());
  }
  ASSERT_TRUE(AwaitState(confirmed.name(), Registration::CANCELLED));
  ASSERT_TRUE(AwaitState(waiting.name(), Registration::CANCELLED));
  EXPECT_EQ(MustGet(confirmed.name()).reason(), "The event was cancelled: Mødet er aflyst");
  EXPECT_EQ(Policy().seats().confirmed(), 0);
  const grpc::Status s = Register(People({"c@groen.dk"}));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "EVENT_CANCELLED");
}

// Redis lost the events stream, and the consumer group with it: the feed makes its group
// again and the next cancellation still reaches the registrations.
TEST_F(RegistrationsTest, ACancellationReachesRegistrationsAfterRedisLostTheEventsStream) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const Registration r = MustRegister(People({"a@groen.dk"}));
  auto redis = redis::Client::Create({.address = stack_.events().redis_address()});
  for (int round = 0; round < 3; ++round) {
    // Deleted at different moments of the feed's round: between its reads or during one.
    ASSERT_TRUE(redis->Command({"DEL", stack_.events().stream()}).ok());
    absl::SleepFor(absl::Milliseconds(70));
  }
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    events::v1::CancelEventRequest request;
    request.set_name(event_);
    request.set_reason("Stormvarsel");
    events::v1::Event cancelled;
    ASSERT_TRUE(stack_.events().Stub()->CancelEvent(&context, request, &cancelled).ok());
  }
  ASSERT_TRUE(AwaitState(r.name(), Registration::CANCELLED));
  EXPECT_EQ(MustGet(r.name()).reason(), "The event was cancelled: Stormvarsel");
}

// An entry no relay wrote would stop the feed at it for good: it is set aside in the
// dead-letter stream, with why, and the changes after it are handled.
TEST_F(RegistrationsTest, AMalformedChangeGoesToTheDeadLetterStreamAndTheFeedCarriesOn) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const Registration r = MustRegister(People({"a@groen.dk"}));
  auto redis = redis::Client::Create({.address = stack_.events().redis_address()});
  const std::string stream = stack_.events().stream();
  ASSERT_TRUE(redis
                  ->Command({"XADD", stream, "*", "type", "coopnet.events.v1.EventCancelled",
                             "payload", "\x01garbage", "outbox_id", "not-a-number"})
                  .ok());
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    events::v1::CancelEventRequest request;
    request.set_name(event_);
    request.set_reason("Isstorm");
    events::v1::Event cancelled;
    ASSERT_TRUE(stack_.events().Stub()->CancelEvent(&context, request, &cancelled).ok());
  }
  ASSERT_TRUE(AwaitState(r.name(), Registration::CANCELLED));
  absl::StatusOr<redis::Reply> dead = redis->Command({"XRANGE", stream + ":dead-letter", "-", "+"});
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->elements.size(), 1u) << dead->DebugString();
  EXPECT_THAT(dead->DebugString(), HasSubstr("malformed"));
  EXPECT_THAT(dead->DebugString(), HasSubstr("registrations"));
}

TEST_F(RegistrationsTest, WatchersSeeOnlyTheRegistrationsOfTheirOwnEvents) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const std::string biser_event = stack_.PublishMeeting(biser_, 60);
  stack_.SetPolicy(biser_event, Parse<RegistrationPolicy>("capacity: 10"));
  MustRegister(People({"a@groen.dk"}));
  const Registration theirs = MustRegister(People({"b@groen.dk"}), biser_event);
  testing::Watcher<v1::RegistrationChange> watcher(KeyOf(biser_), [&](grpc::ClientContext* c) {
    v1::WatchRegistrationsRequest request;
    request.set_cursor("0");
    return stub_->WatchRegistrations(c, request);
  });
  const std::vector<v1::RegistrationChange> changes = watcher.Await(1);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].confirmed().registration().name(), theirs.name());
}

// Seats kept for a kind are taken in a directory organisation's name only by those who act
// for it: anyone else, even another organisation's key, registers in free text.
TEST_F(RegistrationsTest, NobodyRegistersInADirectoryOrganisationsName) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const Registration as_marshal = PeopleOf(marshal_, {"impostor@example.org"});
  for (const Principal& caller : {principal::Anonymous(), KeyOf(biser_)}) {
    grpc::Status s = Register(as_marshal, nullptr, caller);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << principal::Subject(caller);
    EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("registration.organisation"));
  }
  EXPECT_EQ(List({}, KeyOf(kofoed_)).registrations_size(), 0);
  // In free text the same person may register; it names no directory organisation.
  Registration free_text = People({"impostor@example.org"});
  grpc::Status s = Register(free_text);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(RegistrationsTest, APortalWithADelegationRegistersForTheOrganisation) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  Principal portal = KeyOf(biser_);
  Principal::Delegation& held = *portal.add_delegations();
  held.set_organisation(marshal_);
  held.add_scopes(type::v1::EVENTS_WRITE);
  *held.mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  const Registration as_marshal = PeopleOf(marshal_, {"jan@kujawsko-pomorskie.pl"});
  // Another scope than registrations is not enough.
  EXPECT_EQ(Register(as_marshal, nullptr, portal).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  held.add_scopes(type::v1::REGISTRATIONS_WRITE);
  Registration made;
  grpc::Status s = Register(as_marshal, &made, portal);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(made.organisation(), marshal_);
  EXPECT_EQ(made.organisation_kind(), org::Organisation::REGIONAL_AUTHORITY);
}

// ---- Self-declared kinds against the quotas. ----

TEST_F(RegistrationsTest, SelfDeclaredQuotaKindsWaitForApprovalThenTakeQuotaSeats) {
  // Unset: a policy with quotas wants the organiser to approve self-declared kinds.
  const RegistrationPolicy policy =
      stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                         capacity: 3
                         waitlist_enabled: true
                         quotas {
                           organisation_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY ]
                           seats: 2
                         }
                       )pb"));
  EXPECT_EQ(policy.self_declared_kind(), RegistrationPolicy::NEEDS_APPROVAL);
  EXPECT_EQ(Policy().self_declared_kind(), RegistrationPolicy::NEEDS_APPROVAL);
  Registration gmina = People({"wojt@gmina-lubicz.pl"}, "Gmina Lubicz");
  gmina.set_organisation_country("PL");
  gmina.set_organisation_kind(org::Organisation::MUNICIPALITY);
  const Registration waiting = MustRegister(gmina);
  EXPECT_EQ(waiting.state(), Registration::PENDING_APPROVAL);
  EXPECT_EQ(Policy().seats().quotas(0).confirmed(), 0);

  // The directory's regional authority, with its own key, takes the quota at once.
  const Registration marshal =
      MustRegister(PeopleOf(marshal_, {"jan@kujawsko-pomorskie.pl", "ewa@kujawsko-pomorskie.pl"}));
  EXPECT_EQ(marshal.state(), Registration::CONFIRMED);
  // A kind no quota names has nothing to prove: the shared seat.
  Registration school = People({"anne@skole.dk"}, "Aarhus Friskole");
  school.set_organisation_kind(org::Organisation::EDUCATION);
  EXPECT_EQ(MustRegister(school).state(), Registration::CONFIRMED);

  // Approved, the municipality wants a quota seat: there is none left, so it waits in line.
  grpc::ClientContext context;
  RegistrationsStack::Sign(context, KeyOf(kofoed_));
  v1::ApproveRegistrationRequest approve;
  approve.set_name(waiting.name());
  Registration approved;
  ASSERT_TRUE(stub_->ApproveRegistration(&context, approve, &approved).ok());
  EXPECT_EQ(approved.state(), Registration::WAITLISTED);
  ASSERT_TRUE(Cancel(marshal.name(), KeyOf(kofoed_)).ok());
  EXPECT_EQ(MustGet(waiting.name()).state(), Registration::CONFIRMED);
  EXPECT_EQ(Policy().seats().quotas(0).confirmed(), 1);
}

TEST_F(RegistrationsTest, IgnoredSelfDeclaredKindsTakeOnlyTheSharedSeats) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>(R"pb(
                     capacity: 2
                     self_declared_kind: IGNORED
                     quotas {
                       organisation_kinds: [ NGO ]
                       seats: 1
                     }
                   )pb"));
  Registration typed = People({"kasia@ngo-torun.pl"}, "Stowarzyszenie Toruń");
  typed.set_organisation_country("PL");
  typed.set_organisation_kind(org::Organisation::NGO);
  EXPECT_EQ(MustRegister(typed).state(), Registration::CONFIRMED);
  Registration second = People({"marek@ngo-torun.pl"}, "Stowarzyszenie Toruń");
  second.set_organisation_kind(org::Organisation::NGO);
  const grpc::Status full = Register(second);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(full), "EVENT_FULL");
  // The NGO seat was kept for an NGO the directory vouches for.
  EXPECT_EQ(MustRegister(PeopleOf(biser_, {"anna@biser.pl"})).state(), Registration::CONFIRMED);
  const v1::SeatSummary seats = Policy().seats();
  EXPECT_EQ(seats.confirmed(), 2);
  EXPECT_EQ(seats.quotas(0).confirmed(), 1);
  // The statistics still say what the registrant declared.
  EXPECT_EQ(Statistics(KeyOf(kofoed_)).organisation_kinds(0).participants(), 2);
}

TEST_F(RegistrationsTest, ABadSelfDeclaredKindIsRefusedNamingTheField) {
  RegistrationPolicy bad = Parse<RegistrationPolicy>("capacity: 10");
  bad.set_self_declared_kind(static_cast<RegistrationPolicy::SelfDeclaredKind>(7));
  bad.set_name(event_ + "/registrationPolicy");
  grpc::ClientContext context;
  RegistrationsStack::Sign(context, KeyOf(kofoed_));
  v1::UpdateRegistrationPolicyRequest request;
  *request.mutable_policy() = bad;
  request.mutable_update_mask()->add_paths("*");
  RegistrationPolicy updated;
  const grpc::Status s = stub_->UpdateRegistrationPolicy(&context, request, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(s), ElementsAre("policy.self_declared_kind"));
  grpc::Status none;
  Policy(principal::Admin(), &none);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::NOT_FOUND);
}

// ---- An organisation's own registrations. ----

TEST_F(RegistrationsTest, AnOrganisationListsItsOwnRegistrationsAtEveryEvent) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const std::string forum = stack_.PublishMeeting(kofoed_, 40);
  stack_.SetPolicy(forum, Parse<RegistrationPolicy>("capacity: 10"));
  const Registration first = MustRegister(PeopleOf(biser_, {"anna@biser.pl"}));
  const Registration second = MustRegister(PeopleOf(biser_, {"piotr@biser.pl"}), forum);
  ASSERT_TRUE(Cancel(second.name(), KeyOf(kofoed_)).ok());
  MustRegister(PeopleOf(marshal_, {"jan@kujawsko-pomorskie.pl"}));
  // Free text naming BISER is somebody's word, not BISER's registration.
  MustRegister(People({"ktos@example.org"}, "BISER"));

  auto list = [&](const Principal& caller, v1::ListOrganisationRegistrationsRequest request,
                  v1::ListOrganisationRegistrationsResponse* out) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    if (request.organisation().empty()) request.set_organisation(biser_);
    return stub_->ListOrganisationRegistrations(&context, request, out);
  };
  v1::ListOrganisationRegistrationsRequest one_a_page;
  one_a_page.set_page_size(1);
  v1::ListOrganisationRegistrationsResponse page;
  ASSERT_TRUE(list(KeyOf(biser_), one_a_page, &page).ok());
  ASSERT_EQ(page.registrations_size(), 1);
  EXPECT_EQ(page.registrations(0).name(), first.name());
  EXPECT_EQ(page.registrations(0).participants(0).email(), "anna@biser.pl");
  one_a_page.set_page_token(page.next_page_token());
  ASSERT_TRUE(list(KeyOf(biser_), one_a_page, &page).ok());
  ASSERT_EQ(page.registrations_size(), 1);
  EXPECT_EQ(page.registrations(0).name(), second.name());
  EXPECT_EQ(page.next_page_token(), "");

  v1::ListOrganisationRegistrationsRequest cancelled;
  cancelled.add_states(Registration::CANCELLED);
  ASSERT_TRUE(list(KeyOf(biser_), cancelled, &page).ok());
  ASSERT_EQ(page.registrations_size(), 1);
  EXPECT_EQ(page.registrations(0).name(), second.name());

  // A portal BISER delegated registrations to sees them; an operator too.
  Principal portal = KeyOf(marshal_);
  Principal::Delegation& held = *portal.add_delegations();
  held.set_organisation(biser_);
  held.add_scopes(type::v1::REGISTRATIONS_WRITE);
  *held.mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(1));
  ASSERT_TRUE(list(portal, {}, &page).ok());
  EXPECT_EQ(page.registrations_size(), 2);
  ASSERT_TRUE(list(principal::Admin(), {}, &page).ok());
  EXPECT_EQ(page.registrations_size(), 2);

  // Anybody else: not theirs to read.
  const grpc::Status other = list(KeyOf(marshal_), {}, &page);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(other), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(list(KeyOf(kofoed_), {}, &page).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(principal::Anonymous(), {}, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListOrganisationRegistrationsRequest bad;
  bad.set_organisation("biser");
  bad.add_states(Registration::STATE_UNSPECIFIED);
  const grpc::Status invalid = list(KeyOf(biser_), bad, &page);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldsOf(invalid), ::testing::Contains("organisation"));
}

// ---- Retries of anonymous callers. ----

TEST_F(RegistrationsTest, AnonymousClientsWithTheSameRequestIdGetTheirOwnRegistrations) {
  stack_.SetPolicy(event_, Parse<RegistrationPolicy>("capacity: 10"));
  const Principal here = principal::Anonymous("198.51.100.7");
  const Principal there = principal::Anonymous("203.0.113.9");
  Registration mine, theirs, retried;
  ASSERT_TRUE(Register(People({"a@groen.dk"}), &mine, here, "formular-1").ok());
  // Another client with the same id: its own registration, never the first's answer.
  const grpc::Status other = Register(People({"b@groen.dk"}), &theirs, there, "formular-1");
  ASSERT_TRUE(other.ok()) << other.error_message();
  EXPECT_NE(theirs.name(), mine.name());
  EXPECT_NE(theirs.manage_token(), mine.manage_token());
  // The first client's very request, replayed by a third: a new registration of an
  // e-mail already registered, not the first answer with its manage token.
  Registration copy;
  const grpc::Status replayed =
      Register(People({"a@groen.dk"}), &copy, principal::Anonymous("192.0.2.44"), "formular-1");
  EXPECT_EQ(replayed.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(replayed), "EMAIL_ALREADY_REGISTERED");
  EXPECT_EQ(copy.manage_token(), "");
  // A retry from the first client still gets its first answer.
  ASSERT_TRUE(Register(People({"a@groen.dk"}), &retried, here, "formular-1").ok());
  EXPECT_EQ(retried.name(), mine.name());
  EXPECT_EQ(retried.manage_token(), mine.manage_token());
  EXPECT_EQ(List({}, KeyOf(kofoed_)).registrations_size(), 2);
}

}  // namespace
}  // namespace coopnet::registrations
