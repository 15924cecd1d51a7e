// coopnet::geo — named groups of countries, usable wherever a list of countries is.
//
// "NGOs from other Baltic Sea region and EEA countries" names two groups, not a dozen
// countries and half of Germany and Norway.
// A country list in coopnet's API (partner search, partner requests, a call's
// eligibility, event filters) holds ISO 3166-1 alpha-2 codes and group codes alike:
//
//   ["INTERREG_BSR", "EEA_EFTA"]     the Baltic Sea region, Iceland, Liechtenstein, Norway
//   ["EU27", "CH"]                   the Union and Switzerland
//
// A group is whole countries plus, where a programme covers only part of a country (an
// Interreg area), that country's NUTS regions: an organisation is in the group when its
// country is, or its NUTS region begins with one of the group's regions. Lists keep the
// codes callers wrote, so a call open to "EEA" stays open to the EEA when the groups
// change; each change bumps kCountryGroupsVersion.
//
//   if (auto entry = geo::FirstHolding(call.eligibility().countries(), lead.country(),
//                                      lead.nuts_region())) ...                   // "EEA"
#ifndef COOPNET_COMMON_GEO_COUNTRY_GROUPS_H_
#define COOPNET_COMMON_GEO_COUNTRY_GROUPS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace coopnet::geo {

// The groups' version: the date of the sources they were checked against.
inline constexpr absl::string_view kCountryGroupsVersion = "2026-12";

struct CountryGroup {
  // Upper case, longer than a country code: `EEA`, `INTERREG_BSR`.
  absl::string_view code;
  // In English: `European Economic Area`.
  absl::string_view name;
  // What defines the group, for a reader who wants to check it.
  absl::string_view basis;
  // ISO 3166-1 alpha-2 codes of the countries wholly in the group.
  std::vector<absl::string_view> countries;
  // NUTS codes (of 2021) of the parts of other countries in the group.
  std::vector<absl::string_view> regions;
};

// Every group, in a fixed order (the Union and its neighbours, then programme areas).
const std::vector<CountryGroup>& CountryGroups();

// The group with this code, or nullptr.
const CountryGroup* FindCountryGroup(absl::string_view code);

// OK when `code` is an ISO 3166-1 alpha-2 country code or a group's code; otherwise
// INVALID_ARGUMENT naming `field` and the groups.
absl::Status CheckPlace(absl::string_view field, absl::string_view code);

// The ISO 3166-1 country a NUTS code is in (`EL` is Greece, `GR`; `UK` is `GB`).
std::string CountryOfNuts(absl::string_view nuts);

// True when `entry` (a country or a group's code) holds an organisation in `country` with
// NUTS region `nuts` (empty when not known).
bool EntryHolds(absl::string_view entry, absl::string_view country, absl::string_view nuts);

// The first of `entries` that holds it, without copying them (MatchCalls asks this of
// thousands of calls a question); nullopt when none does.
template <typename Container>
std::optional<absl::string_view> FirstHolding(const Container& entries, absl::string_view country,
                                              absl::string_view nuts) {
  for (const auto& entry : entries) {
    if (EntryHolds(entry, country, nuts)) return absl::string_view(entry);
  }
  return std::nullopt;
}

// A country list as written: countries and group codes (already checked).
class Places {
 public:
  Places() = default;
  template <typename Container>
  explicit Places(const Container& entries) : entries_(entries.begin(), entries.end()) {}

  bool empty() const { return entries_.empty(); }
  const std::vector<std::string>& entries() const { return entries_; }

  // True when an entry holds an organisation in `country` with NUTS region `nuts` (empty
  // when not known).
  bool Holds(absl::string_view country, absl::string_view nuts) const {
    return FirstHolding(entries_, country, nuts).has_value();
  }

  // Countries wholly in the places, sorted and distinct.
  std::vector<std::string> WholeCountries() const;
  // NUTS regions of the countries only partly in the places, sorted and distinct.
  std::vector<std::string> PartRegions() const;
  // Every country wholly or partly in the places, sorted and distinct.
  std::vector<std::string> Countries() const;
  // Countries() and the codes of every group sharing a country with the places: what a
  // stored list must hold one of to want some organisation in the places.
  std::vector<std::string> MeetingEntries() const;
  // WholeCountries() and PartRegions() each followed by `%`: an organisation is in the
  // places when its country equals one or its NUTS region is LIKE one.
  std::vector<std::string> SqlPatterns() const;

 private:
  std::vector<std::string> entries_;
};

}  // namespace coopnet::geo

#endif  // COOPNET_COMMON_GEO_COUNTRY_GROUPS_H_
