#include "services/registrations/registration_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"

namespace coopnet::registrations {
namespace {

using google::protobuf::util::TimeUtil;
using organisations::v1::Organisation;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

std::string ReasonOf(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason() : "";
}

// The Kuyavia-Pomerania forum: 160 seats, 80 for municipalities and regions, 80 for NGOs.
RegistrationPolicy ForumPolicy() {
  return Parse<RegistrationPolicy>(R"pb(
    capacity: 160
    quotas {
      organisation_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY ]
      seats: 80
    }
    quotas {
      organisation_kinds: [ NGO ]
      seats: 80
    }
    waitlist_enabled: true
  )pb");
}

RegistrationPolicy SmallMeeting(int capacity, bool waitlist = true, int waitlist_limit = 0) {
  RegistrationPolicy policy;
  policy.set_capacity(capacity);
  policy.set_waitlist_enabled(waitlist);
  policy.set_waitlist_limit(waitlist_limit);
  return policy;
}

Ledger EmptyLedger(const RegistrationPolicy& policy) {
  Ledger ledger;
  ledger.seats = PoolSeats(policy);
  ledger.confirmed.assign(ledger.seats.size(), 0);
  return ledger;
}

Registration Group(int size, const std::string& domain = "biser.pl") {
  Registration r;
  r.set_organisation_name("BISER");
  r.set_organisation_country("PL");
  r.set_organisation_kind(Organisation::NGO);
  for (int i = 0; i < size; ++i) {
    v1::Participant& p = *r.add_participants();
    p.set_given_name("Anna");
    p.set_family_name(absl::StrCat("Kowalska", i));
    p.set_email(absl::StrCat("anna", i, "@", domain));
  }
  return r;
}

// ---- Seats. ----

TEST(PoolSeats, QuotasReserveSeatsAndTheRestIsOpen) {
  EXPECT_THAT(PoolSeats(ForumPolicy()), ElementsAre(0, 80, 80));
  RegistrationPolicy policy = ForumPolicy();
  policy.set_capacity(200);
  EXPECT_THAT(PoolSeats(policy), ElementsAre(40, 80, 80));
  policy.set_capacity(0);
  EXPECT_THAT(PoolSeats(policy), ElementsAre(kUnlimited, 80, 80));
}

TEST(PoolOf, AKindTakesTheSeatsOfItsQuota) {
  const RegistrationPolicy policy = ForumPolicy();
  EXPECT_EQ(PoolOf(policy, Organisation::REGIONAL_AUTHORITY), 1);
  EXPECT_EQ(PoolOf(policy, Organisation::NGO), 2);
  EXPECT_EQ(PoolOf(policy, Organisation::FOUNDATION), 0);
  EXPECT_EQ(PoolOf(policy, Organisation::KIND_UNSPECIFIED), 0);
}

TEST(Admit, ConfirmsAGroupWhileItsSeatsAreFree) {
  const RegistrationPolicy policy = SmallMeeting(5);
  Ledger ledger = EmptyLedger(policy);
  auto admission = Admit(policy, ledger, 0, 3, false);
  ASSERT_TRUE(admission.ok()) << admission.status();
  EXPECT_EQ(admission->state, Registration::CONFIRMED);
  EXPECT_THAT(ledger.confirmed, ElementsAre(3));
}

TEST(Admit, WaitlistsTheWholeGroupWhenItDoesNotFit) {
  const RegistrationPolicy policy = SmallMeeting(5);
  Ledger ledger = EmptyLedger(policy);
  ASSERT_TRUE(Admit(policy, ledger, 0, 3, false).ok());
  auto first = Admit(policy, ledger, 0, 3, false);
  auto second = Admit(policy, ledger, 0, 1, false);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->state, Registration::WAITLISTED);
  EXPECT_EQ(first->waitlist_position, 1);
  // One seat is still free: a single person fits where the group of three did not.
  EXPECT_EQ(second->state, Registration::CONFIRMED);
  EXPECT_THAT(ledger.confirmed, ElementsAre(4));
  EXPECT_EQ(ledger.waitlisted_participants, 3);
  EXPECT_EQ(ledger.waitlisted_registrations, 1);
}

