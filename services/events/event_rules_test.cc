#include "services/events/event_rules.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/events/event_calendar.h"
#include "tests/harness/event_seeds.h"

namespace coopnet::events {
namespace {

using testing::seeds::LocalTime;

const std::string kOrganiser = resource::Name("organisations", resource::NewId());
const std::string kPartner = resource::Name("organisations", resource::NewId());
const std::string kNetwork = resource::Name("networks", resource::NewId());
const std::string kSeries = resource::Name("series", resource::NewId());

Event Copenhagen() { return testing::seeds::CopenhagenInfoMeeting(kOrganiser); }

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

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds());
}

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

// ---- Validation ----

TEST(ValidateEvent, SeedEventsAreValid) {
  EXPECT_TRUE(ValidateEvent(Copenhagen()).ok()) << ValidateEvent(Copenhagen());
  for (const Event& e : testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)) {
    EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e);
  }
  for (const Event& e : {testing::seeds::KujawyPomorzeForum(kOrganiser),
                         testing::seeds::OrebroInspirationDay(kOrganiser),
                         testing::seeds::FinlandStudyVisit(
                             kOrganiser, resource::Name("awards", resource::NewId()))}) {
    EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e);
  }
}

TEST(ValidateEvent, CopenhagenMeetingStartsAtHalfPastTwoUtc) {
  // 16:30 in Copenhagen on 13 October 2022 (summer time, UTC+2) is 14:30 UTC.
  EXPECT_EQ(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", ToTime(Copenhagen().start_time()),
                             absl::UTCTimeZone()),
            "2022-10-13T14:30:00Z");
}

// Hordaland's later meetings are known as "June" and "autumn/winter" long before their
// days are: announced so, they span the month or season in Bergen's time.
TEST(TentativeDates, AMonthOrASeasonSpansItInTheEventsTimeZone) {
  Event june = Copenhagen();
  june.set_time_zone("Europe/Oslo");
  june.set_date_precision(Event::MONTH);
  *june.mutable_start_time() = LocalTime("2031-06-17 10:00", "Europe/Oslo");
  june.clear_end_time();
  june.clear_agenda();
  SpanTentativeDates(june);
  EXPECT_EQ(june.start_time().seconds(), LocalTime("2031-06-01 00:00", "Europe/Oslo").seconds());
  EXPECT_EQ(june.end_time().seconds(), LocalTime("2031-07-01 00:00", "Europe/Oslo").seconds());
  EXPECT_TRUE(ValidateEvent(june).ok()) << ValidateEvent(june);
  EXPECT_EQ(TentativeDate(june), "June 2031");

  Event winter = june;
  winter.set_date_precision(Event::SEASON);
  *winter.mutable_start_time() = LocalTime("2032-01-20 10:00", "Europe/Oslo");
  SpanTentativeDates(winter);
  EXPECT_EQ(winter.start_time().seconds(), LocalTime("2031-12-01 00:00", "Europe/Oslo").seconds());
  EXPECT_EQ(winter.end_time().seconds(), LocalTime("2032-03-01 00:00", "Europe/Oslo").seconds());
  EXPECT_EQ(TentativeDate(winter), "winter 2031/32");
  EXPECT_TRUE(ValidateEvent(winter).ok()) << ValidateEvent(winter);
  Event autumn = june;
  autumn.set_date_precision(Event::SEASON);
  *autumn.mutable_start_time() = LocalTime("2031-11-30 10:00", "Europe/Oslo");
  SpanTentativeDates(autumn);
  EXPECT_EQ(TentativeDate(autumn), "autumn 2031");
  EXPECT_EQ(autumn.start_time().seconds(), LocalTime("2031-09-01 00:00", "Europe/Oslo").seconds());

  // No agenda before the day is known; an exact event is left as it is.
  Event with_agenda = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, "")[0];
  with_agenda.set_date_precision(Event::MONTH);
  ASSERT_GT(with_agenda.agenda_size(), 0);
  SpanTentativeDates(with_agenda);
  EXPECT_EQ(FieldsOf(ValidateEvent(with_agenda)), std::vector<std::string>{"event.agenda"});
  Event exact = Copenhagen();
  SpanTentativeDates(exact);
  EXPECT_EQ(exact.start_time().seconds(), Copenhagen().start_time().seconds());
  EXPECT_EQ(TentativeDate(exact), "");
  Event unknown = Copenhagen();
  unknown.set_date_precision(static_cast<Event::DatePrecision>(9));
  EXPECT_EQ(FieldsOf(ValidateEvent(unknown)), std::vector<std::string>{"event.date_precision"});
}

