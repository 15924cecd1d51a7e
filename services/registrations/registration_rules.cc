#include "services/registrations/registration_rules.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/time_util.h"

namespace coopnet::registrations {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;
using v1::Answer;
using v1::Question;

constexpr int kMaxQuotas = 12;
constexpr size_t kMaxLabel = 500;
constexpr size_t kMaxNoticeVersion = 40;

bool ValidTimestamp(const Timestamp& t) {
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 && t.nanos() < 1000000000;
}

// Question and option ids: what answers and CSV columns refer to.
bool IsSlug(absl::string_view id) {
  return !id.empty() && id.size() <= 40 && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool IsKnownKind(int kind) {
  return kind != organisations::v1::Organisation::KIND_UNSPECIFIED &&
         organisations::v1::Organisation::Kind_IsValid(kind);
}

std::string KindName(int kind) {
  return organisations::v1::Organisation::Kind_Name(static_cast<OrganisationKind>(kind));
}

void CheckQuotas(validate::Violations& v, const RegistrationPolicy& policy,
                 const std::string& prefix) {
  const std::string field = absl::StrCat(prefix, ".quotas");
  validate::CheckCount(v, policy.quotas(), field, kMaxQuotas);
  std::map<int, int> quota_of_kind;
  int64_t reserved = 0;
  for (int i = 0; i < policy.quotas_size(); ++i) {
    const v1::Quota& quota = policy.quotas(i);
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (quota.organisation_kinds().empty()) {
      v.Add(absl::StrCat(entry, ".organisation_kinds"),
            "must name at least one kind of organisation");
    }
    for (int k = 0; k < quota.organisation_kinds_size(); ++k) {
      const int kind = quota.organisation_kinds(k);
      const std::string kind_field = absl::StrCat(entry, ".organisation_kinds[", k, "]");
      if (!IsKnownKind(kind)) {
        v.Add(kind_field, "must be a kind of organisation");
        continue;
      }
      const auto [earlier, inserted] = quota_of_kind.emplace(kind, i);
      if (!inserted) {
        v.Add(kind_field, absl::StrCat(KindName(kind), " is already in quotas[", earlier->second,
                                       "]: a kind takes the seats of one quota"));
      }
    }
    if (quota.seats() < 1) {
      v.Add(absl::StrCat(entry, ".seats"), absl::StrCat("must be at least 1, got ", quota.seats()));
    }
    reserved += std::max(0, quota.seats());
  }
  if (policy.capacity() > 0 && reserved > policy.capacity()) {
    v.Add(field, absl::StrCat("reserve ", reserved, " seats, more than the capacity of ",
                              policy.capacity()));
  }
}

void CheckQuestion(validate::Violations& v, const Question& q, const std::string& entry) {
  if (!IsSlug(q.id())) {
    v.Add(absl::StrCat(entry, ".id"),
          absl::StrCat("must be 1 to 40 lower-case letters, digits, '-' or '_', got ",
                       validate::Quoted(q.id())));
  }
  if (q.kind() == Question::KIND_UNSPECIFIED || !Question::Kind_IsValid(q.kind())) {
    v.Add(absl::StrCat(entry, ".kind"),
          "must be TEXT, SINGLE_CHOICE, MULTIPLE_CHOICE, YES_NO, COUNTRY or LANGUAGE");
  }
  validate::CheckLocalizedText(v, q.label(), absl::StrCat(entry, ".label"), kMaxLabel,
                               /*required=*/true);
  const bool choice = q.kind() == Question::SINGLE_CHOICE || q.kind() == Question::MULTIPLE_CHOICE;
  const std::string options = absl::StrCat(entry, ".options");
  if (!choice) {
    if (!q.options().empty()) v.Add(options, "must be empty unless the question is a choice");
    return;
  }
  if (q.options_size() < 2 || q.options_size() > kMaxOptions) {
    v.Add(options,
          absl::StrCat("must offer 2 to ", kMaxOptions, " choices, got ", q.options_size()));
  }
  std::set<std::string> ids;
  for (int o = 0; o < q.options_size(); ++o) {
    const std::string option = absl::StrCat(options, "[", o, "]");
    const std::string& id = q.options(o).id();
    if (!IsSlug(id)) {
      v.Add(absl::StrCat(option, ".id"),
            absl::StrCat("must be 1 to 40 lower-case letters, digits, '-' or '_', got ",
                         validate::Quoted(id)));
    } else if (!ids.insert(id).second) {
      v.Add(absl::StrCat(option, ".id"), absl::StrCat("repeats ", validate::Quoted(id)));
    }
    validate::CheckLocalizedText(v, q.options(o).label(), absl::StrCat(option, ".label"), kMaxLabel,
                                 /*required=*/true);
  }
}

void CheckQuestions(validate::Violations& v, const RegistrationPolicy& policy,
                    const std::string& prefix) {
  const std::string field = absl::StrCat(prefix, ".questions");
  validate::CheckCount(v, policy.questions(), field, kMaxQuestions);
  std::set<std::string> ids;
  for (int i = 0; i < policy.questions_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    CheckQuestion(v, policy.questions(i), entry);
    if (!policy.questions(i).id().empty() && !ids.insert(policy.questions(i).id()).second) {
      v.Add(absl::StrCat(entry, ".id"),
            absl::StrCat("repeats ", validate::Quoted(policy.questions(i).id())));
    }
  }
}

// The fields UpdateRegistrationPolicy writes.
const std::set<std::string>& WritablePolicyFields() {
  static const auto* fields =
      new std::set<std::string>{"capacity",          "quotas",
                                "open_time",         "close_time",
                                "approval_required", "waitlist_enabled",
                                "waitlist_limit",    "max_group_size",
                                "questions",         "privacy_notice_version",
                                "retention_period",  "self_declared_kind"};
  return *fields;
}

absl::Status FailedPrecondition(absl::string_view reason, absl::string_view message) {
  return status::Error(absl::StatusCode::kFailedPrecondition, reason, message);
}

// `t` as people at the event read it: `2022-10-10 23:59 (Europe/Copenhagen)`.
std::string LocalTime(absl::Time t, absl::string_view zone_name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  std::string shown = "UTC";
  if (absl::LoadTimeZone(zone_name, &zone)) shown = std::string(zone_name);
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", t, zone), " (", shown, ")");
}

// Why an answer of the wrong kind is refused: the oneof field the question wants.
absl::string_view ExpectedField(Question::Kind kind) {
  switch (kind) {
    case Question::TEXT:
      return "text";
    case Question::SINGLE_CHOICE:
      return "choice";
    case Question::MULTIPLE_CHOICE:
      return "choices";
    case Question::YES_NO:
      return "yes";
    case Question::COUNTRY:
      return "country";
    case Question::LANGUAGE:
      return "language";
    default:
      return "a value";
  }
}

Answer::ValueCase ExpectedCase(Question::Kind kind) {
  switch (kind) {
    case Question::TEXT:
      return Answer::kText;
    case Question::SINGLE_CHOICE:
      return Answer::kChoice;
    case Question::MULTIPLE_CHOICE:
      return Answer::kChoices;
    case Question::YES_NO:
      return Answer::kYes;
    case Question::COUNTRY:
      return Answer::kCountry;
    case Question::LANGUAGE:
      return Answer::kLanguage;
    default:
      return Answer::VALUE_NOT_SET;
  }
}

bool IsOption(const Question& q, absl::string_view id) {
  return std::any_of(q.options().begin(), q.options().end(),
                     [&](const v1::Option& o) { return o.id() == id; });
}

void CheckAnswerValue(validate::Violations& v, const Question& q, const Answer& a,
                      const std::string& entry) {
  if (a.value_case() != ExpectedCase(q.kind())) {
    v.Add(entry, absl::StrCat("must give `", ExpectedField(q.kind()), "`: question ",
                              validate::Quoted(q.id()), " is ", Question::Kind_Name(q.kind())));
    return;
  }
  switch (q.kind()) {
    case Question::TEXT:
      v.Check(validate::Utf8Text(absl::StrCat(entry, ".text"), a.text(), 1, kMaxTextAnswer));
      break;
    case Question::SINGLE_CHOICE:
      if (!IsOption(q, a.choice())) {
        v.Add(absl::StrCat(entry, ".choice"),
              absl::StrCat(validate::Quoted(a.choice()), " is not a choice of question ",
                           validate::Quoted(q.id())));
      }
      break;
    case Question::MULTIPLE_CHOICE: {
      if (a.choices().options().empty()) {
        v.Add(absl::StrCat(entry, ".choices.options"), "must pick at least one choice");
      }
      std::set<std::string> picked;
      for (int c = 0; c < a.choices().options_size(); ++c) {
        const std::string& id = a.choices().options(c);
        const std::string option = absl::StrCat(entry, ".choices.options[", c, "]");
        if (!IsOption(q, id)) {
          v.Add(option, absl::StrCat(validate::Quoted(id), " is not a choice of question ",
                                     validate::Quoted(q.id())));
        } else if (!picked.insert(id).second) {
          v.Add(option, absl::StrCat("repeats ", validate::Quoted(id)));
        }
      }
      break;
    }
    case Question::COUNTRY:
      v.Check(validate::CountryCode(absl::StrCat(entry, ".country"), a.country()));
      break;
    case Question::LANGUAGE:
      v.Check(validate::LanguageTag(absl::StrCat(entry, ".language"), a.language()));
      break;
    default:
      break;
  }
}

bool Fits(const Ledger& ledger, int pool, int size) {
  const int seats = ledger.seats[pool];
  return seats == kUnlimited || ledger.confirmed[pool] + size <= seats;
}

}  // namespace

// ---- Policy. ----

absl::Status ValidatePolicy(const RegistrationPolicy& policy, absl::string_view prefix) {
  const std::string p(prefix);
  auto f = [&](absl::string_view name) { return absl::StrCat(p, ".", name); };
  validate::Violations v;
  if (policy.capacity() < 0) {
    v.Add(f("capacity"),
          absl::StrCat("must not be negative (0 means no limit), got ", policy.capacity()));
  }
  CheckQuotas(v, policy, p);
  for (const auto& [name, time] :
       {std::pair{"open_time", &policy.open_time()}, {"close_time", &policy.close_time()}}) {
    if (!ValidTimestamp(*time)) v.Add(f(name), "must be a time between the years 1 and 9999");
  }
  if (policy.has_open_time() && policy.has_close_time() &&
      ToTime(policy.close_time()) <= ToTime(policy.open_time())) {
    v.Add(f("close_time"), "must be after open_time");
  }
  if (policy.waitlist_limit() < 0) {
    v.Add(f("waitlist_limit"),
          absl::StrCat("must not be negative (0 means no limit), got ", policy.waitlist_limit()));
  }
  if (policy.max_group_size() < 0 || policy.max_group_size() > kLargestMaxGroupSize) {
    v.Add(f("max_group_size"),
          absl::StrCat("must be 1 to ", kLargestMaxGroupSize, " (0 means ", kDefaultMaxGroupSize,
                       "), got ", policy.max_group_size()));
  }
  if (!RegistrationPolicy::SelfDeclaredKind_IsValid(policy.self_declared_kind())) {
    v.Add(f("self_declared_kind"), absl::StrCat("must be COUNTS, NEEDS_APPROVAL or IGNORED, got ",
                                                policy.self_declared_kind()));
  }
  CheckQuestions(v, policy, p);
  v.Check(validate::Utf8Text(f("privacy_notice_version"), policy.privacy_notice_version(), 0,
                             kMaxNoticeVersion));
  if (policy.has_retention_period()) {
    const google::protobuf::Duration& d = policy.retention_period();
    const absl::Duration retention = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    if (retention < absl::Hours(24) || retention > kLongestRetention) {
      v.Add(f("retention_period"), "must be between 1 day and 10 years (3653 days)");
    }
  }
  return v.ToStatus();
}

absl::StatusOr<RegistrationPolicy> ApplyPolicyMask(const RegistrationPolicy& stored,
                                                   const RegistrationPolicy& patch,
                                                   const google::protobuf::FieldMask& mask) {
  if (mask.paths().empty()) {
    return status::InvalidField("update_mask",
                                "must name the fields to change, e.g. capacity,quotas or *");
  }
  const google::protobuf::Descriptor* descriptor = RegistrationPolicy::descriptor();
  std::set<std::string> names;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      names.insert(WritablePolicyFields().begin(), WritablePolicyFields().end());
    } else if (WritablePolicyFields().count(path) > 0) {
      names.insert(path);
    } else if (descriptor->FindFieldByName(path) != nullptr) {
      return status::InvalidField("update_mask", absl::StrCat(path, " is output only"));
    } else {
      return status::InvalidField("update_mask",
                                  absl::StrCat("names no field of RegistrationPolicy: ", path));
    }
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  for (const std::string& name : names) fields.push_back(descriptor->FindFieldByName(name));
  RegistrationPolicy result = stored;
  RegistrationPolicy incoming = patch;
  result.GetReflection()->SwapFields(&result, &incoming, fields);
  return result;
}