TEST(Admit, NumbersTheLineInArrivalOrder) {
  const RegistrationPolicy policy = SmallMeeting(1);
  Ledger ledger = EmptyLedger(policy);
  ASSERT_TRUE(Admit(policy, ledger, 0, 1, false).ok());
  std::vector<int> positions;
  std::vector<int64_t> numbers;
  for (int i = 0; i < 3; ++i) {
    auto a = Admit(policy, ledger, 0, 1, false);
    ASSERT_TRUE(a.ok());
    positions.push_back(a->waitlist_position);
    numbers.push_back(a->waitlist_number);
  }
  EXPECT_THAT(positions, ElementsAre(1, 2, 3));
  EXPECT_THAT(numbers, ElementsAre(1, 2, 3));
}

TEST(Admit, RefusesWhenNeitherSeatsNorTheWaitlistHaveRoom) {
  RegistrationPolicy policy = SmallMeeting(2, /*waitlist=*/true, /*waitlist_limit=*/3);
  Ledger ledger = EmptyLedger(policy);
  ASSERT_TRUE(Admit(policy, ledger, 0, 2, false).ok());
  ASSERT_EQ(Admit(policy, ledger, 0, 2, false)->state, Registration::WAITLISTED);
  const Ledger before = ledger;
  absl::StatusOr<Admission> full = Admit(policy, ledger, 0, 2, false);
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(full.status()), "EVENT_FULL");
  EXPECT_THAT(full.status().message(), HasSubstr("waitlist is full"));
  EXPECT_EQ(ledger, before);

  policy.set_waitlist_enabled(false);
  EXPECT_THAT(Admit(policy, ledger, 0, 1, false).status().message(),
              HasSubstr("keeps no waitlist"));
}

TEST(Admit, AQuotaKindWaitsWhenItsQuotaIsFullEvenWithOpenSeats) {
  RegistrationPolicy policy = ForumPolicy();
  policy.set_capacity(170);  // 10 open seats
  Ledger ledger = EmptyLedger(policy);
  const int ngos = PoolOf(policy, Organisation::NGO);
  ASSERT_EQ(Admit(policy, ledger, ngos, 80, false)->state, Registration::CONFIRMED);
  EXPECT_EQ(Admit(policy, ledger, ngos, 1, false)->state, Registration::WAITLISTED);
  EXPECT_EQ(Admit(policy, ledger, 0, 10, false)->state, Registration::CONFIRMED);
}

TEST(Admit, ApprovalHoldsNoSeatUntilApproved) {
  RegistrationPolicy policy = SmallMeeting(1);
  policy.set_approval_required(true);
  Ledger ledger = EmptyLedger(policy);
  Registration anyone;
  anyone.set_organisation("organisations/urzad");
  ASSERT_TRUE(AwaitsApproval(policy, anyone));
  EXPECT_EQ(Admit(policy, ledger, 0, 1, true)->state, Registration::PENDING_APPROVAL);
  EXPECT_EQ(Admit(policy, ledger, 0, 1, true)->state, Registration::PENDING_APPROVAL);
  EXPECT_THAT(ledger.confirmed, ElementsAre(0));
  EXPECT_EQ(Admit(policy, ledger, 0, 1, false)->state, Registration::CONFIRMED);
  EXPECT_EQ(Admit(policy, ledger, 0, 1, false)->state, Registration::WAITLISTED);
}

// A free-text organisation of `kind`, as anybody may send it.
Registration SelfDeclared(OrganisationKind kind) {
  Registration r;
  r.set_organisation_name("Gmina Kowalewo Pomorskie");
  r.set_organisation_country("PL");
  r.set_organisation_kind(kind);
  return r;
}

