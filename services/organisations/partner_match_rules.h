// How well an organisation fits a partner request, as pure functions: a score from 0 to 1
// and, for each criterion, whether it is met and why, in English; then every candidate
// ranked, and pages of the ranking.
//
//   std::vector<ScoredMatch> ranked = RankMatches(request, requester, candidates);
//   size_t first = after ? FirstAfter(ranked, *after) : 0;
//
// The criteria and their weights (kMatchWeights): the themes the request wants (the share
// of them the candidate works on), its countries and kinds, whether the candidate is
// looking for partners, its international experience (a NEWCOMER requester gains most
// from an EXPERIENCED partner), and the working languages it shares with the requester.
// A criterion the request (or requester) leaves open is not judged: the score is the
// weighted mean of the criteria judged.
#ifndef COOPNET_SERVICES_ORGANISATIONS_PARTNER_MATCH_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_PARTNER_MATCH_RULES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coopnet/organisations/v1/partner_requests.pb.h"

namespace coopnet::organisations {

struct MatchWeights {
  double themes = 0.35;
  double countries = 0.15;
  double kinds = 0.15;
  double looking_for_partners = 0.15;
  double experience = 0.10;
  double languages = 0.10;
};
inline constexpr MatchWeights kMatchWeights;

// One candidate judged: `match` holds the organisation, the score and one reason per
// criterion judged, in the order of MatchWeights.
struct ScoredMatch {
  v1::PartnerMatch match;
  // The score in millionths, which ranking and page tokens compare, so that equal scores
  // are equal; match.score is this divided by a million.
  int64_t score_micros = 0;
};

// How `candidate` fits `request` of `requester`.
ScoredMatch ScoreMatch(const v1::PartnerRequest& request, const v1::Organisation& requester,
                       const v1::Organisation& candidate);

// Every candidate scored, best first; equal scores in creation (name) order.
std::vector<ScoredMatch> RankMatches(const v1::PartnerRequest& request,
                                     const v1::Organisation& requester,
                                     const std::vector<v1::Organisation>& candidates);

// Where a page of matches ended: the last match's score and organisation name.
struct MatchPosition {
  int64_t score_micros = 0;
  std::string organisation;
};

// The page-token key of the page ending at `last` and back; INVALID_ARGUMENT naming
// page_token for a key this service did not make.
std::string MatchPageKey(const ScoredMatch& last);
absl::StatusOr<MatchPosition> ParseMatchPageKey(absl::string_view key);

// The index in `ranked` (from RankMatches) of the first match after `position`.
size_t FirstAfter(const std::vector<ScoredMatch>& ranked, const MatchPosition& position);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_PARTNER_MATCH_RULES_H_
