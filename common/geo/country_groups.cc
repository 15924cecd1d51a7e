#include "common/geo/country_groups.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "common/validate/validate.h"

namespace coopnet::geo {
namespace {

std::vector<absl::string_view> Join(std::vector<absl::string_view> a,
                                    const std::vector<absl::string_view>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  return a;
}

const std::vector<absl::string_view> kEu27 = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES",
                                              "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
                                              "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"};

// Norway south of Nordland: Innlandet, Trøndelag, Oslo og Viken, Agder og Sør-Østlandet,
// Vestlandet.
const std::vector<absl::string_view> kSouthernNorway = {"NO02", "NO06", "NO08", "NO09", "NO0A"};

std::vector<CountryGroup> MakeGroups() {
  std::vector<CountryGroup> groups;
  groups.push_back(
      {"EU27", "European Union", "the 27 member states since 1 February 2020", kEu27, {}});
  groups.push_back({"EEA",
                    "European Economic Area",
                    "the EU member states, Iceland, Liechtenstein and Norway",
                    Join(kEu27, {"IS", "LI", "NO"}),
                    {}});
  groups.push_back({"EFTA",
                    "European Free Trade Association",
                    "Iceland, Liechtenstein, Norway and Switzerland",
                    {"CH", "IS", "LI", "NO"},
                    {}});
  groups.push_back({"EEA_EFTA",
                    "EEA EFTA states",
                    "the EFTA states in the EEA, donors of the EEA and Norway Grants: Iceland, "
                    "Liechtenstein and Norway",
                    {"IS", "LI", "NO"},
                    {}});
  groups.push_back({"EU_CANDIDATES",
                    "EU candidate countries",
                    "countries granted candidate status by the European Council",
                    {"AL", "BA", "GE", "MD", "ME", "MK", "RS", "TR", "UA"},
                    {}});
  std::vector<absl::string_view> bsr_regions = {"DE3", "DE4", "DE5", "DE6", "DE8", "DE93", "DEF"};
  bsr_regions.insert(bsr_regions.end(), kSouthernNorway.begin(), kSouthernNorway.end());
  groups.push_back({"INTERREG_BSR",
                    "Interreg Baltic Sea Region",
                    "programme area 2021-2027: eight member states (of Germany Berlin, "
                    "Brandenburg, Bremen, Hamburg, Mecklenburg-Vorpommern, Schleswig-Holstein and "
                    "Lüneburg) and Norway but Nord-Norge",
                    {"DK", "EE", "FI", "LT", "LV", "PL", "SE"},
                    bsr_regions});
  std::vector<absl::string_view> north_sea_regions = {"BE2",   "DE5",   "DE6",  "DE9",   "DEF",
                                                      "FRD",   "FRE",   "FRH",  "SE212", "SE224",
                                                      "SE231", "SE232", "SE311"};
  north_sea_regions.insert(north_sea_regions.end(), kSouthernNorway.begin(), kSouthernNorway.end());
  groups.push_back({"INTERREG_NORTH_SEA",
                    "Interreg North Sea",
                    "programme area 2021-2027: Denmark, the Netherlands, Flanders, Bremen, "
                    "Hamburg, Lower Saxony, Schleswig-Holstein, Normandy, Brittany, "
                    "Hauts-de-France, southern Norway and Kronoberg, Skåne, Halland, Västra "
                    "Götaland and Värmland",
                    {"DK", "NL"},
                    north_sea_regions});
  groups.push_back({"INTERREG_CENTRAL_EUROPE",
                    "Interreg Central Europe",
                    "programme area 2021-2027: seven member states, eight German Länder and "
                    "northern Italy",
                    {"AT", "CZ", "HR", "HU", "PL", "SI", "SK"},
                    {"DE1", "DE2", "DE3", "DE4", "DE8", "DED", "DEE", "DEG", "ITC1", "ITC2", "ITC3",
                     "ITC4", "ITH1", "ITH2", "ITH3", "ITH4", "ITH5"}});
  return groups;
}

std::string Codes() {
  std::vector<absl::string_view> codes;
  for (const CountryGroup& group : CountryGroups()) codes.push_back(group.code);
  return absl::StrJoin(codes, ", ");
}

}  // namespace