// The same kind from the directory, named by a caller acting for it.
Registration FromDirectory(OrganisationKind kind) {
  Registration r = SelfDeclared(kind);
  r.set_organisation("organisations/kowalewo");
  return r;
}

TEST(SelfDeclaredKind, UnsetMeansNeedsApprovalOnceThereAreQuotas) {
  RegistrationPolicy policy = ForumPolicy();
  EXPECT_EQ(SelfDeclaredKindOf(policy), RegistrationPolicy::NEEDS_APPROVAL);
  SettleSelfDeclaredKind(policy);
  EXPECT_EQ(policy.self_declared_kind(), RegistrationPolicy::NEEDS_APPROVAL);
  RegistrationPolicy open = SmallMeeting(10);
  SettleSelfDeclaredKind(open);
  EXPECT_EQ(open.self_declared_kind(), RegistrationPolicy::SELF_DECLARED_KIND_UNSPECIFIED);
  EXPECT_FALSE(AwaitsApproval(open, SelfDeclared(Organisation::MUNICIPALITY)));
}

TEST(SelfDeclaredKind, NeedsApprovalHoldsOnlySelfDeclaredQuotaKinds) {
  RegistrationPolicy policy = ForumPolicy();
  policy.set_self_declared_kind(RegistrationPolicy::NEEDS_APPROVAL);
  EXPECT_TRUE(AwaitsApproval(policy, SelfDeclared(Organisation::MUNICIPALITY)));
  EXPECT_EQ(PoolOf(policy, SelfDeclared(Organisation::MUNICIPALITY)), 1);
  // A kind no quota names takes the shared seats, so it has nothing to prove.
  EXPECT_FALSE(AwaitsApproval(policy, SelfDeclared(Organisation::FOUNDATION)));
  EXPECT_FALSE(AwaitsApproval(policy, FromDirectory(Organisation::MUNICIPALITY)));
}

TEST(SelfDeclaredKind, CountsTakesQuotaSeatsAtOnce) {
  RegistrationPolicy policy = ForumPolicy();
  policy.set_self_declared_kind(RegistrationPolicy::COUNTS);
  EXPECT_FALSE(AwaitsApproval(policy, SelfDeclared(Organisation::NGO)));
  EXPECT_EQ(PoolOf(policy, SelfDeclared(Organisation::NGO)), 2);
}

TEST(SelfDeclaredKind, IgnoredTakesTheSharedSeatsButADirectoryKindCounts) {
  RegistrationPolicy policy = ForumPolicy();
  policy.set_self_declared_kind(RegistrationPolicy::IGNORED);
  EXPECT_FALSE(AwaitsApproval(policy, SelfDeclared(Organisation::NGO)));
  EXPECT_EQ(PoolOf(policy, SelfDeclared(Organisation::NGO)), 0);
  EXPECT_EQ(PoolOf(policy, FromDirectory(Organisation::NGO)), 2);
}

TEST(SelfDeclaredKind, TheBytesMigration0002AppendsReadAsCounts) {
  RegistrationPolicy stored;
  ASSERT_TRUE(stored.ParseFromString(ForumPolicy().SerializeAsString() + "\x88\x01\x01"));
  EXPECT_EQ(stored.self_declared_kind(), RegistrationPolicy::COUNTS);
  EXPECT_EQ(stored.capacity(), 160);
}

TEST(ValidatePolicy, RefusesAnUnknownSelfDeclaredKind) {
  RegistrationPolicy policy = ForumPolicy();
  policy.set_self_declared_kind(static_cast<RegistrationPolicy::SelfDeclaredKind>(9));
  const absl::Status s = ValidatePolicy(policy);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(s), ElementsAre("policy.self_declared_kind"));
}

