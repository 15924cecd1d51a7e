#include "tools/demo/script.h"

#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"

namespace coopnet::demo {
namespace {

absl::Time LoadTime() {
  // A Wednesday in winter: Copenhagen is UTC+1.
  return absl::FromCivil(absl::CivilSecond(2026, 12, 2, 10, 0, 0), absl::UTCTimeZone());
}

// One field of a rendered request (the order of an object's keys is not kept).
std::string FieldOf(const absl::StatusOr<std::string>& rendered, const std::string& key) {
  if (!rendered.ok()) return rendered.status().ToString();
  const absl::StatusOr<google::protobuf::Value> parsed = ParseAnswer(*rendered);
  const auto& fields = parsed->struct_value().fields();
  auto it = fields.find(key);
  if (it == fields.end()) return "(missing)";
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(it->second, &json);
  return json;
}

Answers KofoedsCreated() {
  Answers answers;
  answers["kofoeds"] = *ParseAnswer(
      R"({"name": "organisations/41", "identifiers": [{"scheme": "DK-CVR", "value": "1"}]})");
  return answers;
}

TEST(DemoScript, StepsKeepTheirOrderNamesAndRequests) {
  auto script = ParseScript(R"({
    "steps": [
      {"as": "kofoeds", "call": "coopnet.organisations.v1.OrganisationService/CreateOrganisation",
       "request": {"organisation": {"displayName": "Kofoeds Skole"}}},
      {"call": "coopnet.events.v1.EventService/PublishEvent"}
    ]})");
  ASSERT_TRUE(script.ok()) << script.status();
  ASSERT_EQ(script->steps.size(), 2u);
  EXPECT_EQ(script->steps[0].as, "kofoeds");
  EXPECT_EQ(*Render(script->steps[0].request, {}, LoadTime()),
            R"({"organisation":{"displayName":"Kofoeds Skole"}})");
  EXPECT_EQ(script->steps[1].as, "");
  EXPECT_EQ(*Render(script->steps[1].request, {}, LoadTime()), "{}");
}

TEST(DemoScript, AStepWithoutAMethodIsRefusedByPosition) {
  auto script = ParseScript(R"({"steps": [{"call": "a.B/C"}, {"as": "x"}]})");
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().message(), "steps[1].call must name a method");
  EXPECT_FALSE(ParseScript("{\"steps\": ").ok());
  EXPECT_EQ(ParseScript(R"({"step": []})").status().message(), "the script needs a list of steps");
}

TEST(DemoScript, PlaceholdersTakeFieldsOfEarlierAnswers) {
  auto script = ParseScript(R"({"steps": [{"call": "a.B/C", "request": {
      "organiser": "${kofoeds.name}", "note": "CVR ${kofoeds.identifiers.0.value}!",
      "list": ["${kofoeds.name}/apiKeys"], "capacity": 160}}]})");
  ASSERT_TRUE(script.ok());
  const auto rendered = Render(script->steps[0].request, KofoedsCreated(), LoadTime());
  EXPECT_EQ(FieldOf(rendered, "organiser"), R"("organisations/41")");
  EXPECT_EQ(FieldOf(rendered, "note"), R"("CVR 1!")");
  EXPECT_EQ(FieldOf(rendered, "list"), R"(["organisations/41/apiKeys"])");
  EXPECT_EQ(FieldOf(rendered, "capacity"), "160");
}

TEST(DemoScript, UnknownAnswersAndFieldsAreNamed) {
  auto script = ParseScript(R"({"steps": [{"call": "a.B/C", "request": {"x": "${forum.name}"}},
      {"call": "a.B/C", "request": {"x": "${kofoeds.etag}"}},
      {"call": "a.B/C", "request": {"x": "${kofoeds.name"}}]})");
  ASSERT_TRUE(script.ok());
  EXPECT_EQ(Render(script->steps[0].request, KofoedsCreated(), LoadTime()).status().message(),
            "${forum.name}: no earlier step is named forum");
  EXPECT_EQ(Render(script->steps[1].request, KofoedsCreated(), LoadTime()).status().message(),
            "${kofoeds.etag}: the answer has no such field");
  EXPECT_EQ(Render(script->steps[2].request, KofoedsCreated(), LoadTime()).status().message(),
            "\"${kofoeds.name\": ${ is never closed");
}

TEST(DemoScript, LocalTimesAreDaysAfterTheLoadInTheirZone) {
  auto script = ParseScript(R"({"steps": [{"call": "a.B/C", "request": {
      "startTime": "${at +21d 16:30 Europe/Copenhagen}",
      "summer": "${at +200d 16:30 Europe/Copenhagen}",
      "today": "${at +0d 09:00 Europe/Oslo}"}}]})");
  ASSERT_TRUE(script.ok());
  // 23 December is winter (UTC+1); 20 June is summer (UTC+2).
  const auto rendered = Render(script->steps[0].request, {}, LoadTime());
  EXPECT_EQ(FieldOf(rendered, "startTime"), R"("2026-12-23T15:30:00Z")");
  EXPECT_EQ(FieldOf(rendered, "summer"), R"("2027-06-20T14:30:00Z")");
  EXPECT_EQ(FieldOf(rendered, "today"), R"("2026-12-02T08:00:00Z")");
}

// The seed's meeting is on a Thursday with registration by the Monday before: weeks keep
// both on their day whenever the demo is loaded.
TEST(DemoScript, WeekdaysFallInTheWeekSoManyWeeksOn) {
  auto script = ParseScript(R"({"steps": [{"call": "a.B/C", "request": {
      "meeting": "${at +3w thu 16:30 Europe/Copenhagen}",
      "close": "${at +3w mon 23:59 Europe/Copenhagen}"}}]})");
  ASSERT_TRUE(script.ok());
  // The load is on Wednesday 2 December 2026: three weeks on is the week of 21 December.
  const auto rendered = Render(script->steps[0].request, {}, LoadTime());
  EXPECT_EQ(FieldOf(rendered, "meeting"), R"("2026-12-24T15:30:00Z")");
  EXPECT_EQ(FieldOf(rendered, "close"), R"("2026-12-21T22:59:00Z")");
  auto bad = ParseScript(R"({"steps": [{"call": "a.B/C", "request": {
      "t": "${at +3w thursday 16:30 Europe/Copenhagen}"}}]})");
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(Render(bad->steps[0].request, {}, LoadTime()).ok());
}

TEST(DemoScript, MalformedTimesSayTheirShape) {
  for (const char* bad : {"${at 21d 16:30 Europe/Copenhagen}", "${at +21d 1630 Europe/Copenhagen}",
                          "${at +21d 16:30 Europe/Atlantis}", "${at +21d}"}) {
    auto script = ParseScript(std::string(R"({"steps": [{"call": "a.B/C", "request": {"t": ")") +
                              bad + "\"}}]}");
    ASSERT_TRUE(script.ok()) << bad;
    auto rendered = Render(script->steps[0].request, {}, LoadTime());
    ASSERT_FALSE(rendered.ok()) << bad;
    EXPECT_NE(rendered.status().message().find("must read ${at +Nd HH:MM Area/City}"),
              std::string::npos)
        << rendered.status().message();
  }
}

}  // namespace
}  // namespace coopnet::demo