RegistrationPolicy::SelfDeclaredKind SelfDeclaredKindOf(const RegistrationPolicy& policy) {
  if (policy.self_declared_kind() == RegistrationPolicy::SELF_DECLARED_KIND_UNSPECIFIED &&
      policy.quotas_size() > 0) {
    return RegistrationPolicy::NEEDS_APPROVAL;
  }
  return policy.self_declared_kind();
}

void SettleSelfDeclaredKind(RegistrationPolicy& policy) {
  policy.set_self_declared_kind(SelfDeclaredKindOf(policy));
}

absl::Duration RetentionOf(const RegistrationPolicy& policy) {
  if (!policy.has_retention_period()) return kDefaultRetention;
  return absl::Seconds(policy.retention_period().seconds()) +
         absl::Nanoseconds(policy.retention_period().nanos());
}

int MaxGroupSize(const RegistrationPolicy& policy) {
  return policy.max_group_size() > 0 ? policy.max_group_size() : kDefaultMaxGroupSize;
}

// ---- Seats. ----

std::vector<int> PoolSeats(const RegistrationPolicy& policy) {
  std::vector<int> seats(1 + policy.quotas_size());
  int reserved = 0;
  for (int i = 0; i < policy.quotas_size(); ++i) {
    seats[1 + i] = policy.quotas(i).seats();
    reserved += policy.quotas(i).seats();
  }
  seats[0] = policy.capacity() == 0 ? kUnlimited : policy.capacity() - reserved;
  return seats;
}