TEST(Release, GivesBackSeatsOrAPlaceInLine) {
  const RegistrationPolicy policy = SmallMeeting(2);
  Ledger ledger = EmptyLedger(policy);
  ASSERT_TRUE(Admit(policy, ledger, 0, 2, false).ok());
  ASSERT_TRUE(Admit(policy, ledger, 0, 1, false).ok());
  Release(ledger, Registration::WAITLISTED, 0, 1);
  EXPECT_EQ(ledger.waitlisted_registrations, 0);
  Release(ledger, Registration::CONFIRMED, 0, 2);
  EXPECT_THAT(ledger.confirmed, ElementsAre(0));
  Release(ledger, Registration::PENDING_APPROVAL, 0, 2);
  EXPECT_THAT(ledger.confirmed, ElementsAre(0));
}

TEST(Promote, PromotesTheOldestThatFitAndNeverMoreThanTheFreeSeats) {
  const RegistrationPolicy policy = SmallMeeting(10);
  Ledger ledger = EmptyLedger(policy);
  ledger.confirmed = {7};
  ledger.waitlisted_participants = 8;
  ledger.waitlisted_registrations = 4;
  // Three seats free: the group of four is skipped, the two and the one behind it fit.
  const std::vector<WaitingGroup> line = {
      {"four", 0, 4}, {"two", 0, 2}, {"one", 0, 1}, {"another", 0, 1}};
  EXPECT_THAT(Promote(ledger, line), ElementsAre("two", "one"));
  EXPECT_THAT(ledger.confirmed, ElementsAre(10));
  EXPECT_EQ(ledger.waitlisted_participants, 5);
  EXPECT_EQ(ledger.waitlisted_registrations, 2);
}

TEST(Promote, FreedQuotaSeatsGoOnlyToThatQuotasKinds) {
  const RegistrationPolicy policy = ForumPolicy();
  Ledger ledger = EmptyLedger(policy);
  ledger.confirmed = {0, 80, 79};
  ledger.waitlisted_participants = 2;
  ledger.waitlisted_registrations = 2;
  const std::vector<WaitingGroup> line = {{"municipality", 1, 1}, {"ngo", 2, 1}};
  EXPECT_THAT(Promote(ledger, line), ElementsAre("ngo"));
}

TEST(Reseat, RefusesACapacityBelowTheConfirmed) {
  const RegistrationPolicy before = SmallMeeting(50);
  Ledger ledger = EmptyLedger(before);
  ledger.confirmed = {45};
  RegistrationPolicy after = SmallMeeting(40);
  absl::StatusOr<Ledger> reseated = Reseat(after, ledger, {{Organisation::NGO, 45}});
  EXPECT_EQ(reseated.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(reseated.status()), "SEATS_BELOW_CONFIRMED");
  EXPECT_THAT(reseated.status().message(), HasSubstr("policy.capacity"));

  after.set_capacity(60);
  reseated = Reseat(after, ledger, {{Organisation::NGO, 45}});
  ASSERT_TRUE(reseated.ok()) << reseated.status();
  EXPECT_THAT(reseated->seats, ElementsAre(60));
  EXPECT_THAT(reseated->confirmed, ElementsAre(45));
}

TEST(Reseat, CountsConfirmedParticipantsIntoTheNewQuotas) {
  const RegistrationPolicy open = SmallMeeting(160);
  Ledger ledger = EmptyLedger(open);
  ledger.confirmed = {30};
  absl::StatusOr<Ledger> reseated = Reseat(ForumPolicy(), ledger,
                                           {{Organisation::NGO, 20},
                                            {Organisation::MUNICIPALITY, 6},
                                            {Organisation::REGIONAL_AUTHORITY, 4}});
  ASSERT_TRUE(reseated.ok()) << reseated.status();
  EXPECT_THAT(reseated->confirmed, ElementsAre(0, 10, 20));

  RegistrationPolicy tight = ForumPolicy();
  tight.mutable_quotas(1)->set_seats(15);
  EXPECT_THAT(Reseat(tight, ledger, {{Organisation::NGO, 20}}).status().message(),
              HasSubstr("policy.quotas[1] has 15 seats, but 20"));
}

