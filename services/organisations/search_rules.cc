#include "services/organisations/search_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/geo/country_groups.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "services/organisations/organisation_rules.h"

namespace coopnet::organisations {
namespace {

// Every country of Europe, with room to spare.
constexpr int kMaxCountries = 60;

bool IsDecimal(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return false;
  for (absl::string_view part : parts) {
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

absl::Status NotOurToken() {
  return status::InvalidField("page_token", "is not a token this service made");
}

}  // namespace

MatchTier TierOf(const WordMatch& match) {
  if (match.word == match.query_word) return MatchTier::kExact;
  const size_t letters = validate::Utf8Length(match.query_word).value_or(0);
  if (match.similarity >= kCloseSimilarity ||
      (letters >= kMinPrefixLength && absl::StartsWith(match.word, match.query_word))) {
    return MatchTier::kClose;
  }
  return MatchTier::kFar;
}

std::optional<std::vector<WordTiers>> TierWords(const std::vector<WordMatch>& matches,
                                                int query_words) {
  std::vector<WordTiers> words(query_words);
  std::vector<bool> matched(query_words, false);
  for (const WordMatch& match : matches) {
    if (match.position < 1 || match.position > query_words || match.word.empty()) continue;
    WordTiers& tiers = words[match.position - 1];
    switch (TierOf(match)) {
      case MatchTier::kExact:
        tiers.exact.push_back(match.word);
        break;
      case MatchTier::kClose:
        tiers.close.push_back(match.word);
        break;
      case MatchTier::kFar:
        tiers.far.push_back(match.word);
        break;
    }
    matched[match.position - 1] = true;
  }
  for (bool m : matched) {
    if (!m) return std::nullopt;
  }
  return words;
}

std::string SearchPageKey(const SearchPosition& position) {
  if (position.relevance.empty()) return position.id;
  return absl::StrCat(position.relevance, "/", position.id);
}

absl::StatusOr<SearchPosition> ParseSearchPageKey(absl::string_view key) {
  SearchPosition position;
  std::vector<absl::string_view> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  if (parts.size() == 2) {
    if (!IsDecimal(parts[0])) return NotOurToken();
    position.relevance = std::string(parts[0]);
  }
  if (!resource::IsId(parts.back())) return NotOurToken();
  position.id = std::string(parts.back());
  return position;
}

absl::StatusOr<SearchFilters> ValidateSearch(const v1::SearchOrganisationsRequest& request) {
  validate::Violations v;
  SearchFilters filters;
  v.Check(validate::Utf8Text("query", request.query(), 0, kMaxQueryChars));
  validate::CheckCount(v, request.countries(), "countries", kMaxCountries);
  for (int i = 0; i < request.countries_size(); ++i) {
    if (v.Check(geo::CheckPlace(absl::StrCat("countries[", i, "]"), request.countries(i)))) {
      filters.countries.push_back(request.countries(i));
    }
  }
  if (!request.nuts_prefix().empty() &&
      v.Check(validate::NutsPrefix("nuts_prefix", request.nuts_prefix()))) {
    filters.nuts_prefix = request.nuts_prefix();
  }
  for (int i = 0; i < request.kinds_size(); ++i) {
    const int kind = request.kinds(i);
    if (kind == Organisation::KIND_UNSPECIFIED || !Organisation::Kind_IsValid(kind)) {
      v.Add(absl::StrCat("kinds[", i, "]"), "must be a kind of organisation");
    } else {
      filters.kinds.push_back(static_cast<Organisation::Kind>(kind));
    }
  }
  validate::CheckThemes(v, request.themes(), "themes", kMaxListEntries);
  filters.themes.assign(request.themes().begin(), request.themes().end());
  for (int i = 0; i < request.sdgs_size(); ++i) {
    if (request.sdgs(i) < 1 || request.sdgs(i) > 17) {
      v.Add(absl::StrCat("sdgs[", i, "]"),
            absl::StrCat("must be a UN Sustainable Development Goal from 1 to 17, got ",
                         request.sdgs(i)));
    } else {
      filters.sdgs.push_back(request.sdgs(i));
    }
  }
  validate::CheckCount(v, request.working_languages(), "working_languages", kMaxListEntries);
  for (int i = 0; i < request.working_languages_size(); ++i) {
    const std::string& tag = request.working_languages(i);
    if (v.Check(validate::LanguageTag(absl::StrCat("working_languages[", i, "]"), tag))) {
      filters.working_languages.push_back(tag);
    }
  }
  for (int i = 0; i < request.experience_size(); ++i) {
    const int experience = request.experience(i);
    if (experience == Organisation::EXPERIENCE_UNSPECIFIED ||
        !Organisation::Experience_IsValid(experience)) {
      v.Add(absl::StrCat("experience[", i, "]"), "must be NEWCOMER, SOME or EXPERIENCED");
    } else {
      filters.experience.push_back(static_cast<Organisation::Experience>(experience));
    }
  }
  if (request.has_looking_for_partners()) {
    filters.looking_for_partners = request.looking_for_partners();
  }
  if (!request.network().empty()) {
    absl::StatusOr<std::string> network =
        resource::ParseName("network", request.network(), "networks");
    if (v.Check(network.status())) filters.network_id = *network;
  }
  filters.verified_only = request.verified_only();
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  return filters;
}

std::vector<std::vector<std::string>> FilterTerms(const SearchFilters& filters) {
  std::vector<std::vector<std::string>> groups(kFilterGroups);
  // A group's countries, and the regions of the countries it covers in part.
  const geo::Places places(filters.countries);
  for (const std::string& country : places.WholeCountries()) {
    groups[kCountryGroup].push_back("c:" + country);
  }
  for (const std::string& region : places.PartRegions()) {
    groups[kCountryGroup].push_back("n:" + region);
  }
  if (!filters.nuts_prefix.empty()) groups[1].push_back("n:" + filters.nuts_prefix);
  for (Organisation::Kind kind : filters.kinds) {
    groups[2].push_back("k:" + Organisation::Kind_Name(kind));
  }
  for (const std::string& theme : filters.themes) groups[3].push_back("t:" + theme);
  for (int sdg : filters.sdgs) groups[4].push_back(absl::StrCat("s:", sdg));
  // Stored rows hold each tag and its primary subtag in lower case, so `en` finds `en-GB`.
  for (const std::string& tag : filters.working_languages) {
    groups[5].push_back("l:" + absl::AsciiStrToLower(tag));
  }
  for (Organisation::Experience experience : filters.experience) {
    groups[6].push_back("e:" + Organisation::Experience_Name(experience));
  }
  if (filters.looking_for_partners) {
    groups[7].push_back(*filters.looking_for_partners ? "p:true" : "p:false");
  }
  return groups;
}

std::vector<std::string> CountriesOf(const SearchFilters& filters) {
  if (!filters.countries.empty()) return geo::Places(filters.countries).Countries();
  if (filters.nuts_prefix.size() < 2) return {};
  const std::string prefix = filters.nuts_prefix.substr(0, 2);
  // NUTS writes two countries otherwise than ISO 3166-1.
  if (prefix == "EL") return {"GR"};
  if (prefix == "UK") return {"GB"};
  return {prefix};
}

std::vector<std::vector<std::string>> WordGroups(const std::vector<WordTiers>& words) {
  std::vector<std::vector<std::string>> groups;
  for (const WordTiers& tiers : words) {
    std::vector<std::string>& group = groups.emplace_back();
    for (const auto* tier : {&tiers.exact, &tiers.close, &tiers.far}) {
      group.insert(group.end(), tier->begin(), tier->end());
    }
  }
  return groups;
}

MatchTerms TermsToMatch(const std::vector<WordTiers>& words, const SearchFilters& filters) {
  MatchTerms terms{WordGroups(words), FilterTerms(filters)};
  const std::vector<std::string> countries = CountriesOf(filters);
  if (countries.empty()) return terms;
  for (std::vector<std::string>& group : terms.words) {
    std::vector<std::string> qualified;
    for (const std::string& country : countries) {
      for (const std::string& word : group) qualified.push_back(absl::StrCat(country, ":", word));
    }
    group = std::move(qualified);
  }
  // The words now say the country, and the country filter is needed only for the
  // countries a group covers in part.
  if (geo::Places(filters.countries).PartRegions().empty()) terms.filters[kCountryGroup].clear();
  return terms;
}

}  // namespace coopnet::organisations
