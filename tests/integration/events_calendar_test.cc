// The iCalendar the events service writes, read back by a parser nobody here wrote:
// Debian's python3-icalendar (run with /usr/bin/python3). It resolves each TZID twice,
// through the tz database and through the VTIMEZONE we wrote, so both must agree.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/events_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::events {
namespace {

using principal::Principal;
using testing::EventsStack;
using v1::Event;
namespace org = organisations::v1;

// Prints `<n>.<field>=<value>` for the n-th VEVENT.
constexpr char kReader[] = R"py(
import datetime, sys
from icalendar import Calendar
calendar = Calendar.from_ical(open(sys.argv[1], 'rb').read())
zones = {str(z['TZID']): z.to_tz() for z in calendar.walk('VTIMEZONE')}
utc = datetime.timezone.utc
def stamp(t):
    return t.astimezone(utc).strftime('%Y-%m-%dT%H:%M:%SZ')
for n, event in enumerate(calendar.walk('VEVENT')):
    start = event.decoded('DTSTART')
    zone = str(event['DTSTART'].params['TZID'])
    by_vtimezone = zones[zone].localize(start.replace(tzinfo=None))
    print('%d.uid=%s' % (n, event['UID']))
    print('%d.start=%s' % (n, stamp(start)))
    print('%d.start_by_vtimezone=%s' % (n, stamp(by_vtimezone)))
    print('%d.end=%s' % (n, stamp(event.decoded('DTEND'))))
    print('%d.local_start=%s' % (n, start.strftime('%H:%M')))
    print('%d.tzid=%s' % (n, zone))
    print('%d.sequence=%d' % (n, int(event['SEQUENCE'])))
    print('%d.status=%s' % (n, event['STATUS']))
    print('%d.summary=%s' % (n, event['SUMMARY']))
    print('%d.location=%s' % (n, event.get('LOCATION', '')))
    print('%d.description=%s' % (n, str(event.get('DESCRIPTION', '')).replace('\n', '|')))
print('events=%d' % len(calendar.walk('VEVENT')))
)py";

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/k",
                           {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

// What the reader printed for `ics`; fails the test when it could not parse it.
std::map<std::string, std::string> ParseWithPython(const std::string& ics) {
  const std::string dir = ::testing::TempDir();
  const std::string name = testing::UniqueName("calendar");
  const std::string ics_path = absl::StrCat(dir, "/", name, ".ics");
  const std::string script_path = absl::StrCat(dir, "/", name, ".py");
  std::ofstream(ics_path, std::ios::binary) << ics;
  std::ofstream(script_path) << kReader;
  const std::string command =
      absl::StrCat("/usr/bin/python3 ", script_path, " ", ics_path, " 2>&1");
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return {};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int exit = pclose(pipe);
  EXPECT_EQ(exit, 0) << "python3-icalendar could not read the calendar:\n" << output << "\n" << ics;
  std::remove(ics_path.c_str());
  std::remove(script_path.c_str());
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    fields[kv.first] = kv.second;
  }
  return fields;
}