TEST(SummaryOf, SaysWhatIsTakenAndWhatIsLeft) {
  const RegistrationPolicy policy = ForumPolicy();
  Ledger ledger = EmptyLedger(policy);
  ledger.confirmed = {0, 30, 80};
  ledger.waitlisted_participants = 4;
  const v1::SeatSummary summary = SummaryOf(policy, ledger);
  EXPECT_EQ(summary.confirmed(), 110);
  EXPECT_EQ(summary.available(), 50);
  EXPECT_EQ(summary.waitlisted(), 4);
  ASSERT_EQ(summary.quotas_size(), 2);
  EXPECT_EQ(summary.quotas(1).confirmed(), 80);
  EXPECT_EQ(SummaryOf(SmallMeeting(0), EmptyLedger(SmallMeeting(0))).available(), kUnlimited);
}

// ---- Policy. ----

TEST(ValidatePolicy, AcceptsTheForumsPolicy) {
  RegistrationPolicy policy = ForumPolicy();
  *policy.add_questions() = Parse<v1::Question>(R"pb(
    id: "dietary-needs"
    kind: TEXT
    label {
      translations { key: "pl" value: "Dieta" }
      default_language: "pl"
    }
  )pb");
  EXPECT_TRUE(ValidatePolicy(policy).ok()) << ValidatePolicy(policy);
}

TEST(ValidatePolicy, NamesEveryBrokenRule) {
  RegistrationPolicy policy = Parse<RegistrationPolicy>(R"pb(
    capacity: 100
    quotas {
      organisation_kinds: [ NGO ]
      seats: 80
    }
    quotas {
      organisation_kinds: [ NGO, KIND_UNSPECIFIED ]
      seats: 30
    }
    waitlist_limit: -1
    max_group_size: 500
    questions {
      id: "Dietary Needs"
      kind: SINGLE_CHOICE
      label {
        translations { key: "da" value: "Kost" }
        default_language: "da"
      }
      options {
        id: "vegan"
        label {
          translations { key: "da" value: "Vegansk" }
          default_language: "da"
        }
      }
    }
    questions {
      id: "x"
      kind: YES_NO
      label {
        translations { key: "da" value: "Ja?" }
        default_language: "da"
      }
      options { id: "a" }
    }
    questions { id: "x" kind: TEXT }
    retention_period { seconds: 60 }
    open_time { seconds: 2000 }
    close_time { seconds: 1000 }
  )pb");
  const absl::Status s = ValidatePolicy(policy);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      FieldsOf(s),
      ::testing::IsSupersetOf(
          {"policy.quotas[1].organisation_kinds[0]", "policy.quotas[1].organisation_kinds[1]",
           "policy.quotas", "policy.waitlist_limit", "policy.max_group_size",
           "policy.questions[0].id", "policy.questions[0].options", "policy.questions[1].options",
           "policy.questions[2].id", "policy.questions[2].label", "policy.retention_period",
           "policy.close_time"}));
  EXPECT_THAT(std::string(s.message()), HasSubstr("NGO is already in quotas[0]"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("reserve 110 seats, more than the capacity of 100"));
}

TEST(ApplyPolicyMask, ReplacesOnlyTheNamedFields) {
  const RegistrationPolicy stored = ForumPolicy();
  RegistrationPolicy patch;
  patch.set_capacity(200);
  google::protobuf::FieldMask mask;
  mask.add_paths("capacity");
  auto changed = ApplyPolicyMask(stored, patch, mask);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->capacity(), 200);
  EXPECT_EQ(changed->quotas_size(), 2);

  mask.add_paths("quotas");
  changed = ApplyPolicyMask(stored, patch, mask);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->quotas_size(), 0);

  google::protobuf::FieldMask star;
  star.add_paths("*");
  changed = ApplyPolicyMask(stored, patch, star);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->waitlist_enabled());
}

