#include "services/funding/funding_rules.h"

#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/geo/country_groups.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/funding/money.h"

namespace coopnet::funding {
namespace {

using google::protobuf::Timestamp;
using organisations::v1::Organisation;

// The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

// Collects the violations of one resource, every field named under its prefix.
class FieldChecks {
 public:
  explicit FieldChecks(absl::string_view prefix) : prefix_(prefix) {}

  std::string Field(absl::string_view name) const { return absl::StrCat(prefix_, ".", name); }
  validate::Violations& violations() { return v_; }
  absl::Status ToStatus() const { return v_.ToStatus(); }

  void Add(absl::string_view name, absl::string_view rule) { v_.Add(Field(name), rule); }
  bool Check(const absl::Status& s) { return v_.Check(s); }

  // `collection/{id}`; required or empty.
  void Name(absl::string_view name, absl::string_view value, absl::string_view collection,
            bool required) {
    if (value.empty()) {
      if (required) Add(name, absl::StrCat("must be given, as ", collection, "/{id}"));
      return;
    }
    Check(resource::ParseName(Field(name), value, collection).status());
  }

  void Text(absl::string_view name, absl::string_view value, size_t min, size_t max) {
    Check(validate::Utf8Text(Field(name), value, min, max));
  }

  void Localized(absl::string_view name, const type::v1::LocalizedText& text, bool required,
                 size_t max) {
    if (required && text.translations().empty()) {
      Add(name, "must have a text in at least one language");
      return;
    }
    for (const auto& [language, translation] : text.translations()) {
      const std::string entry = absl::StrCat(Field(name), ".translations[", language, "]");
      Check(validate::LanguageTag(entry, language));
      Check(validate::Utf8Text(entry, translation, 1, max));
    }
    if (!text.translations().empty() && text.translations().count(text.default_language()) == 0) {
      Add(absl::StrCat(name, ".default_language"), "must be one of the translations' languages");
    }
  }

  template <typename List>
  bool Count(absl::string_view name, const List& list, int max = kMaxListEntries) {
    if (list.size() <= max) return true;
    Add(name, absl::StrCat("must have at most ", max, " entries, got ", list.size()));
    return false;
  }

  void Themes(absl::string_view name,
              const google::protobuf::RepeatedPtrField<std::string>& themes) {
    static const std::regex* slug = new std::regex("[a-z0-9]+(-[a-z0-9]+)*");
    if (!Count(name, themes)) return;
    std::set<std::string> seen;
    for (int i = 0; i < themes.size(); ++i) {
      const std::string entry = absl::StrCat(name, "[", i, "]");
      if (themes[i].size() > 64 || !std::regex_match(themes[i], *slug)) {
        Add(entry, "must be a lower-case slug like green-transition");
      } else if (!seen.insert(themes[i]).second) {
        Add(entry, absl::StrCat("repeats ", themes[i]));
      }
    }
  }

  void Countries(absl::string_view name,
                 const google::protobuf::RepeatedPtrField<std::string>& countries) {
    if (!Count(name, countries)) return;
    std::set<std::string> seen;
    for (int i = 0; i < countries.size(); ++i) {
      const std::string entry = Field(absl::StrCat(name, "[", i, "]"));
      if (v_.Check(geo::CheckPlace(entry, countries[i])) && !seen.insert(countries[i]).second) {
        v_.Add(entry, absl::StrCat("repeats ", countries[i]));
      }
    }
  }

  void Kinds(absl::string_view name, const google::protobuf::RepeatedField<int>& kinds) {
    std::set<int> seen;
    for (int i = 0; i < kinds.size(); ++i) {
      const std::string entry = absl::StrCat(name, "[", i, "]");
      if (kinds[i] == Organisation::KIND_UNSPECIFIED || !Organisation::Kind_IsValid(kinds[i])) {
        Add(entry, "must be a kind of organisation (NGO, MUNICIPALITY, ...)");
      } else if (!seen.insert(kinds[i]).second) {
        Add(entry, absl::StrCat("repeats ", Organisation::Kind_Name(kinds[i])));
      }
    }
  }

