#include "services/events/event_rules.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/message_differencer.h"

namespace coopnet::events {
namespace {

using validate::CheckCount;
using validate::CheckLanguageTags;
using validate::CheckLocalizedText;
using validate::CheckPostalAddress;
using validate::CheckThemes;
using validate::Quoted;

using google::protobuf::Timestamp;

// The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

bool IsValidTimestamp(const Timestamp& t) {
  return t.seconds() >= kMinSeconds && t.seconds() <= kMaxSeconds && t.nanos() >= 0 &&
         t.nanos() < 1000000000;
}

void CheckName(validate::Violations& v, const std::string& field, absl::string_view name,
               absl::string_view collection, bool required) {
  if (name.empty()) {
    if (required) v.Add(field, absl::StrCat("must be given, as ", collection, "/{id}"));
    return;
  }
  v.Check(resource::ParseName(field, name, collection).status());
}

void CheckTimestamp(validate::Violations& v, const std::string& field, const Timestamp& t) {
  if (!IsValidTimestamp(t)) {
    v.Add(field, "must be a time between the years 1 and 9999 with nanos in [0, 1e9)");
  }
}

void CheckOrganisers(validate::Violations& v, const Event& e, absl::string_view prefix) {
  const std::string organiser = absl::StrCat(prefix, ".organiser");
  CheckName(v, organiser, e.organiser(), "organisations", /*required=*/true);
  const std::string field = absl::StrCat(prefix, ".co_organisers");
  CheckCount(v, e.co_organisers(), field, kMaxCoOrganisers);
  std::set<std::string> seen = {e.organiser()};
  for (int i = 0; i < e.co_organisers_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string& name = e.co_organisers(i);
    CheckName(v, entry, name, "organisations", /*required=*/true);
    if (!seen.insert(name).second) {
      v.Add(entry, absl::StrCat("repeats ", name,
                                name == e.organiser() ? ", the organiser" : " (listed before)"));
    }
  }
}

void CheckVenue(validate::Violations& v, const Venue& venue, const std::string& field) {
  v.Check(validate::Utf8Text(field + ".name", venue.name(), 1, 200));
  v.Check(validate::Utf8Text(field + ".room", venue.room(), 0, 200));
  if (!venue.has_address()) {
    v.Add(field + ".address", "must be given, with region_code (the venue's country)");
  } else {
    CheckPostalAddress(v, venue.address(), field + ".address",
                       {.country_required = true,
                        .country_hint = "must be the venue's country (ISO 3166-1 alpha-2, e.g. DK)",
                        .why_no_recipients = "must be empty: a venue's address names no person"});
  }
  const std::string& country = venue.address().region_code();
  if (!venue.nuts_region().empty()) {
    if (validate::IsCountryCode(country)) {
      v.Check(validate::NutsCode(field + ".nuts_region", venue.nuts_region(), country));
    } else if (country.empty()) {
      v.Add(field + ".nuts_region", "needs the venue's country in address.region_code");
    }
  }
  if (venue.has_location()) {
    const google::type::LatLng& at = venue.location();
    if (!(at.latitude() >= -90 && at.latitude() <= 90)) {
      v.Add(field + ".location.latitude",
            absl::StrCat("must be within [-90, 90], got ", at.latitude()));
    }
    if (!(at.longitude() >= -180 && at.longitude() <= 180)) {
      v.Add(field + ".location.longitude",
            absl::StrCat("must be within [-180, 180], got ", at.longitude()));
    }
  }
}

void CheckAttendance(validate::Violations& v, const Event& e, absl::string_view prefix) {
  const std::string mode = absl::StrCat(prefix, ".attendance_mode");
  const Event::AttendanceMode m = e.attendance_mode();
  if (m == Event::ATTENDANCE_MODE_UNSPECIFIED || !Event::AttendanceMode_IsValid(m)) {
    v.Add(mode, "must be IN_PERSON, ONLINE or MIXED");
  }
  const bool in_person = m == Event::IN_PERSON || m == Event::MIXED;
  const bool online = m == Event::ONLINE || m == Event::MIXED;
  const std::string venue = absl::StrCat(prefix, ".venue");
  if (e.has_venue()) {
    CheckVenue(v, e.venue(), venue);
  } else if (in_person) {
    v.Add(venue, "must be given for an IN_PERSON or MIXED event");
  }
  const std::string url = absl::StrCat(prefix, ".online_url");
  if (!e.online_url().empty()) {
    v.Check(validate::HttpsUrl(url, e.online_url()));
  } else if (online) {
    v.Add(url, "must be given for an ONLINE or MIXED event (the https URL to join)");
  }
}

void CheckAgenda(validate::Violations& v, const Event& e, absl::string_view prefix,
                 bool schedule_ok) {
  const std::string field = absl::StrCat(prefix, ".agenda");
  CheckCount(v, e.agenda(), field, kMaxAgendaItems);
  const absl::Time event_start = ToTime(e.start_time());
  const absl::Time event_end = ToTime(e.end_time());
  absl::Time previous = absl::InfinitePast();
  for (int i = 0; i < e.agenda_size(); ++i) {
    const AgendaItem& item = e.agenda(i);
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string start = entry + ".start_time";
    const std::string end = entry + ".end_time";
    CheckLocalizedText(v, item.title(), entry + ".title", kMaxTitle, /*required=*/true);
    v.Check(validate::Utf8Text(entry + ".speaker", item.speaker(), 0, 200));
    if (!item.has_start_time()) {
      v.Add(start, "must be given");
      continue;
    }
    if (!IsValidTimestamp(item.start_time())) {
      CheckTimestamp(v, start, item.start_time());
      continue;
    }
    const absl::Time at = ToTime(item.start_time());
    if (schedule_ok && (at < event_start || at >= event_end)) {
      v.Add(start, "must be within the event's start_time and end_time");
    }
    if (at < previous) {
      v.Add(start, absl::StrCat("must not be before ", field, "[", i - 1,
                                "].start_time: the agenda is in time order"));
    }
    previous = at;
    if (item.has_end_time()) {
      if (!IsValidTimestamp(item.end_time())) {
        CheckTimestamp(v, end, item.end_time());
      } else if (ToTime(item.end_time()) < at) {
        v.Add(end, "must not be before its start_time");
      } else if (schedule_ok && ToTime(item.end_time()) > event_end) {
        v.Add(end, "must not be after the event's end_time");
      }
    }
  }
}

void CheckTargetAudience(validate::Violations& v, const Event& e, const std::string& field) {
  std::set<int> seen;
  for (int i = 0; i < e.target_audience_size(); ++i) {
    const int kind = e.target_audience(i);
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (kind == organisations::v1::Organisation::KIND_UNSPECIFIED ||
        !organisations::v1::Organisation::Kind_IsValid(kind)) {
      v.Add(entry, "must be a kind of organisation (NGO, MUNICIPALITY, ...)");
    } else if (!seen.insert(kind).second) {
      v.Add(entry, absl::StrCat("repeats ", organisations::v1::Organisation::Kind_Name(kind)));
    }
  }
}

absl::Status StateError(Event::State from, absl::string_view why) {
  return status::Error(absl::StatusCode::kFailedPrecondition, "EVENT_STATE",
                       absl::StrCat("the event is ", Event::State_Name(from), ": ", why),
                       {{"state", Event::State_Name(from)}});
}

// Applies `mask` to `stored` from `patch`. `not_writable` maps the fields a mask may not
// name to why; "*" leaves them as stored.
template <typename Message>
absl::StatusOr<Message> ApplyMask(const Message& stored, const Message& patch,
                                  const google::protobuf::FieldMask& mask,
                                  const std::map<std::string, std::string>& not_writable,
                                  absl::string_view example) {
  if (mask.paths().empty()) {
    return status::InvalidField("update_mask",
                                absl::StrCat("must name the fields to change, e.g. ", example));
  }
  Message result = stored;
  const auto* descriptor = Message::descriptor();
  const auto* reflection = Message::GetReflection();
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      Message writable = patch;
      for (int i = 0; i < descriptor->field_count(); ++i) {
        const auto* field = descriptor->field(i);
        if (not_writable.count(field->name()) > 0) {
          reflection->ClearField(&writable, field);
        } else {
          reflection->ClearField(&result, field);
        }
      }
      result.MergeFrom(writable);
      continue;
    }
    const auto* field = descriptor->FindFieldByName(path);
    if (field == nullptr) {
      return status::InvalidField(
          "update_mask",
          absl::StrCat("names ", Quoted(path), ", which is not a field of ", descriptor->name()));
    }
    if (auto it = not_writable.find(path); it != not_writable.end()) {
      return status::InvalidField("update_mask", absl::StrCat("names ", path, ", ", it->second));
    }
    reflection->ClearField(&result, field);
    if (field->is_repeated() || reflection->HasField(patch, field)) {
      Message scratch = patch;
      reflection->SwapFields(&result, &scratch, {field});
    }
  }
  return result;
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

std::string PrimaryLanguage(absl::string_view tag) {
  return Lower(tag.substr(0, tag.find_first_of("-_")));
}

}  // namespace