TEST(ApplyPolicyMask, RefusesEmptyUnknownAndOutputOnlyPaths) {
  const RegistrationPolicy stored = ForumPolicy();
  for (const char* path : {"seats", "etag", "name", "colour"}) {
    google::protobuf::FieldMask mask;
    mask.add_paths(path);
    EXPECT_THAT(FieldsOf(ApplyPolicyMask(stored, stored, mask).status()),
                ElementsAre("update_mask"))
        << path;
  }
  EXPECT_THAT(FieldsOf(ApplyPolicyMask(stored, stored, {}).status()), ElementsAre("update_mask"));
}

TEST(RetentionOf, DefaultsToAYear) {
  RegistrationPolicy policy;
  EXPECT_EQ(RetentionOf(policy), absl::Hours(24 * 365));
  policy.mutable_retention_period()->set_seconds(86400 * 30);
  EXPECT_EQ(RetentionOf(policy), absl::Hours(24 * 30));
}

// ---- Registrations. ----

TEST(ValidateRegistration, AcceptsAGroupOfAFreeTextOrganisation) {
  EXPECT_TRUE(ValidateRegistration(Group(2)).ok()) << ValidateRegistration(Group(2));
}

TEST(ValidateRegistration, RefusesAnEmptyGroup) {
  Registration r = Group(0);
  EXPECT_THAT(FieldsOf(ValidateRegistration(r)), ElementsAre("registration.participants"));
}

TEST(ValidateRegistration, NamesTheBadEmailAndTheRepeatedOne) {
  Registration r = Group(3);
  r.mutable_participants(1)->set_email("anna(at)biser.pl");
  r.mutable_participants(2)->set_email("ANNA0@biser.pl");
  EXPECT_THAT(FieldsOf(ValidateRegistration(r)), ElementsAre("registration.participants[1].email",
                                                             "registration.participants[2].email"));
}

TEST(ValidateRegistration, NeedsADirectoryEntryOrANameAndCountry) {
  Registration r = Group(1);
  r.clear_organisation_name();
  r.set_organisation_country("XX");
  EXPECT_THAT(FieldsOf(ValidateRegistration(r)),
              ElementsAre("registration.organisation_name", "registration.organisation_country"));
  r.set_organisation("organisations/not an id");
  EXPECT_THAT(FieldsOf(ValidateRegistration(r)), ElementsAre("registration.organisation"));
}

RegistrationPolicy PolicyWithQuestions() {
  return Parse<RegistrationPolicy>(R"pb(
    max_group_size: 2
    privacy_notice_version: "2022-09"
    questions {
      id: "dietary-needs"
      kind: TEXT
      required: true
      label {
        translations { key: "da" value: "Kost" }
        default_language: "da"
      }
    }
    questions {
      id: "workshop"
      kind: SINGLE_CHOICE
      label {
        translations { key: "da" value: "Workshop" }
        default_language: "da"
      }
      options {
        id: "green"
        label {
          translations { key: "da" value: "Grøn omstilling" }
          default_language: "da"
        }
      }
      options {
        id: "social"
        label {
          translations { key: "da" value: "Social bæredygtighed" }
          default_language: "da"
        }
      }
    }
    questions {
      id: "topics"
      kind: MULTIPLE_CHOICE
      label {
        translations { key: "da" value: "Emner" }
        default_language: "da"
      }
      options {
        id: "eu"
        label {
          translations { key: "da" value: "EU" }
          default_language: "da"
        }
      }
      options {
        id: "nordic"
        label {
          translations { key: "da" value: "Norden" }
          default_language: "da"
        }
      }
    }
    questions {
      id: "country"
      kind: COUNTRY
      label {
        translations { key: "da" value: "Land" }
        default_language: "da"
      }
    }
  )pb");
}

TEST(CheckAgainstPolicy, AcceptsAnswersOfEveryKind) {
  Registration r = Group(2);
  r.mutable_consent()->set_notice_version("2022-09");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "dietary-needs" text: "vegetar")pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "workshop" choice: "green")pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "topics"
                                            choices { options: [ "eu", "nordic" ] })pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "country" country: "DK")pb");
  EXPECT_TRUE(CheckAgainstPolicy(PolicyWithQuestions(), r).ok())
      << CheckAgainstPolicy(PolicyWithQuestions(), r);
}