  bool Time(absl::string_view name, const Timestamp& t) {
    if (t.seconds() == 0 && t.nanos() == 0) {
      Add(name, "must be given");
      return false;
    }
    if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds || t.nanos() < 0 ||
        t.nanos() >= 1000000000) {
      Add(name, "must be a time between the years 1 and 9999");
      return false;
    }
    return true;
  }

  // A valid day, or (when not required) no date at all.
  bool Date(absl::string_view name, const google::type::Date& date, bool required) {
    const bool empty = date.year() == 0 && date.month() == 0 && date.day() == 0;
    if (empty && !required) return true;
    if (empty) {
      Add(name, "must be given");
      return false;
    }
    if (!IsValidDate(date)) {
      Add(name, absl::StrCat("must be a day of the calendar, got ", date.year(), "-", date.month(),
                             "-", date.day()));
      return false;
    }
    return true;
  }

  void Period(absl::string_view name, const v1::Period& period) {
    const bool start_ok = Date(absl::StrCat(name, ".start_date"), period.start_date(), false);
    const bool end_ok = Date(absl::StrCat(name, ".end_date"), period.end_date(), false);
    if (start_ok && end_ok && period.has_start_date() && period.has_end_date() &&
        absl::CivilDay(period.end_date().year(), period.end_date().month(),
                       period.end_date().day()) < absl::CivilDay(period.start_date().year(),
                                                                 period.start_date().month(),
                                                                 period.start_date().day())) {
      Add(absl::StrCat(name, ".end_date"), "must not be before start_date");
    }
  }

 private:
  std::string prefix_;
  validate::Violations v_;
};

void CheckEligibility(FieldChecks& c, const Eligibility& e) {
  c.Countries("eligibility.countries", e.countries());
  if (c.Count("eligibility.nuts_regions", e.nuts_regions())) {
    for (int i = 0; i < e.nuts_regions_size(); ++i) {
      c.Check(validate::NutsPrefix(c.Field(absl::StrCat("eligibility.nuts_regions[", i, "]")),
                                   e.nuts_regions(i)));
    }
  }
  c.Kinds("eligibility.lead_kinds", e.lead_kinds());
  c.Kinds("eligibility.partner_kinds", e.partner_kinds());
  if (e.min_consortium_size() < 0 || e.min_consortium_size() > kMaxListEntries + 1) {
    c.Add("eligibility.min_consortium_size",
          absl::StrCat("must be within [0, ", kMaxListEntries + 1, "], got ",
                       e.min_consortium_size()));
  }
  if (e.min_countries() < 0 || e.min_countries() > kMaxListEntries + 1) {
    c.Add("eligibility.min_countries",
          absl::StrCat("must be within [0, ", kMaxListEntries + 1, "], got ", e.min_countries()));
  }
  c.Themes("eligibility.themes", e.themes());
  if (c.Count("eligibility.languages", e.languages())) {
    for (int i = 0; i < e.languages_size(); ++i) {
      c.Check(validate::LanguageTag(c.Field(absl::StrCat("eligibility.languages[", i, "]")),
                                    e.languages(i)));
    }
  }
}

// `amount` <= `limit` (same currency), or a violation of `field` naming `limit_field`.
void CheckNotAbove(FieldChecks& c, absl::string_view field, const google::type::Money& amount,
                   const google::type::Money& limit, absl::string_view limit_field) {
  if (Nanos(amount) > Nanos(limit)) {
    c.Add(field, absl::StrCat("must not be above ", limit_field, " (", Format(limit), "), got ",
                              Format(amount)));
  }
}

absl::Status StateError(Application::State from, absl::string_view why) {
  return status::Error(
      absl::StatusCode::kFailedPrecondition, "APPLICATION_STATE",
      absl::StrCat("the application is ", Application::State_Name(from), ": ", why),
      {{"state", Application::State_Name(from)}});
}

}  // namespace

bool IsValidDate(const google::type::Date& date) {
  if (date.year() < 1 || date.year() > 9999) return false;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return day.year() == date.year() && day.month() == date.month() && day.day() == date.day();
}

