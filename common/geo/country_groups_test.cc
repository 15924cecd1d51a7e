#include "common/geo/country_groups.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/validate/validate.h"

namespace coopnet::geo {
namespace {

using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Optional;

TEST(CountryGroupsTest, EveryGroupIsWellFormed) {
  for (const CountryGroup& group : CountryGroups()) {
    SCOPED_TRACE(std::string(group.code));
    EXPECT_GT(group.code.size(), 2u) << "a code a country code could be";
    EXPECT_FALSE(validate::IsCountryCode(group.code));
    EXPECT_FALSE(group.name.empty());
    EXPECT_FALSE(group.basis.empty());
    for (absl::string_view country : group.countries) {
      EXPECT_TRUE(validate::IsCountryCode(country)) << country;
    }
    for (absl::string_view region : group.regions) {
      const std::string country = CountryOfNuts(region);
      EXPECT_TRUE(validate::NutsCode("region", region, country).ok()) << region;
      EXPECT_THAT(group.countries, ::testing::Not(::testing::Contains(country)))
          << region << " is in a country wholly in the group";
    }
  }
}

TEST(CountryGroupsTest, TheUnionAndItsNeighbours) {
  ASSERT_NE(FindCountryGroup("EU27"), nullptr);
  EXPECT_EQ(FindCountryGroup("EU27")->countries.size(), 27u);
  EXPECT_EQ(FindCountryGroup("EEA")->countries.size(), 30u);
  const Places eea(std::vector<std::string>{"EEA"});
  EXPECT_TRUE(eea.Holds("NO", "NO0A"));
  EXPECT_TRUE(eea.Holds("IS", ""));
  EXPECT_FALSE(eea.Holds("CH", "CH01"));
  EXPECT_FALSE(eea.Holds("GB", "UKI"));
  EXPECT_TRUE(Places(std::vector<std::string>{"EFTA"}).Holds("CH", ""));
  EXPECT_TRUE(Places(std::vector<std::string>{"EU_CANDIDATES"}).Holds("UA", ""));
  // "NGOs from other Baltic Sea region and EEA countries": the Grants' donors.
  const Places engage(std::vector<std::string>{"INTERREG_BSR", "EEA_EFTA"});
  EXPECT_THAT(FirstHolding(engage.entries(), "NO", "NO074"), Optional(Eq("EEA_EFTA")));
  EXPECT_THAT(FirstHolding(engage.entries(), "NO", "NO0A"), Optional(Eq("INTERREG_BSR")));
  EXPECT_FALSE(engage.Holds("BE", "BE10"));
  EXPECT_EQ(FindCountryGroup("EU"), nullptr);
}

TEST(CountryGroupsTest, ProgrammeAreasHoldPartsOfCountriesByRegion) {
  const Places bsr(std::vector<std::string>{"INTERREG_BSR"});
  EXPECT_TRUE(bsr.Holds("PL", "PL63"));   // Gdańsk, wholly in
  EXPECT_TRUE(bsr.Holds("DE", "DE80"));   // Mecklenburg-Vorpommern
  EXPECT_TRUE(bsr.Holds("DE", "DE935"));  // Lüneburg
  EXPECT_FALSE(bsr.Holds("DE", "DE21"));  // Oberbayern
  EXPECT_FALSE(bsr.Holds("DE", ""));      // somewhere in Germany: not known to be in
  EXPECT_TRUE(bsr.Holds("NO", "NO0A"));   // Vestland
  EXPECT_FALSE(bsr.Holds("NO", "NO07"));  // Nord-Norge
  EXPECT_FALSE(bsr.Holds("IS", ""));
  const Places central(std::vector<std::string>{"INTERREG_CENTRAL_EUROPE"});
  EXPECT_TRUE(central.Holds("IT", "ITC45"));   // Milano
  EXPECT_FALSE(central.Holds("IT", "ITI43"));  // Roma
  EXPECT_TRUE(Places(std::vector<std::string>{"INTERREG_NORTH_SEA"}).Holds("SE", "SE232"));
  EXPECT_FALSE(Places(std::vector<std::string>{"INTERREG_NORTH_SEA"}).Holds("SE", "SE110"));
}

TEST(CountryGroupsTest, TheFirstEntryHoldingAnOrganisationNamesIt) {
  const std::vector<std::string> places = {"INTERREG_BSR", "EEA", "CH"};
  EXPECT_THAT(FirstHolding(places, "PL", "PL63"), Optional(Eq("INTERREG_BSR")));
  EXPECT_THAT(FirstHolding(places, "DE", "DE21"), Optional(Eq("EEA")));
  EXPECT_THAT(FirstHolding(places, "CH", ""), Optional(Eq("CH")));
  EXPECT_EQ(FirstHolding(places, "UA", ""), std::nullopt);
}

TEST(CountryGroupsTest, ACountryWhollyInTheListNeedsNoRegions) {
  const Places bsr_and_germany(std::vector<std::string>{"INTERREG_BSR", "DE"});
  EXPECT_THAT(bsr_and_germany.PartRegions(), ElementsAre("NO02", "NO06", "NO08", "NO09", "NO0A"));
  EXPECT_THAT(bsr_and_germany.WholeCountries(),
              ElementsAre("DE", "DK", "EE", "FI", "LT", "LV", "PL", "SE"));
  EXPECT_THAT(bsr_and_germany.Countries(),
              ElementsAre("DE", "DK", "EE", "FI", "LT", "LV", "NO", "PL", "SE"));
  const Places countries(std::vector<std::string>{"SE", "DK", "SE"});
  EXPECT_THAT(countries.WholeCountries(), ElementsAre("DK", "SE"));
  EXPECT_TRUE(countries.PartRegions().empty());
}

TEST(CountryGroupsTest, ListsNamingGroupsMeetWhereTheyShareACountry) {
  // A request wanting partners from the Baltic Sea region wants some from Germany.
  EXPECT_THAT(Places(std::vector<std::string>{"DE"}).MeetingEntries(),
              ElementsAre("DE", "EEA", "EU27", "INTERREG_BSR", "INTERREG_CENTRAL_EUROPE",
                          "INTERREG_NORTH_SEA"));
  EXPECT_THAT(Places(std::vector<std::string>{"CH"}).MeetingEntries(), ElementsAre("CH", "EFTA"));
  EXPECT_THAT(Places(std::vector<std::string>{"INTERREG_CENTRAL_EUROPE", "SE"}).SqlPatterns(),
              ElementsAre("AT", "CZ", "HR", "HU", "PL", "SE", "SI", "SK", "DE1%", "DE2%", "DE3%",
                          "DE4%", "DE8%", "DED%", "DEE%", "DEG%", "ITC1%", "ITC2%", "ITC3%",
                          "ITC4%", "ITH1%", "ITH2%", "ITH3%", "ITH4%", "ITH5%"));
}

TEST(CountryGroupsTest, APlaceIsACountryOrAGroupAndARefusalListsTheGroups) {
  EXPECT_TRUE(CheckPlace("countries[0]", "NO").ok());
  EXPECT_TRUE(CheckPlace("countries[0]", "INTERREG_BSR").ok());
  const absl::Status refused = CheckPlace("countries[1]", "eea");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("countries[1]"));
  EXPECT_THAT(refused.message(), HasSubstr("country group (EU27, EEA, EFTA"));
  EXPECT_THAT(refused.message(), HasSubstr("\"eea\""));
  EXPECT_FALSE(CheckPlace("countries[0]", "BALTIC").ok());
}

}  // namespace
}  // namespace coopnet::geo