absl::Status ValidateSchedule(const Timestamp& start, const Timestamp& end,
                              absl::string_view time_zone, absl::string_view prefix) {
  validate::Violations v;
  const std::string start_field = absl::StrCat(prefix, "start_time");
  const std::string end_field = absl::StrCat(prefix, "end_time");
  bool times_ok = true;
  for (const auto& [field, value] : {std::pair{&start_field, &start}, {&end_field, &end}}) {
    if (value->seconds() == 0 && value->nanos() == 0) {
      v.Add(*field, "must be given");
      times_ok = false;
    } else if (!IsValidTimestamp(*value)) {
      CheckTimestamp(v, *field, *value);
      times_ok = false;
    }
  }
  if (times_ok) {
    const absl::Duration length = ToTime(end) - ToTime(start);
    if (length <= absl::ZeroDuration()) {
      v.Add(end_field, "must be after start_time");
    } else if (length > kMaxDuration) {
      v.Add(end_field, absl::StrCat("must be at most ", absl::ToInt64Hours(kMaxDuration) / 24,
                                    " days after start_time"));
    }
  }
  const std::string zone_field = absl::StrCat(prefix, "time_zone");
  if (time_zone.empty()) {
    v.Add(zone_field, "must be given: the IANA time zone of the place, e.g. Europe/Copenhagen");
  } else {
    v.Check(validate::TimeZone(zone_field, time_zone));
  }
  return v.ToStatus();
}

