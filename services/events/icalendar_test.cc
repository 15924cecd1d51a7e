#include "services/events/icalendar.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/validate/validate.h"

namespace coopnet::events::ical {
namespace {

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time Local(const std::string& text, const std::string& zone) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d %H:%M", text, Zone(zone), &t, &error)) << error;
  return t;
}

// The physical lines of `ics`, CRLF removed; fails the test on a bare LF or CR.
std::vector<std::string> PhysicalLines(const std::string& ics) {
  EXPECT_TRUE(absl::EndsWith(ics, "\r\n"));
  std::vector<std::string> lines = absl::StrSplit(ics, "\r\n");
  lines.pop_back();
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
  }
  return lines;
}

// RFC 5545 unfolding: a CRLF followed by one space joins two physical lines.
std::string Unfold(const std::string& folded) {
  return absl::StrReplaceAll(folded, {{"\r\n ", ""}});
}

bool Contains(const std::string& ics, const std::string& line) {
  return absl::StrContains(Unfold(ics), absl::StrCat("\r\n", line, "\r\n"));
}

Entry CopenhagenMeeting() {
  Entry e;
  e.uid = "01gf3y3q3f1m4d6t2kq0v9w8zx@events.coopnet";
  e.stamp = absl::FromUnixSeconds(1664000000);
  e.created = absl::FromUnixSeconds(1663000000);
  e.start = Local("2022-10-13 16:30", "Europe/Copenhagen");
  e.end = Local("2022-10-13 18:30", "Europe/Copenhagen");
  e.zone_name = "Europe/Copenhagen";
  e.zone = Zone("Europe/Copenhagen");
  e.summary = "Informations- og debatmøde om internationalt samarbejde";
  e.language = "da";
  e.location = "Kofoeds Skole, Scherfig-salen, Nyrnberggade 1, 2300 København S, DK";
  return e;
}

TEST(EscapeText, BackslashSemicolonCommaAndLineBreaksAreEscaped) {
  EXPECT_EQ(EscapeText("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne");
  EXPECT_EQ(EscapeText("Windows\r\nline\rend"), "Windows\\nline\\nend");
  EXPECT_EQ(EscapeText("æøå: 16.30-18.30"), "æøå: 16.30-18.30");
}

TEST(FoldLine, ShortLineIsKeptWhole) {
  EXPECT_EQ(FoldLine("VERSION:2.0"), "VERSION:2.0\r\n");
  const std::string exactly(kMaxLineOctets, 'x');
  EXPECT_EQ(FoldLine(exactly), exactly + "\r\n");
}

TEST(FoldLine, LongLineBecomesPiecesOfAtMost75OctetsThatUnfoldToIt) {
  const std::string line = "DESCRIPTION:" + std::string(300, 'a');
  const std::string folded = FoldLine(line);
  for (const std::string& piece : PhysicalLines(folded)) {
    EXPECT_LE(piece.size(), kMaxLineOctets);
  }
  EXPECT_EQ(Unfold(folded), line + "\r\n");
}

// A 2-byte æ, ø or å (and a 4-byte emoji) at every position around the fold: the cut
// moves before the character, never into it.
TEST(FoldLine, NeverSplitsAUtf8CharacterAtTheBoundary) {
  for (const std::string character : {"æ", "ø", "å", "Ø", "🌍"}) {
    for (size_t prefix = 65; prefix <= 80; ++prefix) {
      const std::string line =
          std::string(prefix, 'x') + character + "øå tekst" + std::string(100, 'y') + character;
      const std::string folded = FoldLine(line);
      for (const std::string& piece : PhysicalLines(folded)) {
        EXPECT_LE(piece.size(), kMaxLineOctets);
        EXPECT_TRUE(validate::Utf8Length(piece).has_value())
            << "piece is not UTF-8 with " << character << " after " << prefix << " octets";
      }
      EXPECT_EQ(Unfold(folded), line + "\r\n");
    }
  }
}

// Bytes that start no UTF-8 character (a lead byte followed by a run of continuation
// bytes) leave no place to fold between characters: the line is still folded at the limit.
TEST(FoldLine, TextThatIsNotUtf8IsFoldedAtTheLimit) {
  const std::string line = "SUMMARY:M\xc3" + std::string(200, '\xa0');
  const std::string folded = FoldLine(line);
  for (const std::string& piece : PhysicalLines(folded)) {
    EXPECT_LE(piece.size(), kMaxLineOctets);
  }
  EXPECT_EQ(Unfold(folded), line + "\r\n");
}

TEST(FoldLine, DanishTextFoldsOnlyBetweenCharacters) {
  // "DESCRIPTION:xx" is 14 octets; 61 more would end inside the 31st æ (2 octets each),
  // so the first piece stops one octet early, after 30 whole ones.
  std::string line = "DESCRIPTION:xx";
  for (int i = 0; i < 60; ++i) line += "æ";
  const std::vector<std::string> pieces = PhysicalLines(FoldLine(line));
  ASSERT_GE(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].size(), 74u);
  EXPECT_EQ(pieces[1].substr(0, 3), " æ");
}

