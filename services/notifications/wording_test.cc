#include "services/notifications/wording.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coopnet::notifications {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every placeholder any message uses, set.
Values Everything() {
  return {{"participant_name", "Anna Nowak"},
          {"event_title", "Forum Współpracy Kujawsko-Pomorskie"},
          {"event_start", "wtorek, 13 października 2026 16:30"},
          {"event_end", "wtorek, 13 października 2026 18:30"},
          {"event_place", "Urząd Marszałkowski, Toruń"},
          {"organiser", "InterEkip"},
          {"manage_link", "https://portal.example.org/registrations/r1#token=cnr_x"},
          {"waitlist_position", "17"},
          {"reason", "Sala jest pełna."},
          {"intro", "Prosimy o zabranie dowodu osobistego."},
          {"previous_start", "poniedziałek, 12 października 2026 10:00"}};
}

TEST(Write, EveryMessageIsWrittenInEveryLanguage) {
  for (const std::string& message : Messages()) {
    for (const std::string& language : Languages()) {
      SCOPED_TRACE(message + "/" + language);
      absl::StatusOr<Wording> wording = Write(message, language, Everything());
      ASSERT_TRUE(wording.ok()) << wording.status();
      EXPECT_THAT(wording->subject, HasSubstr("Forum Współpracy Kujawsko-Pomorskie"));
      EXPECT_THAT(wording->text, HasSubstr("Anna Nowak"));
      EXPECT_THAT(wording->text, HasSubstr("InterEkip"));
      EXPECT_THAT(wording->text, HasSubstr("Prosimy o zabranie dowodu osobistego."));
      EXPECT_THAT(wording->text, Not(HasSubstr("{{")));
      EXPECT_THAT(wording->html, HasSubstr("<p>"));
      EXPECT_THAT(wording->html, HasSubstr("lang=\"" + language + "\""));
    }
  }
}

TEST(Write, SaysWhatEachMessageIsAbout) {
  const Values values = Everything();
  EXPECT_THAT(Write("waitlisted", "en", values)->text, HasSubstr("17"));
  EXPECT_THAT(Write("event_rescheduled", "da", values)->text,
              HasSubstr("poniedziałek, 12 października 2026 10:00"));
  EXPECT_THAT(Write("rejected", "sv", values)->text, HasSubstr("Sala jest pełna."));
  EXPECT_THAT(Write("confirmed", "pl", values)->text,
              HasSubstr("https://portal.example.org/registrations/r1#token=cnr_x"));
  EXPECT_THAT(Write("confirmed", "pl", values)->text, HasSubstr("Urząd Marszałkowski, Toruń"));
}

TEST(Write, LeavesOutAParagraphWhoseValueIsEmpty) {
  Values online = Everything();
  online["event_place"] = "";
  online.erase("intro");
  for (const std::string& language : Languages()) {
    SCOPED_TRACE(language);
    absl::StatusOr<Wording> wording = Write("confirmed", language, online);
    ASSERT_TRUE(wording.ok()) << wording.status();
    EXPECT_THAT(wording->text, Not(HasSubstr("Prosimy")));
    EXPECT_THAT(wording->text, Not(HasSubstr("{{")));
    // The rest is still there.
    EXPECT_THAT(wording->text, HasSubstr("wtorek, 13 października 2026 16:30"));
    EXPECT_THAT(wording->text, HasSubstr("https://portal.example.org/registrations/r1"));
  }
}

TEST(Write, EscapesHtmlAndLinksAddresses) {
  Values values = Everything();
  values["participant_name"] = "Ola <b>Nordmann</b> & co";
  values["manage_link"] = "https://portal.example.org/r?a=1&b=2";
  absl::StatusOr<Wording> wording = Write("confirmed", "nb", values);
  ASSERT_TRUE(wording.ok()) << wording.status();
  EXPECT_THAT(wording->text, HasSubstr("Ola <b>Nordmann</b> & co"));
  EXPECT_THAT(wording->html, HasSubstr("Ola &lt;b&gt;Nordmann&lt;/b&gt; &amp; co"));
  EXPECT_THAT(wording->html, HasSubstr("<a href=\"https://portal.example.org/r?a=1&amp;b=2\">"));
}

TEST(Write, HtmlLetsWrappedSentencesFlowAndKeepsLabelsAndSignaturesApart) {
  absl::StatusOr<Wording> confirmed = Write("confirmed", "pl", Everything());
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_THAT(confirmed->text, HasSubstr("został\npotwierdzony"));
  EXPECT_THAT(confirmed->html, HasSubstr("został potwierdzony"));
  EXPECT_THAT(confirmed->html, HasSubstr("Z poważaniem<br>\nInterEkip"));
  absl::StatusOr<Wording> moved = Write("event_rescheduled", "de", Everything());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_THAT(moved->html, HasSubstr("Bisheriger Termin: poniedziałek, 12 października 2026 "
                                     "10:00<br>\nNeuer Termin: wtorek"));
}

TEST(Write, AMessageWithoutATemplateIsNotFound) {
  EXPECT_EQ(Write("confirmed", "tlh", Everything()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Write("invoice", "en", Everything()).status().code(), absl::StatusCode::kNotFound);
}

TEST(ChooseLanguage, FallsBackAlongTheTagThenToTheEventsLanguagesThenToEnglish) {
  EXPECT_EQ(ChooseLanguage("pl", {"en"}), "pl");
  EXPECT_EQ(ChooseLanguage("pl-PL", {"en"}), "pl");
  EXPECT_EQ(ChooseLanguage("de_AT", {"en"}), "de");
  EXPECT_EQ(ChooseLanguage("EN-gb", {"da"}), "en");
  EXPECT_EQ(ChooseLanguage("nn-NO", {"en"}), "nn");
  EXPECT_EQ(ChooseLanguage("no", {"en"}), "nb");
  EXPECT_EQ(ChooseLanguage("uk", {"da", "en"}), "da");
  EXPECT_EQ(ChooseLanguage("", {"sv"}), "sv");
  EXPECT_EQ(ChooseLanguage("uk", {"lt"}), "en");
  EXPECT_EQ(ChooseLanguage("", {}), "en");
}

}  // namespace
}  // namespace coopnet::notifications
