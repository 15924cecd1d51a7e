#include "services/organisations/search_rules.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/resource/resource.h"
#include "common/status/status.h"

namespace coopnet::organisations {
namespace {

using v1::Organisation;

WordMatch Match(int position, std::string query_word, std::string word, double similarity) {
  return WordMatch{position, std::move(query_word), std::move(word), similarity};
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

TEST(TierOf, TheQueryWordItselfIsExact) {
  EXPECT_EQ(TierOf(Match(1, "orebro", "orebro", 1)), MatchTier::kExact);
}

TEST(TierOf, OneTypoIsCloseAndTwoAreFar) {
  // pg_trgm similarities of `hordalnd` and `wspulprca` with the words they misspell.
  EXPECT_EQ(TierOf(Match(1, "hordalnd", "hordaland", 0.58)), MatchTier::kClose);
  EXPECT_EQ(TierOf(Match(1, "wspulprca", "wspolpraca", 0.31)), MatchTier::kFar);
}

TEST(TierOf, AWordTheQueryBeginsIsCloseOnceTheQueryHasFourLetters) {
  EXPECT_EQ(TierOf(Match(1, "inter", "internationell", 0.29)), MatchTier::kClose);
  EXPECT_EQ(TierOf(Match(1, "int", "internationell", 0.3)), MatchTier::kFar);
}

TEST(TierOf, PrefixLengthCountsLettersNotBytes) {
  // Four Greek letters are eight bytes but still only four letters.
  EXPECT_EQ(TierOf(Match(1, "αθην", "αθηνα", 0.4)), MatchTier::kClose);
  EXPECT_EQ(TierOf(Match(1, "αθη", "αθηνα", 0.4)), MatchTier::kFar);
}

TEST(TierWords, SortsEveryMatchUnderItsQueryWordAndTier) {
  auto words = TierWords({Match(1, "kultur", "kultur", 1), Match(1, "kultur", "kultura", 0.6),
                          Match(1, "kultur", "culture", 0.41), Match(2, "youht", "youth", 0.33)},
                         2);
  ASSERT_TRUE(words.has_value());
  ASSERT_EQ(words->size(), 2u);
  EXPECT_EQ((*words)[0].exact, std::vector<std::string>{"kultur"});
  EXPECT_EQ((*words)[0].close, std::vector<std::string>{"kultura"});
  EXPECT_EQ((*words)[0].far, std::vector<std::string>{"culture"});
  EXPECT_TRUE((*words)[1].exact.empty());
  EXPECT_EQ((*words)[1].far, std::vector<std::string>{"youth"});
}

TEST(TierWords, AQueryWordThatMatchesNothingMatchesNoRow) {
  EXPECT_FALSE(
      TierWords({Match(1, "orebro", "orebro", 1), Match(2, "zzqx", "", 0)}, 2).has_value());
}

TEST(Relevance, ExactOutranksCloseOutranksFarAndTheNameOutranksTheRest) {
  EXPECT_GT(kRelevance.exact_in_name, kRelevance.close_in_name);
  EXPECT_GT(kRelevance.close_in_name, kRelevance.exact);
  EXPECT_GT(kRelevance.exact, kRelevance.close);
  EXPECT_GT(kRelevance.close, kRelevance.far_in_name);
  EXPECT_GT(kRelevance.far_in_name, kRelevance.far);
  EXPECT_GT(kRelevance.far, 0);
}

TEST(SearchPageKey, RoundTripsWithAndWithoutRelevance) {
  const std::string id = resource::NewId();
  auto ranked = ParseSearchPageKey(SearchPageKey({"0.850000", id}));
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  EXPECT_EQ(ranked->relevance, "0.850000");
  EXPECT_EQ(ranked->id, id);
  auto newest = ParseSearchPageKey(SearchPageKey({"", id}));
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(newest->relevance, "");
  EXPECT_EQ(newest->id, id);
}

TEST(SearchPageKey, RefusesKeysThisServiceDidNotMake) {
  const std::string id = resource::NewId();
  for (const std::string& key : {std::string("x"), "1/" + id, "0.5e3/" + id, ".5/" + id,
                                 "0.5;DROP/" + id, std::string("0.500000/not-an-id")}) {
    absl::Status s = ParseSearchPageKey(key).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"page_token"}) << key;
  }
}

TEST(ValidateSearch, NamesEveryBadFilter) {
  v1::SearchOrganisationsRequest request;
  request.set_query(std::string(kMaxQueryChars + 1, 'a'));
  request.add_countries("PL");
  request.add_countries("pl");
  request.set_nuts_prefix("XX9");
  request.add_kinds(Organisation::KIND_UNSPECIFIED);
  request.add_themes("Green Transition");
  request.add_sdgs(18);
  request.add_working_languages("english");
  request.add_experience(Organisation::EXPERIENCE_UNSPECIFIED);
  request.set_network("organisations/x");
  absl::Status s = ValidateSearch(request).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(s), (std::vector<std::string>{
                             "query", "countries[1]", "nuts_prefix", "kinds[0]", "themes[0]",
                             "sdgs[0]", "working_languages[0]", "experience[0]", "network"}));
}