TEST(CheckAgainstPolicy, NamesEveryAnswerThatBreaksTheForm) {
  Registration r = Group(3);
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "parking" yes: true)pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "workshop" choice: "music")pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "topics" choice: "eu")pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "country" country: "dk")pb");
  const absl::Status s = CheckAgainstPolicy(PolicyWithQuestions(), r);
  EXPECT_THAT(FieldsOf(s),
              ElementsAre("registration.participants", "registration.answers[0].question",
                          "registration.answers[1].choice", "registration.answers[2]",
                          "registration.answers[3].country", "registration.answers",
                          "registration.consent.notice_version"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("at most 2 participants"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("\"parking\" is not a question of this event"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("must answer the required question \"dietary-needs\""));
}

EventFacts PublishedMeeting() {
  EventFacts event;
  event.name = "events/01h";
  event.state = events::v1::Event::PUBLISHED;
  absl::TimeZone copenhagen;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen));
  event.start_time = absl::FromCivil(absl::CivilMinute(2022, 10, 13, 16, 30), copenhagen);
  event.end_time = event.start_time + absl::Hours(2);
  event.time_zone = "Europe/Copenhagen";
  event.organisers = {"organisations/ngo-netvaerk"};
  return event;
}

TEST(CheckOpen, SaysWhenRegistrationClosedInTheEventsTimeZone) {
  RegistrationPolicy policy;
  // "Tilmelding senest mandag den 10. oktober."
  *policy.mutable_close_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilMinute(2022, 10, 10, 23, 59), absl::FixedTimeZone(2 * 3600))));
  const EventFacts event = PublishedMeeting();
  EXPECT_TRUE(CheckOpen(policy, event, event.start_time - absl::Hours(80)).ok());
  const absl::Status closed = CheckOpen(policy, event, event.start_time - absl::Hours(24));
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(closed), "REGISTRATION_CLOSED");
  EXPECT_EQ(closed.message(),
            "registration for events/01h closed at 2022-10-10 23:59 (Europe/Copenhagen)");
}

TEST(CheckOpen, AnEventKnownOnlyByMonthTakesNoRegistrationUntilDated) {
  RegistrationPolicy policy;
  EventFacts event = PublishedMeeting();
  event.dated = false;
  const absl::Status refused = CheckOpen(policy, event, event.start_time - absl::Hours(80));
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused), "EVENT_NOT_DATED");
  event.dated = true;
  EXPECT_TRUE(CheckOpen(policy, event, event.start_time - absl::Hours(80)).ok());
}

TEST(CheckOpen, ClosesAtTheStartUnlessThePolicySaysOtherwise) {
  const EventFacts event = PublishedMeeting();
  EXPECT_TRUE(CheckOpen({}, event, event.start_time - absl::Minutes(1)).ok());
  EXPECT_THAT(CheckOpen({}, event, event.start_time).message(), HasSubstr("16:30"));
}

TEST(CheckOpen, RefusesBeforeOpeningAndForEventsNotPublished) {
  RegistrationPolicy policy;
  EventFacts event = PublishedMeeting();
  *policy.mutable_open_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(event.start_time - absl::Hours(24 * 30)));
  EXPECT_EQ(ReasonOf(CheckOpen(policy, event, event.start_time - absl::Hours(24 * 31))),
            "REGISTRATION_NOT_OPEN");
  event.state = events::v1::Event::CANCELLED;
  EXPECT_EQ(ReasonOf(CheckOpen(policy, event, event.start_time - absl::Hours(1))),
            "EVENT_CANCELLED");
  event.state = events::v1::Event::DRAFT;
  EXPECT_EQ(ReasonOf(CheckOpen(policy, event, event.start_time - absl::Hours(1))),
            "EVENT_NOT_PUBLISHED");
}