TEST(ValidateEvent, EndBeforeStartIsNamed) {
  Event e = Copenhagen();
  *e.mutable_end_time() = LocalTime("2022-10-13 15:00", "Europe/Copenhagen");
  absl::Status s = ValidateEvent(e);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"event.end_time"});
  EXPECT_TRUE(absl::StrContains(s.message(), "event.end_time must be after start_time")) << s;
}

TEST(ValidateEvent, UnknownTimeZoneIsNamed) {
  Event e = Copenhagen();
  e.set_time_zone("Europe/Kopenhagen");
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.time_zone"});
  e.clear_time_zone();
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.time_zone"});
}

TEST(ValidateEvent, OnlineEventWithoutUrlIsNamed) {
  Event e = Copenhagen();
  e.set_attendance_mode(Event::ONLINE);
  e.clear_venue();
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.online_url"});
  e.set_online_url("https://meet.example.org/ngo-netvaerk");
  EXPECT_TRUE(ValidateEvent(e).ok());
}

TEST(ValidateEvent, MixedEventNeedsBothVenueAndUrl) {
  Event e = Copenhagen();
  e.set_attendance_mode(Event::MIXED);
  e.clear_venue();
  EXPECT_EQ(FieldsOf(ValidateEvent(e)),
            (std::vector<std::string>{"event.venue", "event.online_url"}));
}

TEST(ValidateEvent, VenueInAnotherCountryThanItsNutsRegionIsNamed) {
  Event e = Copenhagen();
  e.mutable_venue()->mutable_address()->set_region_code("SE");
  absl::Status s = ValidateEvent(e);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"event.venue.nuts_region"});
  EXPECT_TRUE(absl::StrContains(s.message(), "DK011 is not in country SE")) << s;
}

TEST(ValidateEvent, VenueNeedsItsCountry) {
  Event e = Copenhagen();
  e.mutable_venue()->mutable_address()->clear_region_code();
  const std::vector<std::string> fields = FieldsOf(ValidateEvent(e));
  EXPECT_EQ(fields, (std::vector<std::string>{"event.venue.address.region_code",
                                              "event.venue.nuts_region"}));
}

TEST(ValidateEvent, NetworkVisibilityNeedsANetwork) {
  Event e = Copenhagen();
  e.set_visibility(Event::NETWORK);
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.network"});
}

TEST(ValidateEvent, EveryBrokenRuleIsReportedAtOnce) {
  Event e = Copenhagen();
  e.clear_title();
  e.set_kind(Event::KIND_UNSPECIFIED);
  e.set_organiser("organisations/not an id");
  e.set_online_url("http://insecure.example.org");
  e.add_themes("Green Transition");
  e.add_related_calls("programmes/x");
  EXPECT_EQ(
      FieldsOf(ValidateEvent(e)),
      (std::vector<std::string>{"event.title", "event.kind", "event.organiser", "event.online_url",
                                "event.themes[3]", "event.related_calls[0]"}));
}

TEST(ValidateEvent, OrganiserCannotAlsoBeACoOrganiser) {
  Event e = Copenhagen();
  e.add_co_organisers(kPartner);
  e.add_co_organisers(kOrganiser);
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.co_organisers[1]"});
}

TEST(ValidateEvent, AgendaStaysWithinTheEventAndInOrder) {
  std::vector<Event> meetings =
      testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries);
  Event e = meetings[0];
  *e.mutable_agenda(0)->mutable_start_time() = LocalTime("2018-03-07 09:30", "Europe/Oslo");
  *e.mutable_agenda(2)->mutable_start_time() = LocalTime("2018-03-07 11:00", "Europe/Oslo");
  EXPECT_EQ(FieldsOf(ValidateEvent(e)),
            (std::vector<std::string>{"event.agenda[0].start_time", "event.agenda[2].start_time"}));
}