TEST(ValidateSearch, KeepsGoodFiltersAndTheNetworkId) {
  const std::string network = resource::NewId();
  v1::SearchOrganisationsRequest request;
  request.set_query("Örebro");
  request.add_countries("SE");
  request.set_nuts_prefix("SE1");
  request.add_kinds(Organisation::REGIONAL_AUTHORITY);
  request.set_looking_for_partners(false);
  request.set_network("networks/" + network);
  auto filters = ValidateSearch(request);
  ASSERT_TRUE(filters.ok()) << filters.status();
  EXPECT_EQ(filters->countries, std::vector<std::string>{"SE"});
  EXPECT_EQ(filters->nuts_prefix, "SE1");
  EXPECT_EQ(filters->looking_for_partners, std::optional<bool>(false));
  EXPECT_EQ(filters->network_id, network);
  EXPECT_FALSE(filters->verified_only);
}

TEST(ValidateSearch, KeepsTheVerifiedOnlyFilter) {
  v1::SearchOrganisationsRequest request;
  request.set_verified_only(true);
  auto filters = ValidateSearch(request);
  ASSERT_TRUE(filters.ok()) << filters.status();
  EXPECT_TRUE(filters->verified_only);
  // Claims are rows of their own: no term stands for them.
  for (const auto& group : FilterTerms(*filters)) EXPECT_TRUE(group.empty());
}

TEST(FilterTerms, OneGroupPerFilterInTheTermsStoredRowsHold) {
  SearchFilters filters;
  filters.countries = {"PL", "LT"};
  filters.nuts_prefix = "PL6";
  filters.kinds = {Organisation::NGO};
  filters.themes = {"youth"};
  filters.sdgs = {4, 10};
  filters.working_languages = {"en-GB"};
  filters.experience = {Organisation::EXPERIENCED};
  filters.looking_for_partners = true;
  const auto groups = FilterTerms(filters);
  ASSERT_EQ(groups.size(), static_cast<size_t>(kFilterGroups));
  EXPECT_EQ(groups[0], (std::vector<std::string>{"c:LT", "c:PL"}));
  EXPECT_EQ(groups[1], std::vector<std::string>{"n:PL6"});
  EXPECT_EQ(groups[2], std::vector<std::string>{"k:NGO"});
  EXPECT_EQ(groups[3], std::vector<std::string>{"t:youth"});
  EXPECT_EQ(groups[4], (std::vector<std::string>{"s:4", "s:10"}));
  EXPECT_EQ(groups[5], std::vector<std::string>{"l:en-gb"});
  EXPECT_EQ(groups[6], std::vector<std::string>{"e:EXPERIENCED"});
  EXPECT_EQ(groups[7], std::vector<std::string>{"p:true"});
}

TEST(FilterTerms, AbsentFiltersGiveEmptyGroups) {
  for (const auto& group : FilterTerms(SearchFilters())) EXPECT_TRUE(group.empty());
}