TEST(CheckEmailsFree, RefusesAnAddressHoldingALiveRegistration) {
  const Registration r = Group(2);
  EXPECT_TRUE(CheckEmailsFree(r, {"someone@else.dk"}, "events/01h").ok());
  const absl::Status taken = CheckEmailsFree(r, {"anna1@biser.pl"}, "events/01h");
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(taken.message()), HasSubstr("participants[1].email"));
}

TEST(CheckTransition, FollowsTheRegistrationsLife) {
  EXPECT_TRUE(CheckTransition(Registration::CONFIRMED, Action::kCancel).ok());
  EXPECT_TRUE(CheckTransition(Registration::CANCELLED, Action::kCancel).ok());
  EXPECT_FALSE(CheckTransition(Registration::REJECTED, Action::kCancel).ok());
  EXPECT_TRUE(CheckTransition(Registration::PENDING_APPROVAL, Action::kApprove).ok());
  EXPECT_EQ(ReasonOf(CheckTransition(Registration::CONFIRMED, Action::kApprove)),
            "REGISTRATION_STATE");
  EXPECT_FALSE(CheckTransition(Registration::WAITLISTED, Action::kReject).ok());
  EXPECT_TRUE(CheckTransition(Registration::CONFIRMED, Action::kCheckIn).ok());
  EXPECT_FALSE(CheckTransition(Registration::WAITLISTED, Action::kCheckIn).ok());
}

TEST(ParticipantsToCheckIn, TakesEveryoneOrTheNamedOnes) {
  Registration r = Group(3);
  r.set_name("events/e/registrations/r");
  for (int i = 0; i < 3; ++i) r.mutable_participants(i)->set_id(absl::StrCat(i + 1));
  google::protobuf::RepeatedPtrField<std::string> ids;
  EXPECT_THAT(*ParticipantsToCheckIn(r, ids), ElementsAre(0, 1, 2));
  *ids.Add() = "3";
  *ids.Add() = "3";
  EXPECT_THAT(*ParticipantsToCheckIn(r, ids), ElementsAre(2));
  *ids.Add() = "7";
  EXPECT_THAT(FieldsOf(ParticipantsToCheckIn(r, ids).status()), ElementsAre("participant_ids[2]"));
}

TEST(Anonymise, RemovesPersonalDataButKeepsWhatCounts) {
  Registration r = Group(2);
  r.mutable_participants(0)->mutable_check_in_time()->set_seconds(1665671400);
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "dietary-needs" text: "Anna er vegetar")pb");
  *r.add_answers() = Parse<v1::Answer>(R"pb(question: "workshop" choice: "green")pb");
  Anonymise(r);
  EXPECT_EQ(r.participants_size(), 2);
  EXPECT_EQ(r.participants(0).given_name(), "");
  EXPECT_EQ(r.participants(1).email(), "");
  EXPECT_TRUE(r.participants(0).has_check_in_time());
  ASSERT_EQ(r.answers_size(), 1);
  EXPECT_EQ(r.answers(0).question(), "workshop");
  EXPECT_EQ(r.organisation_kind(), Organisation::NGO);
  EXPECT_EQ(r.organisation_country(), "PL");
}

TEST(IsOrganiser, OrganisersCoOrganisersAndOperators) {
  const std::vector<std::string> organisers = {"organisations/a", "organisations/b"};
  auto key = [](const std::string& org) {
    return principal::ApiKey(org, org + "/apiKeys/k", {type::v1::SCOPE_READ});
  };
  EXPECT_TRUE(IsOrganiser(key("organisations/a"), organisers));
  EXPECT_TRUE(IsOrganiser(key("organisations/b"), organisers));
  EXPECT_FALSE(IsOrganiser(key("organisations/c"), organisers));
  EXPECT_FALSE(IsOrganiser(principal::Anonymous(), organisers));
  EXPECT_TRUE(IsOrganiser(principal::Admin(), organisers));
}

}  // namespace
}  // namespace coopnet::registrations