int PoolOf(const RegistrationPolicy& policy, OrganisationKind kind) {
  for (int i = 0; i < policy.quotas_size(); ++i) {
    const auto& kinds = policy.quotas(i).organisation_kinds();
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) return 1 + i;
  }
  return 0;
}

namespace {

// Whether the registration's kind is only its registrant's word: a free-text organisation.
bool SelfDeclared(const Registration& registration) { return registration.organisation().empty(); }

}  // namespace

int PoolOf(const RegistrationPolicy& policy, const Registration& registration) {
  if (SelfDeclared(registration) && SelfDeclaredKindOf(policy) == RegistrationPolicy::IGNORED) {
    return 0;
  }
  return PoolOf(policy, registration.organisation_kind());
}

bool AwaitsApproval(const RegistrationPolicy& policy, const Registration& registration) {
  if (policy.approval_required()) return true;
  return SelfDeclared(registration) &&
         SelfDeclaredKindOf(policy) == RegistrationPolicy::NEEDS_APPROVAL &&
         PoolOf(policy, registration.organisation_kind()) != 0;
}

absl::StatusOr<Admission> Admit(const RegistrationPolicy& policy, Ledger& ledger, int pool,
                                int size, bool awaits_approval) {
  Admission admission;
  if (awaits_approval) {
    admission.state = Registration::PENDING_APPROVAL;
    return admission;
  }
  if (Fits(ledger, pool, size)) {
    ledger.confirmed[pool] += size;
    admission.state = Registration::CONFIRMED;
    return admission;
  }
  const bool waitlist_room = policy.waitlist_enabled() &&
                             (policy.waitlist_limit() == 0 ||
                              ledger.waitlisted_participants + size <= policy.waitlist_limit());
  if (!waitlist_room) {
    const std::string group = size == 1 ? "1 participant" : absl::StrCat("a group of ", size);
    return status::Error(
        absl::StatusCode::kFailedPrecondition, "EVENT_FULL",
        absl::StrCat("no seats are left for ", group,
                     policy.waitlist_enabled() ? ", and the waitlist is full"
                                               : ", and the event keeps no waitlist"));
  }
  ledger.waitlisted_participants += size;
  ledger.waitlisted_registrations += 1;
  admission.state = Registration::WAITLISTED;
  admission.waitlist_number = ledger.next_waitlist_number++;
  admission.waitlist_position = ledger.waitlisted_registrations;
  return admission;
}