TEST(CountriesOf, TheSearchsCountriesOrElseItsNutsPrefixsCountry) {
  SearchFilters filters;
  EXPECT_TRUE(CountriesOf(filters).empty());
  filters.nuts_prefix = "EL30";
  EXPECT_EQ(CountriesOf(filters), std::vector<std::string>{"GR"});
  filters.nuts_prefix = "PL6";
  EXPECT_EQ(CountriesOf(filters), std::vector<std::string>{"PL"});
  filters.countries = {"SE", "NO"};
  EXPECT_EQ(CountriesOf(filters), (std::vector<std::string>{"NO", "SE"}));
  filters.countries = {"INTERREG_BSR", "IS"};
  EXPECT_EQ(CountriesOf(filters),
            (std::vector<std::string>{"DE", "DK", "EE", "FI", "IS", "LT", "LV", "NO", "PL", "SE"}));
}

TEST(FilterTerms, AGroupIsItsCountriesAndTheRegionsOfThoseItCoversInPart) {
  SearchFilters filters;
  filters.countries = {"INTERREG_BSR", "EEA"};
  EXPECT_EQ(FilterTerms(filters)[kCountryGroup].size(), 30u);  // the EEA holds all of them
  filters.countries = {"INTERREG_BSR"};
  EXPECT_EQ(FilterTerms(filters)[kCountryGroup],
            (std::vector<std::string>{"c:DK", "c:EE", "c:FI", "c:LT", "c:LV", "c:PL", "c:SE",
                                      "n:DE3", "n:DE4", "n:DE5", "n:DE6", "n:DE8", "n:DE93",
                                      "n:DEF", "n:NO02", "n:NO06", "n:NO08", "n:NO09", "n:NO0A"}));
  // With text the words say the country, and the regions still confine the partial ones.
  std::vector<WordTiers> words(1);
  words[0].exact = {"youth"};
  const MatchTerms terms = TermsToMatch(words, filters);
  EXPECT_EQ(terms.words[0].size(), 9u);
  EXPECT_EQ(terms.words[0][0], "DE:youth");
  EXPECT_EQ(terms.filters[kCountryGroup], FilterTerms(filters)[kCountryGroup]);
}

TEST(ValidateSearch, TakesCountryGroupsAndNamesTheGroupsWhenACodeIsNeither) {
  v1::SearchOrganisationsRequest request;
  request.add_countries("INTERREG_BSR");
  request.add_countries("EEA");
  ASSERT_TRUE(ValidateSearch(request).ok());
  request.add_countries("BALTIC");
  const absl::Status refused = ValidateSearch(request).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.message(),
                                "countries[2] must be an ISO 3166-1 alpha-2 "
                                "country code or a country group (EU27, EEA"))
      << refused.message();
}

TEST(TermsToMatch, WithinCountriesEveryWordIsLookedUpUnderEachCountry) {
  std::vector<WordTiers> words(2);
  words[0].exact = {"youth"};
  words[0].far = {"yout"};
  words[1].close = {"gdansk"};
  SearchFilters filters;
  filters.countries = {"PL", "LT"};
  filters.kinds = {Organisation::NGO};
  const MatchTerms terms = TermsToMatch(words, filters);
  EXPECT_EQ(terms.words[0],
            (std::vector<std::string>{"LT:youth", "LT:yout", "PL:youth", "PL:yout"}));
  EXPECT_EQ(terms.words[1], (std::vector<std::string>{"LT:gdansk", "PL:gdansk"}));
  // The words say the country; the other filters stay.
  EXPECT_TRUE(terms.filters[kCountryGroup].empty());
  EXPECT_EQ(terms.filters[2], std::vector<std::string>{"k:NGO"});
}

TEST(TermsToMatch, WithoutCountriesWordsAreLookedUpBare) {
  std::vector<WordTiers> words(1);
  words[0].exact = {"youth"};
  words[0].close = {"youths"};
  const MatchTerms terms = TermsToMatch(words, SearchFilters());
  EXPECT_EQ(terms.words, WordGroups(words));
  EXPECT_EQ(terms.words[0], (std::vector<std::string>{"youth", "youths"}));
}

}  // namespace
}  // namespace coopnet::organisations
