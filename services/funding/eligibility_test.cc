#include "services/funding/eligibility.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "services/funding/funding_rules.h"
#include "tests/harness/seeds.h"

namespace coopnet::funding {
namespace {

using v1::Call;

Call Parse(const std::string& text) {
  Call call;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &call)) << text;
  return call;
}

// A call for public bodies of Poland, Denmark and Sweden leading partners from three
// countries, in Polish or English.
Call BalticCall() {
  return Parse(R"pb(
    name: "calls/01baltic"
    publish_time { seconds: 1 }
    open_time { seconds: 1000 }
    deadline { seconds: 2000 }
    total_budget { currency_code: "PLN" units: 1000000 }
    min_grant { currency_code: "PLN" units: 10000 }
    max_grant { currency_code: "PLN" units: 100000 }
    co_financing_rate_bp: 8000
    eligibility {
      countries: [ "PL", "DK", "SE" ]
      lead_kinds: [ MUNICIPALITY, REGIONAL_AUTHORITY, NATIONAL_AUTHORITY ]
      min_consortium_size: 3
      min_countries: 3
      themes: [ "international-cooperation", "culture" ]
      languages: [ "pl", "en" ]
    }
  )pb");
}

const Reason* Find(const std::vector<Reason>& reasons, const std::string& criterion) {
  for (const Reason& r : reasons) {
    if (r.criterion() == criterion) return &r;
  }
  return nullptr;
}

TEST(Eligibility, ExplainsThatTheLeadMustBeAPublicBody) {
  Consortium c{.lead = testing::seeds::KofoedsSkole()};
  std::vector<Reason> reasons = JudgeConsortium(BalticCall().eligibility(), c);
  const Reason* kind = Find(reasons, "lead_kind");
  ASSERT_NE(kind, nullptr);
  EXPECT_FALSE(kind->met());
  EXPECT_EQ(kind->explanation(),
            "the lead must be a public body (MUNICIPALITY, REGIONAL_AUTHORITY or "
            "NATIONAL_AUTHORITY); Kofoeds Skole is an NGO");
  EXPECT_FALSE(CanLead(BalticCall().eligibility(), c.lead));
}

TEST(Eligibility, CountsTheCountriesOfTheConsortium) {
  Consortium c{.lead = testing::seeds::UrzadMarszalkowski(),
               .partners = {testing::seeds::KofoedsSkole(), testing::seeds::BiserGdansk()}};
  std::vector<Reason> reasons = JudgeConsortium(BalticCall().eligibility(), c);
  const Reason* countries = Find(reasons, "consortium_countries");
  ASSERT_NE(countries, nullptr);
  EXPECT_FALSE(countries->met());
  EXPECT_EQ(countries->explanation(),
            "needs partners from at least 3 countries; you have 2 (DK, PL)");
  EXPECT_TRUE(Find(reasons, "consortium_size")->met());
  EXPECT_TRUE(Find(reasons, "lead_kind")->met());

  c.partners.push_back(testing::seeds::RegionOrebro());
  reasons = JudgeConsortium(BalticCall().eligibility(), c);
  EXPECT_TRUE(AllMet(reasons)) << Find(reasons, "consortium_countries")->explanation();
}

TEST(Eligibility, NamesPartnersOutsideTheCallsCountries) {
  Consortium c{.lead = testing::seeds::UrzadMarszalkowski(),
               .partners = {testing::seeds::HordalandFylkeskommune()}};
  const std::vector<Reason> reasons = JudgeConsortium(BalticCall().eligibility(), c);
  const Reason* partners = Find(reasons, "partner_countries");
  ASSERT_NE(partners, nullptr);
  EXPECT_FALSE(partners->met());
  EXPECT_TRUE(absl::StrContains(partners->explanation(), "Hordaland fylkeskommune (NO) is not"))
      << partners->explanation();
}