void Release(Ledger& ledger, Registration::State state, int pool, int size) {
  if (state == Registration::CONFIRMED) {
    ledger.confirmed[pool] -= size;
  } else if (state == Registration::WAITLISTED) {
    ledger.waitlisted_participants -= size;
    ledger.waitlisted_registrations -= 1;
  }
}

std::vector<std::string> Promote(Ledger& ledger, const std::vector<WaitingGroup>& line) {
  std::vector<std::string> promoted;
  for (const WaitingGroup& group : line) {
    if (!Fits(ledger, group.pool, group.size)) continue;
    Release(ledger, Registration::WAITLISTED, group.pool, group.size);
    ledger.confirmed[group.pool] += group.size;
    promoted.push_back(group.id);
  }
  return promoted;
}

absl::StatusOr<Ledger> Reseat(
    const RegistrationPolicy& policy, const Ledger& before,
    const std::vector<std::pair<OrganisationKind, int>>& confirmed_by_kind) {
  Ledger after = before;
  after.seats = PoolSeats(policy);
  after.confirmed.assign(after.seats.size(), 0);
  for (const auto& [kind, participants] : confirmed_by_kind) {
    after.confirmed[PoolOf(policy, kind)] += participants;
  }
  for (size_t pool = 0; pool < after.seats.size(); ++pool) {
    if (after.seats[pool] == kUnlimited || after.confirmed[pool] <= after.seats[pool]) continue;
    const std::string message =
        pool == 0 ? absl::StrCat("policy.capacity leaves ", after.seats[pool],
                                 " seats to organisations outside the quotas, but ",
                                 after.confirmed[pool],
                                 " of their participants are confirmed: cancel registrations "
                                 "first")
                  : absl::StrCat("policy.quotas[", pool - 1, "] has ", after.seats[pool],
                                 " seats, but ", after.confirmed[pool],
                                 " of its participants are confirmed: cancel registrations "
                                 "first");
    return status::Error(absl::StatusCode::kFailedPrecondition, "SEATS_BELOW_CONFIRMED", message);
  }
  return after;
}