class EventsCalendarTest : public ::testing::Test {
 protected:
  EventsCalendarTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        stub_(stack_.Stub()) {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Admin());
    org::CreateOrganisationRequest request;
    *request.mutable_organisation() = testing::seeds::KofoedsSkole();
    org::Organisation created;
    EXPECT_TRUE(
        stack_.organisations()->Stub()->CreateOrganisation(&context, request, &created).ok());
    kofoed_ = created.name();
  }

  Event Create(const Event& seed) {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::CreateEventRequest request;
    *request.mutable_event() = seed;
    Event created;
    grpc::Status s = stub_->CreateEvent(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  void Publish(const std::string& name) {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::PublishEventRequest request;
    request.set_name(name);
    Event published;
    grpc::Status s = stub_->PublishEvent(&context, request, &published);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  v1::Calendar CalendarOf(const std::string& name) {
    grpc::ClientContext context;
    EventsStack::Sign(context, principal::Anonymous());
    v1::GetEventCalendarRequest request;
    request.set_name(name);
    v1::Calendar calendar;
    grpc::Status s = stub_->GetEventCalendar(&context, request, &calendar);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return calendar;
  }

  testing::TestDatabase organisations_db_;
  testing::TestDatabase events_db_;
  EventsStack stack_;
  std::unique_ptr<v1::EventService::Stub> stub_;
  std::string kofoed_;
};

TEST_F(EventsCalendarTest, CopenhagenMeetingIsAtHalfPastFourLocallyAndHalfPastTwoUtc) {
  const Event seed = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  Event event = Create(seed);
  Publish(event.name());
  const v1::Calendar calendar = CalendarOf(event.name());
  EXPECT_EQ(calendar.content_type(), "text/calendar; charset=utf-8");

  std::map<std::string, std::string> parsed = ParseWithPython(calendar.ics());
  EXPECT_EQ(parsed["events"], "1");
  EXPECT_EQ(parsed["0.tzid"], "Europe/Copenhagen");
  EXPECT_EQ(parsed["0.local_start"], "16:30");
  EXPECT_EQ(parsed["0.start"], "2022-10-13T14:30:00Z");
  EXPECT_EQ(parsed["0.start_by_vtimezone"], "2022-10-13T14:30:00Z");
  EXPECT_EQ(parsed["0.end"], "2022-10-13T16:30:00Z");
  EXPECT_EQ(parsed["0.status"], "CONFIRMED");
  EXPECT_EQ(parsed["0.sequence"], "0");
  // The title is longer than a line: folded between characters, it reads back whole.
  EXPECT_EQ(parsed["0.summary"], seed.title().translations().at("da"));
  EXPECT_EQ(parsed["0.location"],
            "Kofoeds Skole, Scherfig-salen, Nyrnberggade 1, 2300 København S, DK");
  EXPECT_NE(parsed["0.description"].find("eksempler på projekter; hvordan hjælper vi"),
            std::string::npos)
      << parsed["0.description"];
}

TEST_F(EventsCalendarTest, EveryChangeGrowsTheSequenceAndCancellationSaysSo) {
  Event seed = testing::seeds::CopenhagenInfoMeeting(kofoed_);
  // Next year's meeting, so that it can still change.
  *seed.mutable_start_time() = testing::seeds::LocalTime("2031-10-13 16:30", "Europe/Copenhagen");
  *seed.mutable_end_time() = testing::seeds::LocalTime("2031-10-13 18:30", "Europe/Copenhagen");
  Event event = Create(seed);
  Publish(event.name());
  const std::string uid = ParseWithPython(CalendarOf(event.name()).ics())["0.uid"];
  EXPECT_FALSE(uid.empty());

  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::UpdateEventRequest request;
    request.mutable_event()->set_name(event.name());
    request.mutable_event()->add_themes("culture");
    request.mutable_update_mask()->add_paths("themes");
    Event updated;
    ASSERT_TRUE(stub_->UpdateEvent(&context, request, &updated).ok());
  }
  std::map<std::string, std::string> parsed = ParseWithPython(CalendarOf(event.name()).ics());
  EXPECT_EQ(parsed["0.sequence"], "1");
  EXPECT_EQ(parsed["0.uid"], uid) << "the same event in every calendar";

  {
    grpc::ClientContext context;
    EventsStack::Sign(context, KeyOf(kofoed_));
    v1::CancelEventRequest request;
    request.set_name(event.name());
    request.set_reason("Lokalet er lukket, desværre");
    Event cancelled;
    ASSERT_TRUE(stub_->CancelEvent(&context, request, &cancelled).ok());
  }
  parsed = ParseWithPython(CalendarOf(event.name()).ics());
  EXPECT_EQ(parsed["0.status"], "CANCELLED");
  EXPECT_EQ(parsed["0.sequence"], "2");
  EXPECT_EQ(parsed["0.uid"], uid);
  EXPECT_EQ(parsed["0.start"], "2031-10-13T14:30:00Z");
}

TEST_F(EventsCalendarTest, ListFeedHasEveryEventWithItsZone) {
  Event copenhagen = Create(testing::seeds::CopenhagenInfoMeeting(kofoed_));
  Publish(copenhagen.name());
  Event finland = Create(testing::seeds::FinlandStudyVisit(kofoed_, ""));
  Publish(finland.name());

  grpc::ClientContext context;
  EventsStack::Sign(context, principal::Anonymous());
  v1::ListEventsCalendarRequest request;
  request.mutable_filter()->set_organiser(kofoed_);
  v1::Calendar calendar;
  grpc::Status s = stub_->ListEventsCalendar(&context, request, &calendar);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::map<std::string, std::string> parsed = ParseWithPython(calendar.ics());
  EXPECT_EQ(parsed["events"], "2");
  EXPECT_EQ(parsed["0.start_by_vtimezone"], "2022-10-13T14:30:00Z");
  EXPECT_EQ(parsed["1.tzid"], "Europe/Helsinki");
  // 09:00 in Helsinki on 17 April 2023 (UTC+3) is 06:00 UTC.
  EXPECT_EQ(parsed["1.start"], "2023-04-17T06:00:00Z");
  EXPECT_EQ(parsed["1.start_by_vtimezone"], "2023-04-17T06:00:00Z");
}

}  // namespace
}  // namespace coopnet::events
