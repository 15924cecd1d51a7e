#include "services/notifications/dates.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coopnet::notifications {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// 14:30 UTC on Tuesday 13 October 2026: 16:30 in Copenhagen, Warsaw, Stockholm, Oslo
// and Berlin (summer time), 17:30 in Helsinki.
const absl::Time kMeeting =
    absl::FromCivil(absl::CivilMinute(2026, 10, 13, 14, 30), absl::UTCTimeZone());

TEST(FormatWhen, WritesTheDayAndTimeInTheEventsZoneAsTheLanguageDoes) {
  EXPECT_EQ(FormatWhen(kMeeting, "Europe/Copenhagen", "da"),
            "tirsdag den 13. oktober 2026 kl. 16.30");
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Warsaw", "pl"),
              AllOf(HasSubstr("wtorek"), HasSubstr("13 października 2026"), HasSubstr("16:30")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Stockholm", "sv"),
              AllOf(HasSubstr("tisdag 13 oktober 2026"), HasSubstr("16:30")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Oslo", "nb"),
              AllOf(HasSubstr("tirsdag 13. oktober 2026"), HasSubstr("16:30")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Oslo", "nn"),
              AllOf(HasSubstr("tysdag"), HasSubstr("13. oktober 2026")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Helsinki", "fi"),
              AllOf(HasSubstr("tiistai"), HasSubstr("13. lokakuuta 2026"), HasSubstr("17.30")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Berlin", "de"),
              AllOf(HasSubstr("Dienstag, 13. Oktober 2026"), HasSubstr("16:30")));
  EXPECT_THAT(FormatWhen(kMeeting, "Europe/Copenhagen", "en"),
              AllOf(HasSubstr("Tuesday"), HasSubstr("13 October 2026"), HasSubstr("16:30")));
}

TEST(FormatWhen, AnUnknownZoneIsUtc) {
  EXPECT_THAT(FormatWhen(kMeeting, "Mars/Olympus_Mons", "en"), HasSubstr("14:30"));
}

}  // namespace
}  // namespace coopnet::notifications