absl::Status ValidateProgramme(const Programme& p, absl::string_view prefix) {
  FieldChecks c(prefix);
  c.Name("funder", p.funder(), "organisations", /*required=*/true);
  c.Localized("title", p.title(), /*required=*/true, kMaxTitle);
  c.Localized("description", p.description(), /*required=*/false, kMaxDescription);
  if (p.level() == Programme::LEVEL_UNSPECIFIED || !Programme::Level_IsValid(p.level())) {
    c.Add("level", "must be EU, NATIONAL, REGIONAL or PRIVATE");
  }
  c.Themes("themes", p.themes());
  if (!p.website().empty()) c.Check(validate::HttpsUrl(c.Field("website"), p.website()));
  c.Period("period", p.period());
  return c.ToStatus();
}

absl::Status ValidateCall(const Call& call, absl::string_view prefix) {
  FieldChecks c(prefix);
  c.Name("programme", call.programme(), "programmes", /*required=*/true);
  c.Text("identifier", call.identifier(), 1, 100);
  c.Localized("title", call.title(), /*required=*/true, kMaxTitle);
  c.Localized("description", call.description(), /*required=*/false, kMaxDescription);
  if (!call.url().empty()) c.Check(validate::HttpsUrl(c.Field("url"), call.url()));
  if (call.documents_size() > kMaxCallDocuments) {
    c.Add("documents", absl::StrCat("must have at most ", kMaxCallDocuments, " entries, got ",
                                    call.documents_size()));
  }
  for (int i = 0; i < call.documents_size(); ++i) {
    const v1::CallDocument& d = call.documents(i);
    const std::string at = absl::StrCat("documents[", i, "]");
    c.Text(absl::StrCat(at, ".title"), d.title(), 1, kMaxTitle);
    if (d.url().empty()) {
      c.Add(absl::StrCat(at, ".url"), "must be given: where the document is, https");
    } else {
      c.Check(validate::HttpsUrl(c.Field(absl::StrCat(at, ".url")), d.url()));
    }
    if (!d.language().empty()) {
      c.Check(validate::LanguageTag(c.Field(absl::StrCat(at, ".language")), d.language()));
    }
  }
  if (call.kind() == Call::KIND_UNSPECIFIED || !Call::Kind_IsValid(call.kind())) {
    c.Add("kind", "must be GRANT, VOUCHER, SCHOLARSHIP, MOBILITY or OPERATING");
  }
  const bool open_ok = c.Time("open_time", call.open_time());
  if (c.Time("deadline", call.deadline()) && open_ok &&
      ToTime(call.deadline()) <= ToTime(call.open_time())) {
    c.Add("deadline", "must be after open_time");
  }
  if (call.time_zone().empty()) {
    c.Add("time_zone", "must be given: the IANA time zone of the funder, e.g. Europe/Warsaw");
  } else {
    c.Check(validate::TimeZone(c.Field("time_zone"), call.time_zone()));
  }

  if (!call.has_total_budget()) {
    c.Add("total_budget", "must be given: its currency is the call's");
  } else if (c.Check(CheckAmount(c.Field("total_budget"), call.total_budget()))) {
    const std::string& currency = call.total_budget().currency_code();
    bool amounts_ok = true;
    for (const auto& [name, amount, given] :
         {std::tuple{"min_grant", &call.min_grant(), call.has_min_grant()},
          std::tuple{"max_grant", &call.max_grant(), call.has_max_grant()}}) {
      if (!given) continue;
      if (!c.Check(CheckAmount(c.Field(name), *amount))) {
        amounts_ok = false;
      } else if (amount->currency_code() != currency) {
        c.Add(absl::StrCat(name, ".currency_code"),
              absl::StrCat("must be ", currency,
                           ", the currency of total_budget: amounts of "
                           "one call are never mixed"));
        amounts_ok = false;
      }
    }
    if (amounts_ok && call.has_max_grant()) {
      CheckNotAbove(c, "max_grant", call.max_grant(), call.total_budget(), "total_budget");
    }
    if (amounts_ok && call.has_min_grant()) {
      CheckNotAbove(c, "min_grant", call.min_grant(),
                    call.has_max_grant() ? call.max_grant() : call.total_budget(),
                    call.has_max_grant() ? "max_grant" : "total_budget");
    }
  }
  if (call.co_financing_rate_bp() < 0 || call.co_financing_rate_bp() > kFullRateBp) {
    c.Add("co_financing_rate_bp", absl::StrCat("must be within [0, 10000] (0 to 100 %), got ",
                                               call.co_financing_rate_bp()));
  }
  CheckEligibility(c, call.eligibility());
  return c.ToStatus();
}