TEST(ValidateEvent, LengthIsBounded) {
  Event e = Copenhagen();
  *e.mutable_end_time() = LocalTime("2023-10-13 18:30", "Europe/Copenhagen");
  EXPECT_EQ(FieldsOf(ValidateEvent(e)), std::vector<std::string>{"event.end_time"});
}

TEST(ValidateSeries, NeedsTitleOrganiserAndNetwork) {
  Series s;
  EXPECT_EQ(FieldsOf(ValidateSeries(s)),
            (std::vector<std::string>{"series.title", "series.organiser", "series.network"}));
}

// ---- State machine ----

TEST(NextState, DraftIsPublished) {
  EXPECT_EQ(NextState(Event::DRAFT, Action::kPublish).value(), Event::PUBLISHED);
}

TEST(NextState, PublishedIsCancelled) {
  EXPECT_EQ(NextState(Event::PUBLISHED, Action::kCancel).value(), Event::CANCELLED);
}

TEST(NextState, PublishingACancelledEventIsAFailedPrecondition) {
  absl::StatusOr<Event::State> next = NextState(Event::CANCELLED, Action::kPublish);
  EXPECT_EQ(next.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(next.status()), "EVENT_STATE");
  EXPECT_TRUE(absl::StrContains(next.status().message(), "CANCELLED"));
}

TEST(NextState, RepeatingPublishOrCancelLeavesTheEventAsItIs) {
  EXPECT_EQ(NextState(Event::PUBLISHED, Action::kPublish).value(), Event::PUBLISHED);
  EXPECT_EQ(NextState(Event::CANCELLED, Action::kCancel).value(), Event::CANCELLED);
}