v1::SeatSummary SummaryOf(const RegistrationPolicy& policy, const Ledger& ledger) {
  v1::SeatSummary summary;
  summary.set_confirmed(std::accumulate(ledger.confirmed.begin(), ledger.confirmed.end(), 0));
  int available = 0;
  for (size_t pool = 0; pool < ledger.seats.size() && available != kUnlimited; ++pool) {
    available = ledger.seats[pool] == kUnlimited
                    ? kUnlimited
                    : available + std::max(0, ledger.seats[pool] - ledger.confirmed[pool]);
  }
  summary.set_available(available);
  summary.set_waitlisted(ledger.waitlisted_participants);
  for (int i = 0; i < policy.quotas_size() && 1 + i < static_cast<int>(ledger.seats.size()); ++i) {
    v1::QuotaSeats& quota = *summary.add_quotas();
    *quota.mutable_organisation_kinds() = policy.quotas(i).organisation_kinds();
    quota.set_seats(ledger.seats[1 + i]);
    quota.set_confirmed(ledger.confirmed[1 + i]);
  }
  return summary;
}

// ---- Registrations. ----

absl::Status ValidateRegistration(const Registration& r, absl::string_view prefix) {
  const std::string p(prefix);
  auto f = [&](absl::string_view name) { return absl::StrCat(p, ".", name); };
  validate::Violations v;
  if (!r.organisation().empty()) {
    v.Check(resource::ParseName(f("organisation"), r.organisation(), "organisations").status());
  } else {
    v.Check(validate::Utf8Text(f("organisation_name"), r.organisation_name(), 1, 200));
    v.Check(validate::CountryCode(f("organisation_country"), r.organisation_country()));
    if (!organisations::v1::Organisation::Kind_IsValid(r.organisation_kind())) {
      v.Add(f("organisation_kind"), "must be a kind of organisation");
    }
  }
  if (r.participants().empty()) {
    v.Add(f("participants"), "must name at least one participant");
  } else if (r.participants_size() > kLargestMaxGroupSize) {
    v.Add(f("participants"), absl::StrCat("must have at most ", kLargestMaxGroupSize,
                                          " participants, got ", r.participants_size()));
  }
  std::map<std::string, int> first_with_email;
  for (int i = 0; i < r.participants_size() && i < kLargestMaxGroupSize; ++i) {
    const v1::Participant& person = r.participants(i);
    const std::string entry = absl::StrCat(f("participants"), "[", i, "]");
    v.Check(validate::Utf8Text(absl::StrCat(entry, ".given_name"), person.given_name(), 1, 100));
    v.Check(validate::Utf8Text(absl::StrCat(entry, ".family_name"), person.family_name(), 1, 100));
    if (v.Check(validate::Email(absl::StrCat(entry, ".email"), person.email()))) {
      const auto [first, inserted] = first_with_email.emplace(EmailKey(person.email()), i);
      if (!inserted) {
        v.Add(absl::StrCat(entry, ".email"),
              absl::StrCat("is the e-mail of participants[", first->second,
                           "] too: each participant needs an address of their own"));
      }
    }
    v.Check(validate::Utf8Text(absl::StrCat(entry, ".job_title"), person.job_title(), 0, 200));
    if (!person.preferred_language().empty()) {
      v.Check(validate::LanguageTag(absl::StrCat(entry, ".preferred_language"),
                                    person.preferred_language()));
    }
  }
  validate::CheckCount(v, r.answers(), f("answers"), kMaxQuestions);
  v.Check(validate::Utf8Text(f("consent.notice_version"), r.consent().notice_version(), 0,
                             kMaxNoticeVersion));
  return v.ToStatus();
}