bool IsTentative(const Event& event) {
  return event.date_precision() == Event::MONTH || event.date_precision() == Event::SEASON;
}

namespace {

// The first month of the month or season `event` is announced for, and the month after
// it, in `zone`.
std::pair<absl::CivilMonth, absl::CivilMonth> TentativeSpan(const Event& event,
                                                            absl::TimeZone zone) {
  const absl::CivilMonth month = absl::ToCivilMonth(ToTime(event.start_time()), zone);
  if (event.date_precision() == Event::MONTH) return {month, month + 1};
  // Seasons start in December, March, June and September.
  const absl::CivilMonth first = month - (month.month() % 12) % 3;
  return {first, first + 3};
}

}  // namespace

void SpanTentativeDates(Event& event) {
  absl::TimeZone zone;
  if (!IsTentative(event) || !IsValidTimestamp(event.start_time()) ||
      (event.start_time().seconds() == 0 && event.start_time().nanos() == 0) ||
      event.time_zone().empty() || !absl::LoadTimeZone(event.time_zone(), &zone)) {
    return;
  }
  const auto [first, after] = TentativeSpan(event, zone);
  *event.mutable_start_time() = ToTimestamp(absl::FromCivil(absl::CivilSecond(first), zone));
  *event.mutable_end_time() = ToTimestamp(absl::FromCivil(absl::CivilSecond(after), zone));
}

std::string TentativeDate(const Event& event) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!IsTentative(event)) return "";
  absl::LoadTimeZone(event.time_zone(), &zone);
  const auto [first, after] = TentativeSpan(event, zone);
  if (event.date_precision() == Event::MONTH) {
    return absl::FormatTime("%B %Y", absl::FromCivil(absl::CivilSecond(first), zone), zone);
  }
  static constexpr const char* kSeasons[] = {"winter", "spring", "summer", "autumn"};
  const std::string season = kSeasons[(first.month() % 12) / 3];
  if (first.month() != 12) return absl::StrCat(season, " ", first.year());
  return absl::StrCat(season, " ", first.year(), "/",
                      absl::StrFormat("%02d", (first.year() + 1) % 100));
}