TEST(NextState, OnlyDraftsAreDeleted) {
  EXPECT_TRUE(NextState(Event::DRAFT, Action::kDelete).ok());
  EXPECT_EQ(NextState(Event::PUBLISHED, Action::kDelete).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(NextState(Event::CANCELLED, Action::kDelete).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(NextState, DraftIsNotCancelled) {
  EXPECT_EQ(NextState(Event::DRAFT, Action::kCancel).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(NextState, CompletedAndCancelledEventsNoLongerChange) {
  for (Action action :
       {Action::kUpdate, Action::kPublish, Action::kCancel, Action::kReschedule, Action::kDelete}) {
    EXPECT_EQ(NextState(Event::COMPLETED, action).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  for (Action action : {Action::kUpdate, Action::kReschedule}) {
    EXPECT_EQ(NextState(Event::CANCELLED, action).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST(EffectiveState, PublishedEventIsCompletedOnceItEnded) {
  Event e = Copenhagen();
  e.set_state(Event::PUBLISHED);
  const absl::Time end = ToTime(e.end_time());
  EXPECT_EQ(EffectiveState(e, end - absl::Seconds(1)), Event::PUBLISHED);
  EXPECT_EQ(EffectiveState(e, end), Event::COMPLETED);
  e.set_state(Event::CANCELLED);
  EXPECT_EQ(EffectiveState(e, end + absl::Hours(1)), Event::CANCELLED);
  e.set_state(Event::DRAFT);
  EXPECT_EQ(EffectiveState(e, end + absl::Hours(1)), Event::DRAFT);
}

TEST(ChangeIsPublic, OnlyChangesAfterPublicationCount) {
  EXPECT_FALSE(ChangeIsPublic(Event::DRAFT));
  EXPECT_TRUE(ChangeIsPublic(Event::PUBLISHED));
}

// ---- Who sees and who edits ----

TEST(Relation, OrganiserAndCoOrganisersActForTheEvent) {
  Event e = Copenhagen();
  e.add_co_organisers(kPartner);
  EXPECT_TRUE(DirectRelation(principal::ApiKey(kOrganiser, "", {}), e).organiser);
  EXPECT_TRUE(DirectRelation(principal::ApiKey(kPartner, "", {}), e).organiser);
  const Relation stranger = DirectRelation(
      principal::ApiKey(resource::Name("organisations", resource::NewId()), "", {}), e);
  EXPECT_FALSE(stranger.organiser);
  EXPECT_FALSE(CanEdit(e, stranger));
  EXPECT_TRUE(DirectRelation(principal::Admin(), e).privileged);
  EXPECT_TRUE(DirectRelation(principal::Service("registrations"), e).privileged);
  EXPECT_FALSE(DirectRelation(principal::Anonymous(), e).privileged);
}

TEST(CanSee, NetworkEventIsForMembersOnly) {
  Event e = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  e.set_state(Event::PUBLISHED);
  Relation stranger;
  EXPECT_TRUE(NeedsMembership(e, stranger));
  EXPECT_FALSE(CanSee(e, stranger));
  EXPECT_TRUE(CanSee(e, Relation{.member = true}));
  EXPECT_TRUE(CanSee(e, Relation{.organiser = true}));
  EXPECT_FALSE(NeedsMembership(e, Relation{.organiser = true}));
}

TEST(CanSee, DraftIsForThoseWhoMayEditIt) {
  Event e = Copenhagen();
  e.set_state(Event::DRAFT);
  EXPECT_FALSE(CanSee(e, Relation{}));
  EXPECT_FALSE(CanSee(e, Relation{.member = true}));
  EXPECT_TRUE(CanSee(e, Relation{.coordinator = true}));
  EXPECT_TRUE(CanSee(e, Relation{.organiser = true}));
}

TEST(CanSee, PublicAndUnlistedEventsAreForEverybody) {
  Event e = Copenhagen();
  e.set_state(Event::PUBLISHED);
  EXPECT_TRUE(CanSee(e, Relation{}));
  e.set_visibility(Event::UNLISTED);
  EXPECT_TRUE(CanSee(e, Relation{}));
  EXPECT_FALSE(NeedsMembership(e, Relation{}));
}

TEST(CanEdit, CoordinatorOfTheNetworkEditsWhatItAccepted) {
  Event e = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  EXPECT_TRUE(CanEdit(e, Relation{.coordinator = true})) << "stored before placements: ACTIVE";
  EXPECT_FALSE(CanEdit(e, Relation{.member = true}));
  e.set_placement(Event::PLACEMENT_PROPOSED);
  EXPECT_FALSE(CanEdit(e, Relation{.coordinator = true}));
  EXPECT_TRUE(CanEdit(e, Relation{.organiser = true}));
  e.set_placement(Event::PLACEMENT_DECLINED);
  EXPECT_FALSE(CanEdit(e, Relation{.coordinator = true}));
  Event copenhagen = Copenhagen();
  EXPECT_FALSE(NeedsCoordinator(copenhagen, Relation{})) << "no network, no coordinator";
  copenhagen.set_network(kNetwork);
  EXPECT_TRUE(NeedsCoordinator(copenhagen, Relation{}));
}

TEST(CanSee, AMembersOnlyEventTheNetworkHasNotAcceptedIsHiddenFromItsMembers) {
  Event e = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  e.set_state(Event::PUBLISHED);
  for (Event::Placement undecided : {Event::PLACEMENT_PROPOSED, Event::PLACEMENT_DECLINED}) {
    e.set_placement(undecided);
    EXPECT_FALSE(CanSee(e, Relation{.member = true}));
    EXPECT_TRUE(CanSee(e, Relation{.coordinator = true})) << "it decides";
    EXPECT_TRUE(CanSee(e, Relation{.organiser = true}));
  }
  e.set_placement(Event::PLACEMENT_ACTIVE);
  EXPECT_TRUE(CanSee(e, Relation{.member = true}));
}

TEST(SettlePlacement, OnlyTheNetworksSideMakesAPlaceActive) {
  const Event none;
  Event e = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  SettlePlacement(none, /*for_network=*/false, e);
  EXPECT_EQ(e.placement(), Event::PLACEMENT_PROPOSED);
  SettlePlacement(none, /*for_network=*/true, e);
  EXPECT_EQ(e.placement(), Event::PLACEMENT_ACTIVE);

  // Writing the event back keeps its place as it stands, whoever writes it.
  Event declined = e;
  declined.set_placement(Event::PLACEMENT_DECLINED);
  Event rewritten = declined;
  SettlePlacement(declined, /*for_network=*/true, rewritten);
  EXPECT_EQ(rewritten.placement(), Event::PLACEMENT_DECLINED);

  // Another series (or network) is a new proposal.
  Event moved = e;
  moved.set_series("series/01jdz5c7m3zzzzzzzzzzzzzzzz");
  SettlePlacement(e, /*for_network=*/false, moved);
  EXPECT_EQ(moved.placement(), Event::PLACEMENT_PROPOSED);

  // Out of every network there is nothing to agree.
  Event out = e;
  out.clear_network();
  out.clear_series();
  SettlePlacement(e, /*for_network=*/false, out);
  EXPECT_EQ(out.placement(), Event::PLACEMENT_UNSPECIFIED);
  EXPECT_EQ(PlacementOf(out), Event::PLACEMENT_UNSPECIFIED);
}

// ---- Update masks, changes, rescheduling ----

TEST(ApplyEventMask, NamedFieldsAreReplaced) {
  Event stored = Copenhagen();
  Event patch;
  patch.mutable_venue()->set_name("Kofoeds Skole");
  patch.mutable_venue()->set_room("Salen på 1. sal");
  absl::StatusOr<Event> changed = ApplyEventMask(stored, patch, Mask({"venue"}));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->venue().room(), "Salen på 1. sal");
  EXPECT_FALSE(changed->venue().has_address());
  EXPECT_EQ(changed->title().translations().at("da"), stored.title().translations().at("da"));
}

TEST(ApplyEventMask, TimesOrganiserAndOutputFieldsAreRefused) {
  Event stored = Copenhagen();
  for (const char* path : {"start_time", "time_zone", "organiser", "state", "etag", "sequence"}) {
    absl::StatusOr<Event> changed = ApplyEventMask(stored, Event(), Mask({path}));
    EXPECT_EQ(FieldsOf(changed.status()), std::vector<std::string>{"update_mask"}) << path;
  }
  EXPECT_EQ(FieldsOf(ApplyEventMask(stored, Event(), Mask({})).status()),
            std::vector<std::string>{"update_mask"});
  EXPECT_EQ(FieldsOf(ApplyEventMask(stored, Event(), Mask({"colour"})).status()),
            std::vector<std::string>{"update_mask"});
}

TEST(ApplyEventMask, StarReplacesWhatUpdateMayWriteAndKeepsTheRest) {
  Event stored = Copenhagen();
  stored.set_state(Event::PUBLISHED);
  stored.set_sequence(4);
  Event patch = testing::seeds::KujawyPomorzeForum(kPartner);
  absl::StatusOr<Event> changed = ApplyEventMask(stored, patch, Mask({"*"}));
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->title().default_language(), "pl");
  EXPECT_EQ(changed->organiser(), kOrganiser);
  EXPECT_EQ(changed->time_zone(), "Europe/Copenhagen");
  EXPECT_EQ(changed->start_time().seconds(), stored.start_time().seconds());
  EXPECT_EQ(changed->state(), Event::PUBLISHED);
  EXPECT_EQ(changed->sequence(), 4);
}

TEST(ChangedFields, NamesWhatDiffersButNotWhatTheServiceMaintains) {
  Event before = Copenhagen();
  Event after = before;
  after.mutable_venue()->set_room("Salen");
  after.add_themes("culture");
  after.set_etag("W/\"7\"");
  after.set_sequence(9);
  EXPECT_EQ(ChangedFields(before, after), (std::vector<std::string>{"venue", "themes"}));
}

TEST(Reschedule, AgendaMovesWithTheStart) {
  Event first = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  Event moved = Reschedule(first, LocalTime("2018-03-14 10:00", "Europe/Oslo"),
                           LocalTime("2018-03-14 13:30", "Europe/Oslo"), "");
  EXPECT_EQ(moved.time_zone(), "Europe/Oslo");
  EXPECT_EQ(moved.agenda(1).start_time().seconds(),
            LocalTime("2018-03-14 11:15", "Europe/Oslo").seconds());
  EXPECT_TRUE(ValidateEvent(moved).ok()) << ValidateEvent(moved);
}

TEST(Reschedule, ToAnotherZoneKeepsTheInstantsGiven) {
  Event e = Copenhagen();
  Event moved = Reschedule(e, LocalTime("2022-10-20 10:00", "Europe/Helsinki"),
                           LocalTime("2022-10-20 12:00", "Europe/Helsinki"), "Europe/Helsinki");
  EXPECT_EQ(moved.time_zone(), "Europe/Helsinki");
  // 10:00 in Helsinki (UTC+3 in October) is 07:00 UTC.
  EXPECT_EQ(absl::FormatTime("%H:%M", ToTime(moved.start_time()), absl::UTCTimeZone()), "07:00");
}

// ---- Languages and words ----

TEST(ChooseTranslation, ReaderLanguageFirstThenDefault) {
  const Event e = Copenhagen();
  const type::v1::LocalizedText& title = e.title();
  std::string language;
  EXPECT_TRUE(absl::StartsWith(ChooseTranslation(title, "en-GB,en;q=0.8", &language), "Info and"));
  EXPECT_EQ(language, "en");
  EXPECT_TRUE(absl::StartsWith(ChooseTranslation(title, "pl", &language), "Informations-"));
  EXPECT_EQ(language, "da");
  EXPECT_TRUE(absl::StartsWith(ChooseTranslation(title, "", &language), "Informations-"));
  EXPECT_EQ(ChooseTranslation(type::v1::LocalizedText(), "da", &language), "");
  EXPECT_EQ(language, "");
}

TEST(QueryWords, SplitsAtPunctuationAndKeepsLettersOfEveryAlphabet) {
  EXPECT_EQ(QueryWords("  Örebro, inspirationsdag!"),
            (std::vector<std::string>{"Örebro", "inspirationsdag"}));
  EXPECT_EQ(QueryWords("współpraca  międzynarodowa"),
            (std::vector<std::string>{"współpraca", "międzynarodowa"}));
  EXPECT_EQ(QueryWords("a b c d e f g h i j").size(), 8u);
  EXPECT_TRUE(QueryWords(" ;,. ").empty());
}

// ---- Events as calendar entries ----

TEST(ToCalendarEntry, CopenhagenMeetingInItsOwnZone) {
  Event e = Copenhagen();
  e.set_name(resource::Name("events", "01gf3y3q3f1m4d6t2kq0v9w8zx"));
  e.set_state(Event::PUBLISHED);
  e.set_sequence(2);
  const ical::Entry entry = ToCalendarEntry(e, "");
  EXPECT_EQ(entry.uid, "01gf3y3q3f1m4d6t2kq0v9w8zx@events.coopnet");
  EXPECT_EQ(entry.zone_name, "Europe/Copenhagen");
  EXPECT_EQ(absl::FormatTime("%H:%M", entry.start, entry.zone), "16:30");
  EXPECT_EQ(entry.sequence, 2);
  EXPECT_EQ(entry.status, ical::Status::kConfirmed);
  EXPECT_EQ(entry.language, "da");
  EXPECT_EQ(entry.location, "Kofoeds Skole, Scherfig-salen, Nyrnberggade 1, 2300 København S, DK");
  const std::string ics = CalendarOf({e}, "NGO Netværk", "");
  const std::string unfolded = absl::StrReplaceAll(ics, {{"\r\n ", ""}});
  EXPECT_TRUE(absl::StrContains(unfolded, "DTSTART;TZID=Europe/Copenhagen:20221013T163000"));
}

TEST(ToCalendarEntry, CancelledEventIsCancelledWithItsReason) {
  Event e = Copenhagen();
  e.set_name("events/01gf3y3q3f1m4d6t2kq0v9w8zx");
  e.set_state(Event::CANCELLED);
  e.set_cancellation_reason("Lokalet er lukket");
  const ical::Entry entry = ToCalendarEntry(e, "");
  EXPECT_EQ(entry.status, ical::Status::kCancelled);
  EXPECT_EQ(entry.comment, "Lokalet er lukket");
}

TEST(ToCalendarEntry, AgendaIsListedInLocalTime) {
  Event e = testing::seeds::HordalandNetworkMeetings(kOrganiser, kNetwork, kSeries)[0];
  e.set_name("events/01gf3y3q3f1m4d6t2kq0v9w8zx");
  e.set_state(Event::DRAFT);
  const ical::Entry entry = ToCalendarEntry(e, "nn");
  EXPECT_TRUE(absl::StrContains(entry.description, "11:15 Presentasjon av internasjonale"))
      << entry.description;
  EXPECT_EQ(entry.status, ical::Status::kTentative) << "a draft";
}

}  // namespace
}  // namespace coopnet::events