TEST(TimeZoneComponent, CopenhagenIn2022HasItsSummerTimeChanges) {
  const std::string vtimezone = TimeZoneComponent("Europe/Copenhagen", Zone("Europe/Copenhagen"),
                                                  Local("2022-10-13 16:30", "Europe/Copenhagen"),
                                                  Local("2022-10-13 18:30", "Europe/Copenhagen"));
  EXPECT_TRUE(absl::StartsWith(vtimezone, "BEGIN:VTIMEZONE\r\nTZID:Europe/Copenhagen\r\n"));
  // Summer time began on 27 March at 02:00 (+0100 -> +0200) and ended on 30 October at
  // 03:00 (+0200 -> +0100).
  EXPECT_TRUE(absl::StrContains(vtimezone,
                                "BEGIN:DAYLIGHT\r\nDTSTART:20220327T020000\r\n"
                                "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n"
                                "END:DAYLIGHT\r\n"))
      << vtimezone;
  EXPECT_TRUE(absl::StrContains(vtimezone,
                                "BEGIN:STANDARD\r\nDTSTART:20221030T030000\r\n"
                                "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"
                                "END:STANDARD\r\n"))
      << vtimezone;
  // The change in force on 1 January 2022: the end of summer time 2021.
  EXPECT_TRUE(absl::StrContains(vtimezone, "DTSTART:20211031T030000")) << vtimezone;
  EXPECT_FALSE(absl::StrContains(vtimezone, "2023")) << vtimezone;
  EXPECT_TRUE(absl::EndsWith(vtimezone, "END:VTIMEZONE\r\n"));
}

TEST(TimeZoneComponent, CoversEveryYearTheEventsSpan) {
  const std::string vtimezone = TimeZoneComponent("Europe/Oslo", Zone("Europe/Oslo"),
                                                  Local("2018-03-07 10:00", "Europe/Oslo"),
                                                  Local("2019-06-13 13:30", "Europe/Oslo"));
  for (const char* onset : {"DTSTART:20180325T020000", "DTSTART:20181028T030000",
                            "DTSTART:20190331T020000", "DTSTART:20191027T030000"}) {
    EXPECT_TRUE(absl::StrContains(vtimezone, onset)) << onset << "\n" << vtimezone;
  }
}

TEST(TimeZoneComponent, ZoneWithoutChangesHasOneStandardComponent) {
  const std::string vtimezone =
      TimeZoneComponent("UTC", absl::UTCTimeZone(), absl::FromUnixSeconds(1665671400),
                        absl::FromUnixSeconds(1665678600));
  EXPECT_EQ(vtimezone,
            "BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\n"
            "END:VTIMEZONE\r\n");
}

