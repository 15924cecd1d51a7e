#include "common/validate/messages.h"

#include <gtest/gtest.h>

namespace coopnet::validate {
namespace {

std::string Refusal(const Violations& v) { return std::string(v.ToStatus().message()); }

TEST(CheckLocalizedText, NamesTheTranslationAndTheDefaultLanguage) {
  type::v1::LocalizedText text;
  (*text.mutable_translations())["da"] = "Info- og debatmøde";
  text.set_default_language("da");
  Violations ok;
  CheckLocalizedText(ok, text, "event.title", 200, true);
  EXPECT_TRUE(ok.ok()) << Refusal(ok);

  text.set_default_language("pl");
  (*text.mutable_translations())["x"] = "";
  Violations bad;
  CheckLocalizedText(bad, text, "event.title", 200);
  const std::string message = Refusal(bad);
  EXPECT_NE(message.find("event.title.translations[x]"), std::string::npos) << message;
  EXPECT_NE(message.find("event.title.default_language"), std::string::npos) << message;

  Violations missing;
  CheckLocalizedText(missing, type::v1::LocalizedText(), "event.title", 200, true);
  EXPECT_NE(Refusal(missing).find("at least one language"), std::string::npos);
}

TEST(CheckThemes, RefusesNonSlugsRepeatsAndLongLists) {
  google::protobuf::RepeatedPtrField<std::string> themes;
  for (const char* theme : {"green-transition", "Youth", "green-transition"}) *themes.Add() = theme;
  Violations v;
  CheckThemes(v, themes, "organisation.themes", 2);
  const std::string message = Refusal(v);
  EXPECT_NE(message.find("at most 2 entries"), std::string::npos) << message;
  EXPECT_NE(message.find("organisation.themes[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("organisation.themes[2] repeats"), std::string::npos) << message;
}

TEST(CheckPostalAddress, RequiresTheCountryWhenAskedAndNoRecipients) {
  google::type::PostalAddress address;
  address.add_address_lines("Jagtvej 69");
  address.add_recipients("A. Person");
  Violations v;
  CheckPostalAddress(v, address, "event.venue.address",
                     {.country_required = true, .why_no_recipients = "must be empty"});
  const std::string message = Refusal(v);
  EXPECT_NE(message.find("event.venue.address.region_code"), std::string::npos) << message;
  EXPECT_NE(message.find("event.venue.address.recipients must be empty"), std::string::npos)
      << message;

  address.clear_recipients();
  address.set_region_code("DK");
  Violations ok;
  CheckPostalAddress(ok, address, "event.venue.address", {.country_required = true});
  EXPECT_TRUE(ok.ok()) << Refusal(ok);
}

}  // namespace
}  // namespace coopnet::validate