TEST(Eligibility, ACallOpenToTheBalticSeaRegionAndTheEeaNamesTheGroupThatLetsEachIn) {
  v1::Eligibility baltic_and_eea;
  baltic_and_eea.add_countries("INTERREG_BSR");
  baltic_and_eea.add_countries("EEA");
  Consortium c{.lead = testing::seeds::BiserGdansk(),
               .partners = {testing::seeds::HordalandFylkeskommune()}};
  std::vector<Reason> reasons = JudgeConsortium(baltic_and_eea, c);
  EXPECT_TRUE(AllMet(reasons));
  EXPECT_EQ(Find(reasons, "lead_country")->explanation(),
            "the lead, BISER, is in PL (INTERREG_BSR), one of the call's countries");
  EXPECT_TRUE(CanLead(baltic_and_eea, testing::seeds::HordalandFylkeskommune()));

  Organisation zurich = testing::seeds::BiserGdansk();
  zurich.set_display_name("Stadt Zürich");
  zurich.set_country("CH");
  zurich.set_nuts_region("CH040");
  EXPECT_FALSE(CanLead(baltic_and_eea, zurich));
  c.partners.push_back(zurich);
  reasons = JudgeConsortium(baltic_and_eea, c);
  EXPECT_EQ(Find(reasons, "partner_countries")->explanation(),
            "partners must be based in INTERREG_BSR or EEA; Stadt Zürich (CH) is not");
}

TEST(Eligibility, RegionalSchemesTakeOnlyTheirRegion) {
  v1::Eligibility orebro_only;
  orebro_only.add_nuts_regions("SE12");
  EXPECT_TRUE(CanLead(orebro_only, testing::seeds::RegionOrebro()));  // SE124
  EXPECT_FALSE(CanLead(orebro_only, testing::seeds::UrzadMarszalkowski()));
  const std::vector<Reason> reasons =
      JudgeConsortium(orebro_only, {.lead = testing::seeds::BiserGdansk()});
  const Reason* region = Find(reasons, "lead_region");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->explanation(), "the lead must be in SE12; BISER is in PL63");
}

TEST(Eligibility, ApplicationAmountsKeepToGrantsAndCoFinancing) {
  Consortium c{.lead = testing::seeds::UrzadMarszalkowski(),
               .partners = {testing::seeds::KofoedsSkole(), testing::seeds::RegionOrebro()}};
  v1::Application a;
  a.set_language("pl");
  a.mutable_requested_amount()->set_currency_code("PLN");
  a.mutable_requested_amount()->set_units(85200);
  a.mutable_total_cost()->set_currency_code("PLN");
  a.mutable_total_cost()->set_units(100000);
  std::vector<Reason> reasons = JudgeApplication(BalticCall(), a, c);
  const Reason* co_financing = Find(reasons, "co_financing");
  ASSERT_NE(co_financing, nullptr);
  EXPECT_FALSE(co_financing->met());
  EXPECT_EQ(co_financing->explanation(),
            "the call pays at most 80 % of the costs: 80000 PLN of 100000 PLN; you ask for "
            "85200 PLN");

  a.mutable_total_cost()->set_units(106500);
  reasons = JudgeApplication(BalticCall(), a, c);
  EXPECT_TRUE(AllMet(reasons));

  a.mutable_requested_amount()->set_units(150000);
  a.mutable_total_cost()->set_units(200000);
  reasons = JudgeApplication(BalticCall(), a, c);
  const Reason* amount = Find(reasons, "amount");
  EXPECT_FALSE(amount->met());
  EXPECT_EQ(amount->explanation(), "asks for 150000 PLN; the call grants at most 100000 PLN");
}

TEST(Eligibility, RanksEligibleCallsFirstThenSharedThemesThenDeadline) {
  Consortium c{.lead = testing::seeds::UrzadMarszalkowski()};
  const absl::Time now = absl::FromUnixSeconds(1500);
  Call open = BalticCall();
  open.mutable_eligibility()->clear_min_consortium_size();
  open.mutable_eligibility()->clear_min_countries();
  Call later = open;
  later.set_name("calls/02later");
  later.mutable_deadline()->set_seconds(3000);
  Call ineligible = BalticCall();
  ineligible.set_name("calls/00needs-partners");
  const std::vector<std::string> themes = {"culture"};
  const RankedCall a = JudgeCall(open, c, themes, now);
  const RankedCall b = JudgeCall(later, c, themes, now);
  const RankedCall d = JudgeCall(ineligible, c, themes, now);
  EXPECT_TRUE(a.match.eligible());
  EXPECT_FALSE(d.match.eligible());
  EXPECT_TRUE(RanksBefore(a.rank, b.rank));
  EXPECT_TRUE(RanksBefore(b.rank, d.rank));

  absl::StatusOr<MatchRank> back = ParseMatchPageKey(MatchPageKey(b.rank));
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(RanksBefore(*back, b.rank));
  EXPECT_FALSE(RanksBefore(b.rank, *back));
  EXPECT_FALSE(ParseMatchPageKey("nonsense").ok());
}

}  // namespace
}  // namespace coopnet::funding
