#include "services/organisations/partner_match_rules.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/geo/country_groups.h"
#include "common/status/status.h"
#include "common/wording/wording.h"

namespace coopnet::organisations {
namespace {

using v1::MatchReason;
using v1::Organisation;
using v1::PartnerRequest;

// The language of a BCP 47 tag, lower case: `en-GB` and `en` share English.
std::string PrimaryLanguage(absl::string_view tag) {
  return absl::AsciiStrToLower(std::vector<absl::string_view>(absl::StrSplit(tag, '-'))[0]);
}

struct Judged {
  MatchReason reason;
  double weight = 0;
  double value = 0;  // 0 to 1
};

Judged Reason(absl::string_view criterion, double weight, double value, bool met,
              std::string explanation) {
  Judged judged;
  judged.reason.set_criterion(std::string(criterion));
  judged.reason.set_met(met);
  judged.reason.set_explanation(std::move(explanation));
  judged.weight = weight;
  judged.value = value;
  return judged;
}

Judged JudgeThemes(const PartnerRequest& request, const Organisation& candidate) {
  const std::set<std::string> has(candidate.themes().begin(), candidate.themes().end());
  std::vector<std::string> shared;
  std::vector<std::string> wanted(request.themes().begin(), request.themes().end());
  for (const std::string& theme : wanted) {
    if (has.count(theme) > 0) shared.push_back(theme);
  }
  const double value = static_cast<double>(shared.size()) / wanted.size();
  if (shared.empty()) {
    return Reason(
        "themes", kMatchWeights.themes, 0, false,
        absl::StrCat("works on none of the wanted themes (", wording::ListOf(wanted, "or"), ")"));
  }
  std::string explanation = absl::StrCat("works on ", wording::ListOf(shared, "and"));
  if (shared.size() < wanted.size()) {
    absl::StrAppend(&explanation, " (", shared.size(), " of ", wanted.size(), " wanted themes)");
  }
  return Reason("themes", kMatchWeights.themes, value, true, std::move(explanation));
}

Judged JudgeCountries(const PartnerRequest& request, const Organisation& candidate) {
  const std::optional<absl::string_view> entry =
      geo::FirstHolding(request.countries(), candidate.country(), candidate.nuts_region());
  if (entry) {
    return Reason(
        "countries", kMatchWeights.countries, 1, true,
        absl::StrCat("is in ", candidate.country(), ", which the request wants",
                     *entry == candidate.country() ? "" : absl::StrCat(" (", *entry, ")")));
  }
  const std::vector<std::string> wanted(request.countries().begin(), request.countries().end());
  return Reason("countries", kMatchWeights.countries, 0, false,
                absl::StrCat("is in ", candidate.country(), ", the request wants ",
                             wording::ListOf(wanted, "or")));
}

Judged JudgeKinds(const PartnerRequest& request, const Organisation& candidate) {
  std::vector<std::string> wanted;
  bool met = false;
  for (int kind : request.kinds()) {
    wanted.push_back(wording::KindPhrase(kind));
    met = met || kind == candidate.kind();
  }
  if (met) {
    return Reason(
        "kinds", kMatchWeights.kinds, 1, true,
        absl::StrCat("is ", wording::KindPhrase(candidate.kind()), ", which the request wants"));
  }
  return Reason("kinds", kMatchWeights.kinds, 0, false,
                absl::StrCat("is ", wording::KindPhrase(candidate.kind()), ", the request wants ",
                             wording::ListOf(wanted, "or")));
}

Judged JudgeLooking(const Organisation& candidate) {
  if (candidate.looking_for_partners()) {
    return Reason("looking_for_partners", kMatchWeights.looking_for_partners, 1, true,
                  "is looking for partners now");
  }
  return Reason("looking_for_partners", kMatchWeights.looking_for_partners, 0, false,
                "is not looking for partners at the moment");
}

Judged JudgeExperience(const Organisation& requester, const Organisation& candidate) {
  const double w = kMatchWeights.experience;
  const Organisation::Experience has = candidate.international_experience();
  if (requester.international_experience() == Organisation::NEWCOMER) {
    switch (has) {
      case Organisation::EXPERIENCED:
        return Reason("experience", w, 1, true,
                      "has long international experience, which helps a newcomer like the "
                      "requester");
      case Organisation::SOME:
        return Reason("experience", w, 0.5, false,
                      "has some international experience; a newcomer gains most from an "
                      "experienced partner");
      case Organisation::NEWCOMER:
        return Reason("experience", w, 0, false,
                      "is new to international cooperation, like the requester");
      default:
        return Reason("experience", w, 0, false,
                      "has not said how much international experience it has");
    }
  }
  switch (has) {
    case Organisation::EXPERIENCED:
      return Reason("experience", w, 1, true, "has long international experience");
    case Organisation::SOME:
      return Reason("experience", w, 0.75, true, "has some international experience");
    case Organisation::NEWCOMER:
      return Reason("experience", w, 0.5, false, "is new to international cooperation");
    default:
      return Reason("experience", w, 0.25, false,
                    "has not said how much international experience it has");
  }
}

Judged JudgeLanguages(const Organisation& requester, const Organisation& candidate) {
  std::set<std::string> requester_languages;
  for (const std::string& tag : requester.working_languages()) {
    requester_languages.insert(PrimaryLanguage(tag));
  }
  std::vector<std::string> shared;
  for (const std::string& tag : candidate.working_languages()) {
    if (requester_languages.count(PrimaryLanguage(tag)) > 0) shared.push_back(tag);
  }
  if (shared.empty()) {
    std::vector<std::string> theirs(requester.working_languages().begin(),
                                    requester.working_languages().end());
    return Reason("languages", kMatchWeights.languages, 0, false,
                  absl::StrCat("shares no working language with the requester (",
                               wording::ListOf(theirs, "or"), ")"));
  }
  return Reason(
      "languages", kMatchWeights.languages, 1, true,
      absl::StrCat("works in ", wording::ListOf(shared, "and"), ", as the requester does"));
}

}  // namespace

ScoredMatch ScoreMatch(const PartnerRequest& request, const Organisation& requester,
                       const Organisation& candidate) {
  std::vector<Judged> judged;
  if (request.themes_size() > 0) judged.push_back(JudgeThemes(request, candidate));
  if (request.countries_size() > 0) judged.push_back(JudgeCountries(request, candidate));
  if (request.kinds_size() > 0) judged.push_back(JudgeKinds(request, candidate));
  judged.push_back(JudgeLooking(candidate));
  judged.push_back(JudgeExperience(requester, candidate));
  if (requester.working_languages_size() > 0) {
    judged.push_back(JudgeLanguages(requester, candidate));
  }

  double weighted = 0, weights = 0;
  ScoredMatch scored;
  for (Judged& j : judged) {
    weighted += j.weight * j.value;
    weights += j.weight;
    *scored.match.add_reasons() = std::move(j.reason);
  }
  scored.score_micros = std::llround(weighted / weights * 1e6);
  scored.match.set_score(static_cast<double>(scored.score_micros) / 1e6);
  *scored.match.mutable_organisation() = candidate;
  return scored;
}

std::vector<ScoredMatch> RankMatches(const PartnerRequest& request, const Organisation& requester,
                                     const std::vector<Organisation>& candidates) {
  std::vector<ScoredMatch> ranked;
  ranked.reserve(candidates.size());
  for (const Organisation& candidate : candidates) {
    ranked.push_back(ScoreMatch(request, requester, candidate));
  }
  std::sort(ranked.begin(), ranked.end(), [](const ScoredMatch& a, const ScoredMatch& b) {
    if (a.score_micros != b.score_micros) return a.score_micros > b.score_micros;
    return a.match.organisation().name() < b.match.organisation().name();
  });
  return ranked;
}

std::string MatchPageKey(const ScoredMatch& last) {
  return absl::StrCat(last.score_micros, "/", last.match.organisation().name());
}

absl::StatusOr<MatchPosition> ParseMatchPageKey(absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  MatchPosition position;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &position.score_micros) ||
      parts[1].empty()) {
    return status::InvalidField("page_token", "is not a token this service made");
  }
  position.organisation = std::string(parts[1]);
  return position;
}

size_t FirstAfter(const std::vector<ScoredMatch>& ranked, const MatchPosition& position) {
  auto after = std::find_if(ranked.begin(), ranked.end(), [&](const ScoredMatch& m) {
    return m.score_micros < position.score_micros ||
           (m.score_micros == position.score_micros &&
            m.match.organisation().name() > position.organisation);
  });
  return static_cast<size_t>(after - ranked.begin());
}

}  // namespace coopnet::organisations