TEST(Write, CopenhagenMeetingIsAtHalfPastFourLocalTime) {
  Calendar calendar{.name = "NGO Netværk", .entries = {CopenhagenMeeting()}};
  const std::string ics = Write(calendar);
  EXPECT_TRUE(absl::StartsWith(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
  EXPECT_TRUE(absl::EndsWith(ics, "END:VCALENDAR\r\n"));
  EXPECT_TRUE(Contains(ics, "DTSTART;TZID=Europe/Copenhagen:20221013T163000")) << ics;
  EXPECT_TRUE(Contains(ics, "DTEND;TZID=Europe/Copenhagen:20221013T183000")) << ics;
  EXPECT_TRUE(Contains(ics, "UID:01gf3y3q3f1m4d6t2kq0v9w8zx@events.coopnet"));
  EXPECT_TRUE(Contains(ics, "DTSTAMP:20220924T061320Z")) << ics;
  EXPECT_TRUE(Contains(ics, "SEQUENCE:0"));
  EXPECT_TRUE(Contains(ics, "STATUS:CONFIRMED"));
  EXPECT_TRUE(
      Contains(ics, "SUMMARY;LANGUAGE=da:Informations- og debatmøde om internationalt samarbejde"));
  EXPECT_TRUE(Contains(
      ics, "LOCATION:Kofoeds Skole\\, Scherfig-salen\\, Nyrnberggade 1\\, 2300 København S\\, DK"));
  EXPECT_TRUE(Contains(ics, "BEGIN:VTIMEZONE"));
  for (const std::string& line : PhysicalLines(ics)) EXPECT_LE(line.size(), kMaxLineOctets);
}

TEST(Write, CancelledEntrySaysSoAndCarriesTheReason) {
  Entry e = CopenhagenMeeting();
  e.status = Status::kCancelled;
  e.sequence = 3;
  e.comment = "Aflyst; lokalet er lukket";
  const std::string ics = Write({.entries = {e}});
  EXPECT_TRUE(Contains(ics, "STATUS:CANCELLED"));
  EXPECT_TRUE(Contains(ics, "SEQUENCE:3"));
  EXPECT_TRUE(Contains(ics, "COMMENT:Aflyst\\; lokalet er lukket"));
}

// What an e-mailed invitation carries: calendar clients add a REQUEST and remove a
// CANCEL of the same UID, and want to know who organises and who is invited.
TEST(Write, AnInvitationNamesItsMethodOrganiserAndAttendee) {
  Entry e = CopenhagenMeeting();
  e.organizer = {"kontakt@kofoedsskole.dk", "Kofoeds Skole"};
  e.attendees = {{"mette@groen.dk", "Mette \"M\" Hansen"}, {"", "nobody"}};
  const std::string ics = Write({.entries = {e}, .method = "REQUEST"});
  EXPECT_TRUE(Contains(ics, "METHOD:REQUEST"));
  EXPECT_TRUE(Contains(ics, "ORGANIZER;CN=\"Kofoeds Skole\":mailto:kontakt@kofoedsskole.dk"));
  EXPECT_TRUE(Contains(ics,
                       "ATTENDEE;CN=\"Mette M Hansen\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED"
                       ";RSVP=FALSE:mailto:mette@groen.dk"));
  EXPECT_FALSE(absl::StrContains(Unfold(ics), "nobody"));
  EXPECT_TRUE(Contains(Write({.entries = {e}}), "METHOD:PUBLISH"));
  EXPECT_FALSE(absl::StrContains(Write({.entries = {CopenhagenMeeting()}}), "ORGANIZER"));
}

TEST(Write, OneTimeZonePerZoneHoweverManyEntriesUseIt) {
  Entry first = CopenhagenMeeting();
  Entry second = CopenhagenMeeting();
  second.uid = "second@events.coopnet";
  second.start = Local("2023-03-01 10:00", "Europe/Copenhagen");
  second.end = Local("2023-03-01 12:00", "Europe/Copenhagen");
  Entry oslo = CopenhagenMeeting();
  oslo.uid = "oslo@events.coopnet";
  oslo.zone_name = "Europe/Oslo";
  oslo.zone = Zone("Europe/Oslo");
  const std::string ics = Write({.entries = {first, second, oslo}});
  const std::string unfolded = Unfold(ics);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = unfolded.find(what); at != std::string::npos;
         at = unfolded.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("TZID:Europe/Copenhagen\r\n"), 1u);
  EXPECT_EQ(count("TZID:Europe/Oslo\r\n"), 1u);
  EXPECT_EQ(count("BEGIN:VEVENT"), 3u);
  // Copenhagen's component reaches into 2023, for the second entry.
  EXPECT_TRUE(absl::StrContains(unfolded, "DTSTART:20230326T020000"));
}

TEST(Write, GeoUrlAndCategoriesAreWritten) {
  Entry e = CopenhagenMeeting();
  e.geo = Geo{55.5, 12.25};
  e.url = "https://example.org/join?a=1,2";
  e.categories = {"INFO_MEETING", "green-transition"};
  const std::string ics = Write({.entries = {e}});
  EXPECT_TRUE(Contains(ics, "GEO:55.500000;12.250000"));
  EXPECT_TRUE(Contains(ics, "URL:https://example.org/join?a=1,2"));
  EXPECT_TRUE(Contains(ics, "CATEGORIES:INFO_MEETING,green-transition"));
}

}  // namespace
}  // namespace coopnet::events::ical