absl::Status ValidateEvent(const Event& e, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  validate::Violations v;
  CheckLocalizedText(v, e.title(), f("title"), kMaxTitle, /*required=*/true);
  CheckLocalizedText(v, e.summary(), f("summary"), kMaxSummary, /*required=*/false);
  CheckLocalizedText(v, e.description(), f("description"), kMaxDescription, /*required=*/false);
  if (e.kind() == Event::KIND_UNSPECIFIED || !Event::Kind_IsValid(e.kind())) {
    v.Add(f("kind"),
          "must be one of INFO_MEETING, WORKSHOP, SEMINAR, FORUM, CONFERENCE, STUDY_VISIT, "
          "WEBINAR, NETWORK_MEETING, OTHER");
  }
  CheckOrganisers(v, e, prefix);
  CheckName(v, f("network"), e.network(), "networks", /*required=*/false);
  CheckName(v, f("series"), e.series(), "series", /*required=*/false);
  const bool schedule_ok =
      v.Check(ValidateSchedule(e.start_time(), e.end_time(), e.time_zone(), f("")));
  CheckAttendance(v, e, prefix);
  CheckLanguageTags(v, e.languages(), f("languages"), kMaxListEntries);
  CheckThemes(v, e.themes(), f("themes"), kMaxListEntries);
  CheckTargetAudience(v, e, f("target_audience"));
  if (!Event::DatePrecision_IsValid(e.date_precision())) {
    v.Add(f("date_precision"), "must be EXACT, MONTH or SEASON");
  }
  if (IsTentative(e) && e.agenda_size() > 0) {
    v.Add(f("agenda"), absl::StrCat("must be empty while date_precision is ",
                                    Event::DatePrecision_Name(e.date_precision()),
                                    ": the agenda comes with the exact times"));
  }
  CheckAgenda(v, e, prefix, schedule_ok);
  CheckCount(v, e.related_calls(), f("related_calls"), kMaxListEntries);
  for (int i = 0; i < e.related_calls_size(); ++i) {
    CheckName(v, absl::StrCat(f("related_calls"), "[", i, "]"), e.related_calls(i), "calls",
              /*required=*/true);
  }
  CheckName(v, f("award"), e.award(), "awards", /*required=*/false);
  if (!Event::Visibility_IsValid(e.visibility())) {
    v.Add(f("visibility"), "must be PUBLIC, NETWORK or UNLISTED");
  } else if (e.visibility() == Event::NETWORK && e.network().empty()) {
    v.Add(f("network"), "must be given for NETWORK visibility: whose members may see it");
  }
  return v.ToStatus();
}

absl::Status ValidateSeries(const Series& s, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  validate::Violations v;
  CheckLocalizedText(v, s.title(), f("title"), kMaxTitle, /*required=*/true);
  CheckLocalizedText(v, s.description(), f("description"), kMaxDescription, /*required=*/false);
  CheckName(v, f("organiser"), s.organiser(), "organisations", /*required=*/true);
  CheckName(v, f("network"), s.network(), "networks", /*required=*/true);
  return v.ToStatus();
}

absl::StatusOr<Event::State> NextState(Event::State from, Action action) {
  switch (from) {
    case Event::DRAFT:
      if (action == Action::kPublish) return Event::PUBLISHED;
      if (action == Action::kCancel) {
        return StateError(from, "nobody has seen a draft; delete it instead of cancelling");
      }
      return Event::DRAFT;
    case Event::PUBLISHED:
      if (action == Action::kCancel) return Event::CANCELLED;
      if (action == Action::kDelete) {
        return StateError(from, "a published event is cancelled, not deleted");
      }
      return Event::PUBLISHED;
    case Event::CANCELLED:
      if (action == Action::kCancel) return Event::CANCELLED;
      return StateError(from, action == Action::kPublish
                                  ? "a cancelled event cannot be published again; create a new one"
                                  : "a cancelled event no longer changes");
    case Event::COMPLETED:
      return StateError(from, "the event is over and no longer changes");
    default:
      return absl::InternalError(absl::StrCat("event in unknown state ", from));
  }
}

