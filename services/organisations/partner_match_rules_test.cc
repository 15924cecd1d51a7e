#include "services/organisations/partner_match_rules.h"

#include <gtest/gtest.h>

#include <set>

#include "google/protobuf/text_format.h"

namespace coopnet::organisations {
namespace {

using v1::MatchReason;
using v1::Organisation;
using v1::PartnerRequest;

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// A Polish NGO, new to international work, looking for Baltic partners on youth and
// green transition.
PartnerRequest BalticRequest() {
  return Parse<PartnerRequest>(R"pb(
    title {
      translations { key: "en" value: "Baltic youth partners" }
      default_language: "en"
    }
    themes: [ "youth", "green-transition" ]
    countries: [ "LT", "SE" ]
    kinds: [ NGO, MUNICIPALITY ]
  )pb");
}

Organisation Requester() {
  return Parse<Organisation>(R"pb(
    name: "organisations/requester"
    country: "PL"
    kind: NGO
    working_languages: [ "pl", "en-GB" ]
    international_experience: NEWCOMER
  )pb");
}

// A candidate that meets every criterion of BalticRequest for Requester.
Organisation Perfect() {
  return Parse<Organisation>(R"pb(
    name: "organisations/perfect"
    country: "SE"
    kind: MUNICIPALITY
    themes: [ "green-transition", "youth", "culture" ]
    working_languages: [ "sv", "en" ]
    international_experience: EXPERIENCED
    looking_for_partners: true
  )pb");
}

const MatchReason* ReasonFor(const ScoredMatch& scored, const std::string& criterion) {
  for (const MatchReason& reason : scored.match.reasons()) {
    if (reason.criterion() == criterion) return &reason;
  }
  return nullptr;
}

std::vector<std::string> Criteria(const ScoredMatch& scored) {
  std::vector<std::string> criteria;
  for (const MatchReason& reason : scored.match.reasons()) criteria.push_back(reason.criterion());
  return criteria;
}

TEST(ScoreMatch, ACandidateMeetingEveryCriterionScoresOne) {
  ScoredMatch scored = ScoreMatch(BalticRequest(), Requester(), Perfect());
  EXPECT_EQ(scored.score_micros, 1000000);
  EXPECT_DOUBLE_EQ(scored.match.score(), 1.0);
  EXPECT_EQ(Criteria(scored),
            (std::vector<std::string>{"themes", "countries", "kinds", "looking_for_partners",
                                      "experience", "languages"}));
  for (const MatchReason& reason : scored.match.reasons()) {
    EXPECT_TRUE(reason.met()) << reason.criterion() << ": " << reason.explanation();
  }
  EXPECT_EQ(scored.match.organisation().name(), "organisations/perfect");
}

TEST(ScoreMatch, ARequestForTheBalticSeaRegionNamesTheGroupACandidateIsIn) {
  PartnerRequest request = BalticRequest();
  request.clear_countries();
  request.add_countries("INTERREG_BSR");
  request.add_countries("EEA");
  Organisation candidate = Perfect();
  candidate.set_country("DE");
  candidate.set_nuts_region("DE80");  // Mecklenburg-Vorpommern
  ScoredMatch scored = ScoreMatch(request, Requester(), candidate);
  EXPECT_EQ(ReasonFor(scored, "countries")->explanation(),
            "is in DE, which the request wants (INTERREG_BSR)");
  candidate.set_country("CH");
  candidate.set_nuts_region("CH040");
  scored = ScoreMatch(request, Requester(), candidate);
  EXPECT_FALSE(ReasonFor(scored, "countries")->met());
  EXPECT_EQ(ReasonFor(scored, "countries")->explanation(),
            "is in CH, the request wants INTERREG_BSR or EEA");
}

TEST(ScoreMatch, ExplainsEachCriterionInEnglish) {
  Organisation candidate = Perfect();
  candidate.set_country("DE");
  candidate.set_kind(Organisation::FOUNDATION);
  candidate.clear_themes();
  candidate.add_themes("youth");
  candidate.set_looking_for_partners(false);
  candidate.clear_working_languages();
  candidate.add_working_languages("de");
  ScoredMatch scored = ScoreMatch(BalticRequest(), Requester(), candidate);
  EXPECT_EQ(ReasonFor(scored, "themes")->explanation(), "works on youth (1 of 2 wanted themes)");
  EXPECT_TRUE(ReasonFor(scored, "themes")->met());
  EXPECT_EQ(ReasonFor(scored, "countries")->explanation(), "is in DE, the request wants LT or SE");
  EXPECT_FALSE(ReasonFor(scored, "countries")->met());
  EXPECT_EQ(ReasonFor(scored, "kinds")->explanation(),
            "is a foundation, the request wants an NGO or a municipality");
  EXPECT_EQ(ReasonFor(scored, "looking_for_partners")->explanation(),
            "is not looking for partners at the moment");
  EXPECT_EQ(ReasonFor(scored, "languages")->explanation(),
            "shares no working language with the requester (pl or en-GB)");
  EXPECT_FALSE(ReasonFor(scored, "languages")->met());
  EXPECT_GT(scored.match.score(), 0);
  EXPECT_LT(scored.match.score(), 0.5);
}

TEST(ScoreMatch, ANewcomerGainsMostFromAnExperiencedPartner) {
  auto score_with = [](Organisation::Experience experience) {
    Organisation candidate = Perfect();
    candidate.set_international_experience(experience);
    return ScoreMatch(BalticRequest(), Requester(), candidate);
  };
  ScoredMatch experienced = score_with(Organisation::EXPERIENCED);
  ScoredMatch some = score_with(Organisation::SOME);
  ScoredMatch newcomer = score_with(Organisation::NEWCOMER);
  EXPECT_GT(experienced.score_micros, some.score_micros);
  EXPECT_GT(some.score_micros, newcomer.score_micros);
  EXPECT_TRUE(ReasonFor(experienced, "experience")->met());
  EXPECT_FALSE(ReasonFor(some, "experience")->met());
  EXPECT_EQ(ReasonFor(newcomer, "experience")->explanation(),
            "is new to international cooperation, like the requester");
}

TEST(ScoreMatch, AnExperiencedRequesterIsServedByAnyExperiencedPartner) {
  Organisation requester = Requester();
  requester.set_international_experience(Organisation::EXPERIENCED);
  Organisation candidate = Perfect();
  candidate.set_international_experience(Organisation::SOME);
  EXPECT_TRUE(ReasonFor(ScoreMatch(BalticRequest(), requester, candidate), "experience")->met());
}

TEST(ScoreMatch, MoreSharedThemesScoreHigher) {
  Organisation one = Perfect();
  one.clear_themes();
  one.add_themes("youth");
  Organisation none = Perfect();
  none.clear_themes();
  none.add_themes("culture");
  const ScoredMatch all = ScoreMatch(BalticRequest(), Requester(), Perfect());
  const ScoredMatch half = ScoreMatch(BalticRequest(), Requester(), one);
  const ScoredMatch zero = ScoreMatch(BalticRequest(), Requester(), none);
  EXPECT_GT(all.score_micros, half.score_micros);
  EXPECT_GT(half.score_micros, zero.score_micros);
  EXPECT_EQ(ReasonFor(zero, "themes")->explanation(),
            "works on none of the wanted themes (youth or green-transition)");
}

TEST(ScoreMatch, LanguagesAreSharedByTheirPrimarySubtag) {
  ScoredMatch scored = ScoreMatch(BalticRequest(), Requester(), Perfect());
  EXPECT_EQ(ReasonFor(scored, "languages")->explanation(), "works in en, as the requester does");
}

TEST(ScoreMatch, CriteriaTheRequestLeavesOpenAreNotJudged) {
  PartnerRequest open = BalticRequest();
  open.clear_themes();
  open.clear_countries();
  open.clear_kinds();
  Organisation requester = Requester();
  requester.clear_working_languages();
  ScoredMatch scored = ScoreMatch(open, requester, Perfect());
  EXPECT_EQ(Criteria(scored), (std::vector<std::string>{"looking_for_partners", "experience"}));
  EXPECT_EQ(scored.score_micros, 1000000);
}

std::vector<Organisation> Candidates() {
  std::vector<Organisation> candidates;
  for (int i = 0; i < 12; ++i) {
    Organisation candidate = Perfect();
    candidate.set_name("organisations/c" + std::to_string(100 + i));
    // Three levels of fit, four candidates each, so that ties must be broken.
    if (i % 3 == 1) candidate.set_looking_for_partners(false);
    if (i % 3 == 2) candidate.set_international_experience(Organisation::NEWCOMER);
    candidates.push_back(candidate);
  }
  return candidates;
}

TEST(RankMatches, BestFirstAndEqualScoresInNameOrder) {
  const std::vector<ScoredMatch> ranked = RankMatches(BalticRequest(), Requester(), Candidates());
  ASSERT_EQ(ranked.size(), 12u);
  for (size_t i = 1; i < ranked.size(); ++i) {
    const ScoredMatch& a = ranked[i - 1];
    const ScoredMatch& b = ranked[i];
    EXPECT_TRUE(a.score_micros > b.score_micros ||
                (a.score_micros == b.score_micros &&
                 a.match.organisation().name() < b.match.organisation().name()))
        << i;
  }
  EXPECT_EQ(ranked.front().match.organisation().name(), "organisations/c100");
}

TEST(FirstAfter, PagesThroughTheRankingGivingEveryMatchOnce) {
  const std::vector<ScoredMatch> ranked = RankMatches(BalticRequest(), Requester(), Candidates());
  std::vector<std::string> seen;
  size_t first = 0;
  while (first < ranked.size()) {
    const size_t end = std::min(ranked.size(), first + 5);
    for (size_t i = first; i < end; ++i) seen.push_back(ranked[i].match.organisation().name());
    if (end == ranked.size()) break;
    auto position = ParseMatchPageKey(MatchPageKey(ranked[end - 1]));
    ASSERT_TRUE(position.ok()) << position.status();
    first = FirstAfter(ranked, *position);
  }
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 12u);
}

TEST(ParseMatchPageKey, RefusesKeysThisServiceDidNotMake) {
  for (const char* key : {"", "x", "12", "abc/organisations/x", "12/"}) {
    EXPECT_EQ(ParseMatchPageKey(key).status().code(), absl::StatusCode::kInvalidArgument) << key;
  }
}

}  // namespace
}  // namespace coopnet::organisations