absl::Status ValidateApplication(const Application& a, absl::string_view prefix) {
  FieldChecks c(prefix);
  c.Name("call", a.call(), "calls", /*required=*/true);
  if (c.Count("participants", a.participants(), kMaxListEntries + 1)) {
    int leads = 0;
    std::set<std::string> seen;
    for (int i = 0; i < a.participants_size(); ++i) {
      const Application::Participant& p = a.participants(i);
      const std::string entry = absl::StrCat("participants[", i, "]");
      c.Name(absl::StrCat(entry, ".organisation"), p.organisation(), "organisations", true);
      if (p.role() == Application::ROLE_UNSPECIFIED || !Application::Role_IsValid(p.role())) {
        c.Add(absl::StrCat(entry, ".role"), "must be LEAD, PARTNER or ASSOCIATED");
      }
      if (p.role() == Application::LEAD) ++leads;
      if (!p.organisation().empty() && !seen.insert(p.organisation()).second) {
        c.Add(absl::StrCat(entry, ".organisation"),
              absl::StrCat("repeats ", p.organisation(), ": an organisation takes one role"));
      }
    }
    if (leads != 1) {
      c.Add("participants", absl::StrCat("must have exactly one LEAD, got ", leads));
    }
  }
  c.Text("title", a.title(), 1, kMaxTitle);
  c.Text("summary", a.summary(), 0, kMaxSummary);
  if (!a.language().empty()) c.Check(validate::LanguageTag(c.Field("language"), a.language()));
  const bool requested_ok = !a.has_requested_amount() ||
                            c.Check(CheckAmount(c.Field("requested_amount"), a.requested_amount()));
  const bool cost_ok =
      !a.has_total_cost() || c.Check(CheckAmount(c.Field("total_cost"), a.total_cost()));
  if (requested_ok && cost_ok && a.has_requested_amount() && a.has_total_cost()) {
    if (a.total_cost().currency_code() != a.requested_amount().currency_code()) {
      c.Add("total_cost.currency_code",
            absl::StrCat("must be ", a.requested_amount().currency_code(),
                         ", the currency of requested_amount"));
    } else {
      CheckNotAbove(c, "requested_amount", a.requested_amount(), a.total_cost(), "total_cost");
    }
  }
  return c.ToStatus();
}

absl::Status CheckApplicationCurrency(const Application& a, absl::string_view currency,
                                      absl::string_view prefix) {
  FieldChecks c(prefix);
  for (const auto& [name, amount, given] :
       {std::tuple{"requested_amount", &a.requested_amount(), a.has_requested_amount()},
        std::tuple{"total_cost", &a.total_cost(), a.has_total_cost()}}) {
    if (given && amount->currency_code() != currency) {
      c.Add(absl::StrCat(name, ".currency_code"),
            absl::StrCat("must be ", currency, ", the call's currency, got ",
                         amount->currency_code()));
    }
  }
  return c.ToStatus();
}