Event::State EffectiveState(const Event& event, absl::Time now) {
  if (event.state() == Event::PUBLISHED && ToTime(event.end_time()) <= now) {
    return Event::COMPLETED;
  }
  return event.state();
}

bool ChangeIsPublic(Event::State stored_state) { return stored_state != Event::DRAFT; }

Relation DirectRelation(const principal::Principal& caller, const Event& event) {
  Relation r;
  r.privileged = principal::IsAdmin(caller) || caller.kind() == principal::Principal::SERVICE;
  const auto acts_for = [&](const std::string& o) {
    return principal::ActsFor(caller, o, type::v1::EVENTS_WRITE);
  };
  r.organiser = acts_for(event.organiser()) ||
                std::any_of(event.co_organisers().begin(), event.co_organisers().end(), acts_for);
  r.proposed = std::any_of(event.proposed_co_organisers().begin(),
                           event.proposed_co_organisers().end(), acts_for);
  return r;
}

bool NeedsMembership(const Event& event, const Relation& r) {
  return !r.privileged && !r.organiser && event.visibility() == Event::NETWORK &&
         event.state() != Event::DRAFT && !event.network().empty();
}

bool NeedsCoordinator(const Event& event, const Relation& r) {
  return !r.privileged && !r.organiser && !event.network().empty();
}

bool CanSee(const Event& event, const Relation& r) {
  if (r.privileged || r.organiser || r.proposed) return true;
  if (event.state() == Event::DRAFT) return r.coordinator;
  if (event.visibility() == Event::NETWORK) {
    return r.coordinator || (r.member && PlacementOf(event) == Event::PLACEMENT_ACTIVE);
  }
  return true;
}

bool CanEdit(const Event& event, const Relation& r) {
  return r.privileged || r.organiser ||
         (r.coordinator && PlacementOf(event) == Event::PLACEMENT_ACTIVE);
}

Event::Placement PlacementOf(const Event& event) {
  if (event.network().empty()) return Event::PLACEMENT_UNSPECIFIED;
  if (event.placement() == Event::PLACEMENT_UNSPECIFIED) return Event::PLACEMENT_ACTIVE;
  return event.placement();
}

void SettlePlacement(const Event& before, bool for_network, Event& next) {
  if (next.network().empty()) {
    next.set_placement(Event::PLACEMENT_UNSPECIFIED);
  } else if (before.network() == next.network() && before.series() == next.series()) {
    next.set_placement(PlacementOf(before));
  } else {
    next.set_placement(for_network ? Event::PLACEMENT_ACTIVE : Event::PLACEMENT_PROPOSED);
  }
}

absl::StatusOr<Event> ApplyEventMask(const Event& stored, const Event& patch,
                                     const google::protobuf::FieldMask& mask) {
  static const auto* kNotWritable = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"state", "which changes with PublishEvent and CancelEvent"},
      {"cancellation_reason", "which is set by CancelEvent"},
      {"sequence", "which is output only"},
      {"proposed_co_organisers",
       "which is output only: name the organisation in co_organisers to propose it"},
      {"placement", "which is output only: AcceptPlacement and DeclinePlacement change it"},
      {"date_precision", "which changes with RescheduleEvent"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
      {"organiser", "which is fixed once the event is created"},
      {"start_time", "which changes with RescheduleEvent"},
      {"end_time", "which changes with RescheduleEvent"},
      {"time_zone", "which changes with RescheduleEvent"},
  };
  return ApplyMask(stored, patch, mask, *kNotWritable, "title,venue or *");
}

absl::StatusOr<Series> ApplySeriesMask(const Series& stored, const Series& patch,
                                       const google::protobuf::FieldMask& mask) {
  static const auto* kNotWritable = new std::map<std::string, std::string>{
      {"name", "which is output only"},
      {"etag", "which is output only"},
      {"create_time", "which is output only"},
      {"update_time", "which is output only"},
      {"organiser", "which is fixed once the series is created"},
      {"network", "which is fixed once the series is created"},
  };
  return ApplyMask(stored, patch, mask, *kNotWritable, "title,description or *");
}