absl::Status CheckAgainstPolicy(const RegistrationPolicy& policy, const Registration& r,
                                absl::string_view prefix) {
  const std::string p(prefix);
  validate::Violations v;
  if (r.participants_size() > MaxGroupSize(policy)) {
    v.Add(absl::StrCat(p, ".participants"),
          absl::StrCat("must have at most ", MaxGroupSize(policy),
                       " participants (the event's largest group), got ", r.participants_size()));
  }
  std::map<std::string, const Question*> questions;
  for (const Question& q : policy.questions()) questions.emplace(q.id(), &q);
  std::set<std::string> answered;
  for (int i = 0; i < r.answers_size(); ++i) {
    const Answer& a = r.answers(i);
    const std::string entry = absl::StrCat(p, ".answers[", i, "]");
    const auto q = questions.find(a.question());
    if (q == questions.end()) {
      v.Add(absl::StrCat(entry, ".question"),
            absl::StrCat(validate::Quoted(a.question()), " is not a question of this event"));
      continue;
    }
    if (!answered.insert(a.question()).second) {
      v.Add(absl::StrCat(entry, ".question"),
            absl::StrCat("answers question ", validate::Quoted(a.question()), " again"));
      continue;
    }
    CheckAnswerValue(v, *q->second, a, entry);
  }
  for (const Question& q : policy.questions()) {
    if (q.required() && answered.count(q.id()) == 0) {
      v.Add(absl::StrCat(p, ".answers"),
            absl::StrCat("must answer the required question ", validate::Quoted(q.id())));
    }
  }
  if (!policy.privacy_notice_version().empty() &&
      r.consent().notice_version() != policy.privacy_notice_version()) {
    v.Add(absl::StrCat(p, ".consent.notice_version"),
          absl::StrCat("must be ", validate::Quoted(policy.privacy_notice_version()),
                       ", the privacy notice registrants are shown, got ",
                       validate::Quoted(r.consent().notice_version())));
  }
  return v.ToStatus();
}

absl::Status CheckOpen(const RegistrationPolicy& policy, const EventFacts& event, absl::Time now) {
  switch (event.state) {
    case events::v1::Event::PUBLISHED:
      break;
    case events::v1::Event::CANCELLED:
      return FailedPrecondition(
          "EVENT_CANCELLED", absl::StrCat(event.name, " was cancelled: it takes no registrations"));
    case events::v1::Event::COMPLETED:
      return FailedPrecondition("EVENT_ENDED",
                                absl::StrCat(event.name, " has ended: it takes no registrations"));
    default:
      return FailedPrecondition(
          "EVENT_NOT_PUBLISHED",
          absl::StrCat(event.name, " is not published yet: it takes no registrations"));
  }
  if (!event.dated) {
    return FailedPrecondition("EVENT_NOT_DATED",
                              absl::StrCat(event.name,
                                           " is announced without its exact date: it takes "
                                           "registrations once the organiser sets its times"));
  }
  if (policy.has_open_time() && now < ToTime(policy.open_time())) {
    return status::Error(absl::StatusCode::kFailedPrecondition, "REGISTRATION_NOT_OPEN",
                         absl::StrCat("registration for ", event.name, " opens at ",
                                      LocalTime(ToTime(policy.open_time()), event.time_zone)));
  }
  const absl::Time close = policy.has_close_time() ? ToTime(policy.close_time()) : event.start_time;
  if (now >= close) {
    return status::Error(
        absl::StatusCode::kFailedPrecondition, "REGISTRATION_CLOSED",
        absl::StrCat("registration for ", event.name, " closed at ",
                     LocalTime(close, event.time_zone)),
        {{"close_time", absl::FormatTime(absl::RFC3339_sec, close, absl::UTCTimeZone())}});
  }
  return absl::OkStatus();
}