absl::Status ValidateAward(const Award& a, absl::string_view prefix) {
  FieldChecks c(prefix);
  c.Name("recipient", a.recipient(), "organisations", /*required=*/true);
  c.Name("programme", a.programme(), "programmes", /*required=*/true);
  c.Name("call", a.call(), "calls", /*required=*/false);
  c.Text("title", a.title(), 1, kMaxTitle);
  c.Text("purpose", a.purpose(), 0, kMaxSummary);
  const bool amount_ok = a.has_amount() ? c.Check(CheckAmount(c.Field("amount"), a.amount(), true))
                                        : (c.Add("amount", "must be given"), false);
  c.Date("award_date", a.award_date(), /*required=*/true);
  c.Period("planned_period", a.planned_period());
  if (!a.beneficiary_country().empty()) {
    if (c.Check(validate::CountryCode(c.Field("beneficiary_country"), a.beneficiary_country())) &&
        !a.beneficiary_nuts_region().empty()) {
      c.Check(validate::NutsCode(c.Field("beneficiary_nuts_region"), a.beneficiary_nuts_region(),
                                 a.beneficiary_country()));
    }
  } else if (!a.beneficiary_nuts_region().empty()) {
    c.Add("beneficiary_nuts_region", "needs beneficiary_country, the region's country");
  }
  if (!c.Count("disbursements", a.disbursements(), 500)) return c.ToStatus();
  Nanos128 paid = 0;
  bool disbursements_ok = amount_ok;
  for (int i = 0; i < a.disbursements_size(); ++i) {
    const Disbursement& d = a.disbursements(i);
    const std::string entry = absl::StrCat("disbursements[", i, "]");
    if (!c.Check(CheckAmount(c.Field(absl::StrCat(entry, ".amount")), d.amount(), true))) {
      disbursements_ok = false;
    } else if (amount_ok && d.amount().currency_code() != a.amount().currency_code()) {
      c.Add(absl::StrCat(entry, ".amount.currency_code"),
            absl::StrCat("must be ", a.amount().currency_code(), ", the award's currency"));
      disbursements_ok = false;
    } else {
      paid += Nanos(d.amount());
    }
    c.Date(absl::StrCat(entry, ".date"), d.date(), /*required=*/true);
  }
  if (disbursements_ok && paid > Nanos(a.amount())) {
    c.Add("disbursements",
          absl::StrCat("add up to ", Format(FromNanos(a.amount().currency_code(), paid)),
                       ", more than the award's ", Format(a.amount())));
  }
  return c.ToStatus();
}

absl::Status CheckCallChange(const Call& before, const Call& after) {
  if (before.has_publish_time() &&
      before.total_budget().currency_code() != after.total_budget().currency_code()) {
    return status::Error(
        absl::StatusCode::kFailedPrecondition, "CALL_PUBLISHED",
        absl::StrCat("a published call keeps its currency ", before.total_budget().currency_code(),
                     "; applications are made in it (got ", after.total_budget().currency_code(),
                     ")"));
  }
  return absl::OkStatus();
}

Call::State CallStateAt(const Call& call, absl::Time now) {
  if (!call.has_publish_time()) return Call::DRAFT;
  if (now < ToTime(call.open_time())) return Call::FORTHCOMING;
  if (now < ToTime(call.deadline())) return Call::OPEN;
  return Call::CLOSED;
}

google::type::Date DayAt(absl::Time now, absl::string_view time_zone) {
  absl::TimeZone zone = absl::UTCTimeZone();
  absl::LoadTimeZone(std::string(time_zone), &zone);
  const absl::CivilDay day = absl::ToCivilDay(now, zone);
  google::type::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& mask,
                             const std::map<std::string, std::string>& not_writable,
                             google::protobuf::Message& result) {
  const google::protobuf::Descriptor* descriptor = patch.GetDescriptor();
  if (mask.paths().empty()) {
    return status::InvalidField("update_mask", "must name the fields to change, or *");
  }
  google::protobuf::FieldMask fields;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (int i = 0; i < descriptor->field_count(); ++i) {
        if (not_writable.count(descriptor->field(i)->name()) == 0) {
          fields.add_paths(descriptor->field(i)->name());
        }
      }
      continue;
    }
    if (descriptor->FindFieldByName(path) == nullptr) {
      return status::InvalidField(
          "update_mask",
          absl::StrCat("names ", path, ", which is not a field of ", descriptor->name()));
    }
    if (auto it = not_writable.find(path); it != not_writable.end()) {
      return status::InvalidField("update_mask", absl::StrCat("names ", path, ", ", it->second));
    }
    fields.add_paths(path);
  }
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, fields, options, &result);
  return absl::OkStatus();
}

const std::map<std::string, std::string>& ProgrammeFixedFields() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"funder", "which is fixed once the programme is created"},
      {"level", "which is fixed once the programme is created"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
  };
  return *fields;
}

const std::map<std::string, std::string>& CallFixedFields() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"programme", "which is fixed once the call is created"},
      {"funder", "which is output only (the programme's)"},
      {"level", "which is output only (the programme's)"},
      {"state", "which follows publication and the clock"},
      {"publish_time", "which is set by PublishCall"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
  };
  return *fields;
}