absl::Status SettleCoOrganisers(const principal::Principal& caller, const Event& before,
                                const std::vector<std::string>& wanted, Event& next) {
  const auto holds = [](const auto& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  next.clear_co_organisers();
  next.clear_proposed_co_organisers();
  for (const std::string& name : before.proposed_co_organisers()) {
    if (!holds(wanted, name)) next.add_proposed_co_organisers(name);
  }
  for (const std::string& name : wanted) {
    if (holds(before.co_organisers(), name) ||
        principal::ActsFor(caller, name, type::v1::EVENTS_WRITE)) {
      next.add_co_organisers(name);
    } else {
      next.add_proposed_co_organisers(name);
    }
  }
  if (next.co_organisers_size() + next.proposed_co_organisers_size() > kMaxCoOrganisers) {
    return status::InvalidField(
        "event.co_organisers",
        absl::StrCat("and the proposals still open (proposed_co_organisers) must be at most ",
                     kMaxCoOrganisers, " together; withdraw a proposal first"));
  }
  return absl::OkStatus();
}

std::vector<std::string> ChangedFields(const Event& before, const Event& after) {
  static const std::set<std::string> kMaintained = {"etag", "update_time", "sequence"};
  std::vector<std::string> changed;
  const auto* descriptor = Event::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (kMaintained.count(field->name()) > 0) continue;
    google::protobuf::util::MessageDifferencer differencer;
    if (!differencer.CompareWithFields(before, after, {field}, {field})) {
      changed.push_back(field->name());
    }
  }
  return changed;
}

Event Reschedule(const Event& event, const Timestamp& start, const Timestamp& end,
                 absl::string_view time_zone) {
  Event moved = event;
  const absl::Duration shift = ToTime(start) - ToTime(event.start_time());
  *moved.mutable_start_time() = start;
  *moved.mutable_end_time() = end;
  if (!time_zone.empty()) moved.set_time_zone(std::string(time_zone));
  for (AgendaItem& item : *moved.mutable_agenda()) {
    if (item.has_start_time()) {
      *item.mutable_start_time() = ToTimestamp(ToTime(item.start_time()) + shift);
    }
    if (item.has_end_time()) {
      *item.mutable_end_time() = ToTimestamp(ToTime(item.end_time()) + shift);
    }
  }
  return moved;
}

std::string ChooseTranslation(const type::v1::LocalizedText& text,
                              absl::string_view accept_language, std::string* language) {
  const auto& translations = text.translations();
  auto choose = [&](const std::string& key) {
    if (language != nullptr) *language = key;
    return translations.at(key);
  };
  std::vector<std::string> keys;
  for (const auto& [key, value] : translations) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  for (absl::string_view wanted : absl::StrSplit(accept_language, ',', absl::SkipWhitespace())) {
    wanted = absl::StripAsciiWhitespace(wanted.substr(0, wanted.find(';')));
    if (wanted.empty() || wanted == "*") continue;
    for (const std::string& key : keys) {
      if (Lower(key) == Lower(wanted)) return choose(key);
    }
    for (const std::string& key : keys) {
      if (PrimaryLanguage(key) == PrimaryLanguage(wanted)) return choose(key);
    }
  }
  if (translations.count(text.default_language()) > 0) return choose(text.default_language());
  if (!keys.empty()) return choose(keys.front());
  if (language != nullptr) language->clear();
  return "";
}

std::vector<std::string> QueryWords(absl::string_view query) {
  constexpr size_t kMaxWords = 8;
  constexpr size_t kMaxWordBytes = 64;
  std::vector<std::string> words;
  std::string word;
  auto finish = [&] {
    if (word.empty()) return;
    if (word.size() > kMaxWordBytes) {
      size_t cut = kMaxWordBytes;
      while (cut > 0 && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) --cut;
      word.resize(cut);
    }
    if (words.size() < kMaxWords) words.push_back(word);
    word.clear();
  };
  for (char c : query) {
    const unsigned char u = static_cast<unsigned char>(c);
    // Bytes of multi-byte UTF-8 characters are letters here: æ, ø, ł and ö belong to words.
    if (u >= 0x80 || absl::ascii_isalnum(u)) {
      word += c;
    } else {
      finish();
    }
  }
  finish();
  return words;
}

}  // namespace coopnet::events
