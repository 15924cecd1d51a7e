#include "services/registrations/export_csv.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"

namespace coopnet::registrations {
namespace {

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

v1::RegistrationPolicy Policy() {
  return Parse<v1::RegistrationPolicy>(R"pb(
    questions {
      id: "accommodation"
      kind: TEXT
      label {
        translations { key: "da" value: "Overnatning" }
        translations { key: "en" value: "Accommodation" }
        default_language: "da"
      }
    }
    questions {
      id: "themes"
      kind: MULTIPLE_CHOICE
      label {
        translations { key: "da" value: "Temaer" }
        default_language: "da"
      }
      options {
        id: "climate"
        label {
          translations { key: "da" value: "Klima" }
          default_language: "da"
        }
      }
      options {
        id: "youth"
        label {
          translations { key: "da" value: "Unge" }
          default_language: "da"
        }
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
  )pb");
}

TEST(CsvField, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvField("Kofoeds Skole"), "Kofoeds Skole");
  EXPECT_EQ(CsvField("Nyrnberggade 1, 2300 København S"), "\"Nyrnberggade 1, 2300 København S\"");
  EXPECT_EQ(CsvField("say \"hej\""), "\"say \"\"hej\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField(""), "");
}

TEST(CsvField, KeepsSpreadsheetsFromRunningFormulas) {
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvField("+45 33 12 34 56"), "'+45 33 12 34 56");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("-"), "'-");
  EXPECT_EQ(CsvField("\r=1+1"), "\"'\r=1+1\"");
  EXPECT_EQ(CsvField("  =1+1"), "'  =1+1");
  EXPECT_EQ(CsvField("\uFF1DHYPERLINK(1)"), "'\uFF1DHYPERLINK(1)");
  EXPECT_EQ(CsvField("\uFF20SUM(A1)"), "'\uFF20SUM(A1)");
  EXPECT_EQ(CsvField("Kofoeds Skole - København"), "Kofoeds Skole - København");
  EXPECT_EQ(CsvField("   "), "   ");
}

TEST(CsvHeader, LabelsTheQuestionsInTheAskedLanguage) {
  const std::string english = CsvHeader(Policy(), "en");
  EXPECT_TRUE(absl::EndsWith(english, ",create_time,Accommodation,Temaer,Parkering\r\n"))
      << english;
  EXPECT_EQ(english.rfind("registration,state,waitlist_position,", 0), 0u);
}

TEST(CsvRows, OneRowPerParticipantWithTheAnswersRepeated) {
  const v1::Registration r = Parse<v1::Registration>(R"pb(
    name: "events/e/registrations/r"
    state: CONFIRMED
    organisation_name: "Foreningen Grøn, Hverdag"
    organisation_country: "DK"
    organisation_kind: ASSOCIATION
    participants {
      id: "1"
      given_name: "Søren"
      family_name: "Ærø"
      email: "soren@groen.dk"
      check_in_time { seconds: 1665671400 }
    }
    participants { id: "2" given_name: "Mette" family_name: "Holm" email: "mette@groen.dk" }
    answers {
      question: "themes"
      choices { options: [ "climate", "youth" ] }
    }
    answers { question: "parking" yes: false }
    create_time { seconds: 1665000000 }
  )pb");
  const std::string rows = CsvRows(Policy(), r, "da");
  EXPECT_EQ(rows,
            "events/e/registrations/r,CONFIRMED,,,\"Foreningen Grøn, Hverdag\",ASSOCIATION,DK,1,"
            "Søren,Ærø,soren@groen.dk,,,2022-10-13T14:30:00Z,2022-10-05T20:00:00Z,,"
            "Klima; Unge,no\r\n"
            "events/e/registrations/r,CONFIRMED,,,\"Foreningen Grøn, Hverdag\",ASSOCIATION,DK,2,"
            "Mette,Holm,mette@groen.dk,,,,2022-10-05T20:00:00Z,,"
            "Klima; Unge,no\r\n");
}

}  // namespace
}  // namespace coopnet::registrations