std::string EmailKey(absl::string_view email) { return absl::AsciiStrToLower(email); }

absl::Status CheckEmailsFree(const Registration& r, const std::set<std::string>& taken,
                             absl::string_view event_name) {
  for (int i = 0; i < r.participants_size(); ++i) {
    if (taken.count(EmailKey(r.participants(i).email())) == 0) continue;
    return status::Error(
        absl::StatusCode::kAlreadyExists, "EMAIL_ALREADY_REGISTERED",
        absl::StrCat("registration.participants[", i, "].email ", r.participants(i).email(),
                     " already holds a registration for ", event_name,
                     ": cancel it first, or use its manage token"),
        {{"field", absl::StrCat("registration.participants[", i, "].email")}});
  }
  return absl::OkStatus();
}

absl::Status CheckTransition(Registration::State from, Action action) {
  const std::string state = Registration::State_Name(from);
  switch (action) {
    case Action::kCancel:
      if (from == Registration::REJECTED) {
        return status::Error(absl::StatusCode::kFailedPrecondition, "REGISTRATION_STATE",
                             "the registration was rejected: there is nothing to cancel");
      }
      return absl::OkStatus();
    case Action::kApprove:
    case Action::kReject:
      if (from == Registration::PENDING_APPROVAL) return absl::OkStatus();
      return status::Error(
          absl::StatusCode::kFailedPrecondition, "REGISTRATION_STATE",
          absl::StrCat("the registration is ", state, ", not waiting for approval"));
    case Action::kCheckIn:
      if (from == Registration::CONFIRMED) return absl::OkStatus();
      return status::Error(
          absl::StatusCode::kFailedPrecondition, "REGISTRATION_STATE",
          absl::StrCat("the registration is ", state, ": only CONFIRMED participants check in"));
  }
  return absl::OkStatus();
}

bool IsLive(Registration::State state) {
  return state == Registration::PENDING_APPROVAL || state == Registration::CONFIRMED ||
         state == Registration::WAITLISTED;
}

absl::StatusOr<std::vector<int>> ParticipantsToCheckIn(
    const Registration& registration, const google::protobuf::RepeatedPtrField<std::string>& ids) {
  std::vector<int> indexes;
  if (ids.empty()) {
    indexes.resize(registration.participants_size());
    std::iota(indexes.begin(), indexes.end(), 0);
    return indexes;
  }
  validate::Violations v;
  for (int i = 0; i < ids.size(); ++i) {
    const auto& people = registration.participants();
    const auto found = std::find_if(people.begin(), people.end(),
                                    [&](const v1::Participant& p) { return p.id() == ids[i]; });
    if (found == people.end()) {
      v.Add(
          absl::StrCat("participant_ids[", i, "]"),
          absl::StrCat(validate::Quoted(ids[i]), " is not a participant of ", registration.name()));
    } else if (std::find(indexes.begin(), indexes.end(), found - people.begin()) == indexes.end()) {
      indexes.push_back(static_cast<int>(found - people.begin()));
    }
  }
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  return indexes;
}

void Anonymise(Registration& registration) {
  for (v1::Participant& person : *registration.mutable_participants()) {
    person.clear_given_name();
    person.clear_family_name();
    person.clear_email();
    person.clear_job_title();
    person.clear_preferred_language();
  }
  auto& answers = *registration.mutable_answers();
  answers.erase(std::remove_if(answers.begin(), answers.end(),
                               [](const Answer& a) { return a.value_case() == Answer::kText; }),
                answers.end());
}

// ---- Who may do what. ----

bool IsOrganiser(const principal::Principal& caller, const std::vector<std::string>& organisers) {
  if (principal::IsAdmin(caller) || caller.kind() == principal::Principal::SERVICE) return true;
  return std::any_of(organisers.begin(), organisers.end(), [&](const std::string& o) {
    return principal::ActsFor(caller, o, type::v1::EVENTS_WRITE);
  });
}

}  // namespace coopnet::registrations