const std::vector<CountryGroup>& CountryGroups() {
  static const auto* groups = new std::vector<CountryGroup>(MakeGroups());
  return *groups;
}

const CountryGroup* FindCountryGroup(absl::string_view code) {
  for (const CountryGroup& group : CountryGroups()) {
    if (group.code == code) return &group;
  }
  return nullptr;
}

absl::Status CheckPlace(absl::string_view field, absl::string_view code) {
  if (validate::IsCountryCode(code) || FindCountryGroup(code) != nullptr) {
    return absl::OkStatus();
  }
  return status::InvalidField(
      field, absl::StrCat("must be an ISO 3166-1 alpha-2 country code or a country group (",
                          Codes(), "), got ", validate::Quoted(code)));
}

std::string CountryOfNuts(absl::string_view nuts) {
  const absl::string_view prefix = nuts.substr(0, 2);
  if (prefix == "EL") return "GR";
  if (prefix == "UK") return "GB";
  return std::string(prefix);
}

bool EntryHolds(absl::string_view entry, absl::string_view country, absl::string_view nuts) {
  if (entry == country) return true;
  // A country code is no group's.
  if (entry.size() <= 2) return false;
  const CountryGroup* group = FindCountryGroup(entry);
  if (group == nullptr) return false;
  if (std::find(group->countries.begin(), group->countries.end(), country) !=
      group->countries.end()) {
    return true;
  }
  for (absl::string_view region : group->regions) {
    if (absl::StartsWith(nuts, region) && CountryOfNuts(region) == country) return true;
  }
  return false;
}

std::vector<std::string> Places::WholeCountries() const {
  std::set<std::string> whole;
  for (const std::string& entry : entries_) {
    if (const CountryGroup* group = FindCountryGroup(entry)) {
      whole.insert(group->countries.begin(), group->countries.end());
    } else {
      whole.insert(entry);
    }
  }
  return {whole.begin(), whole.end()};
}

std::vector<std::string> Places::PartRegions() const {
  const std::vector<std::string> whole = WholeCountries();
  std::set<std::string> regions;
  for (const std::string& entry : entries_) {
    const CountryGroup* group = FindCountryGroup(entry);
    if (group == nullptr) continue;
    for (absl::string_view region : group->regions) {
      if (!std::binary_search(whole.begin(), whole.end(), CountryOfNuts(region))) {
        regions.insert(std::string(region));
      }
    }
  }
  return {regions.begin(), regions.end()};
}

std::vector<std::string> Places::Countries() const {
  std::set<std::string> countries;
  for (const std::string& country : WholeCountries()) countries.insert(country);
  for (const std::string& region : PartRegions()) countries.insert(CountryOfNuts(region));
  return {countries.begin(), countries.end()};
}

std::vector<std::string> Places::MeetingEntries() const {
  const std::vector<std::string> countries = Countries();
  std::set<std::string> entries(countries.begin(), countries.end());
  for (const CountryGroup& group : CountryGroups()) {
    const std::vector<std::string> covered =
        Places(std::vector<std::string>{std::string(group.code)}).Countries();
    for (const std::string& country : covered) {
      if (std::binary_search(countries.begin(), countries.end(), country)) {
        entries.insert(std::string(group.code));
        break;
      }
    }
  }
  return {entries.begin(), entries.end()};
}

std::vector<std::string> Places::SqlPatterns() const {
  std::vector<std::string> patterns = WholeCountries();
  for (const std::string& region : PartRegions()) patterns.push_back(region + "%");
  return patterns;
}

}  // namespace coopnet::geo