const std::map<std::string, std::string>& ApplicationFixedFields() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"call", "which is fixed once the application is created"},
      {"state", "which changes with Submit, Withdraw, Review and Decide"},
      {"submit_time", "which is output only"},
      {"decision_note", "which is set by DecideApplication"},
      {"award", "which is set by DecideApplication"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
  };
  return *fields;
}

const std::map<std::string, std::string>& AwardFixedFields() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"funder", "which is output only (the programme's)"},
      {"recipient", "which is fixed once the award is made"},
      {"programme", "which is fixed once the award is made"},
      {"call", "which is fixed once the award is made"},
      {"application", "which is output only"},
      {"amount", "which is fixed once the award is made"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
  };
  return *fields;
}

absl::StatusOr<Application::State> NextState(Application::State from, ApplicationAction action) {
  using A = ApplicationAction;
  switch (from) {
    case Application::DRAFT:
      if (action == A::kUpdate) return Application::DRAFT;
      if (action == A::kSubmit) return Application::SUBMITTED;
      if (action == A::kWithdraw) return Application::WITHDRAWN;
      return StateError(from, "it has not been submitted yet");
    case Application::SUBMITTED:
      if (action == A::kSubmit) return Application::SUBMITTED;
      if (action == A::kReview) return Application::UNDER_REVIEW;
      if (action == A::kWithdraw) return Application::WITHDRAWN;
      if (action == A::kUpdate)
        return StateError(from, "a submitted application no longer changes");
      return StateError(from, "it is decided after review: review it first");
    case Application::UNDER_REVIEW:
      if (action == A::kReview) return Application::UNDER_REVIEW;
      if (action == A::kAward) return Application::AWARDED;
      if (action == A::kReject) return Application::REJECTED;
      if (action == A::kWithdraw) return Application::WITHDRAWN;
      return StateError(from, "it is being reviewed and no longer changes");
    case Application::AWARDED:
      if (action == A::kAward) return Application::AWARDED;
      return StateError(from, "it is decided");
    case Application::REJECTED:
      if (action == A::kReject) return Application::REJECTED;
      return StateError(from, "it is decided");
    case Application::WITHDRAWN:
      if (action == A::kWithdraw) return Application::WITHDRAWN;
      return StateError(from, "it was withdrawn");
    default:
      return absl::InternalError(absl::StrCat("application in unknown state ", from));
  }
}

std::string LeadOf(const Application& application) {
  for (const auto& p : application.participants()) {
    if (p.role() == Application::LEAD) return p.organisation();
  }
  return "";
}

bool TakesPart(const Application& application, absl::string_view organisation) {
  for (const auto& p : application.participants()) {
    if (p.organisation() == organisation) return true;
  }
  return false;
}

std::vector<std::string> SettleConsent(const Application* before,
                                       const std::function<bool(absl::string_view)>& acts_for,
                                       Application& next) {
  std::vector<std::string> proposed;
  for (Application::Participant& p : *next.mutable_participants()) {
    const Application::Participant* held = nullptr;
    if (before != nullptr) {
      for (const Application::Participant& b : before->participants()) {
        if (b.organisation() == p.organisation() && b.role() == p.role()) held = &b;
      }
    }
    if (p.role() == Application::LEAD || (held == nullptr && acts_for(p.organisation()))) {
      p.set_state(Application::ACTIVE);
    } else if (held != nullptr) {
      p.set_state(held->state());
    } else {
      p.set_state(Application::PROPOSED);
      proposed.push_back(p.organisation());
    }
  }
  return proposed;
}

std::vector<std::string> AwaitingConsent(const Application& application) {
  std::vector<std::string> awaiting;
  for (const auto& p : application.participants()) {
    if (p.state() == Application::PROPOSED) awaiting.push_back(p.organisation());
  }
  return awaiting;
}

void ActivateUnsettled(Application& application) {
  for (Application::Participant& p : *application.mutable_participants()) {
    if (p.state() == Application::PARTICIPANT_STATE_UNSPECIFIED) p.set_state(Application::ACTIVE);
  }
}

}  // namespace coopnet::funding
