// Who may apply to a call, judged as pure functions: for each criterion the call sets,
// whether an organisation (leading a consortium) or an application meets it and why, in
// English; and the calls an organisation could apply to, ranked for MatchCalls.
//
//   Consortium consortium{.lead = profile, .partners = partner_profiles};
//   std::vector<Reason> reasons = JudgeConsortium(call.eligibility(), consortium);
//   RankedCall ranked = JudgeCall(call, consortium, themes, absl::Now());
//
// Criteria: lead_country, lead_region, lead_kind (what the lead itself is),
// partner_countries, partner_kinds, consortium_size, consortium_countries (what the
// consortium is), themes and languages, and for an application also amount and
// co_financing. A criterion the call leaves open is not judged.
#ifndef COOPNET_SERVICES_FUNDING_ELIGIBILITY_H_
#define COOPNET_SERVICES_FUNDING_ELIGIBILITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/funding/v1/funding.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::funding {

using organisations::v1::Organisation;
using v1::Reason;

// The organisations applying together, as their profiles say. ASSOCIATED partners are
// left out: no criterion counts them.
struct Consortium {
  Organisation lead;
  std::vector<Organisation> partners = {};
};

// The reasons about the lead and the consortium, one per criterion `eligibility` sets.
std::vector<Reason> JudgeConsortium(const v1::Eligibility& eligibility,
                                    const Consortium& consortium);

// Whether the lead's own country, region and kind are among the call's (nothing a
// partner could change).
bool CanLead(const v1::Eligibility& eligibility, const Organisation& lead);

// Every reason about `application` to `call`, by `consortium` (its profiles): the
// consortium's, its language, and its amounts against the call's grants and
// co-financing rate.
std::vector<Reason> JudgeApplication(const v1::Call& call, const v1::Application& application,
                                     const Consortium& consortium);

// True when every reason is met.
bool AllMet(const std::vector<Reason>& reasons);

// Where a call ranks in MatchCalls: fewer unmet criteria first, then more shared
// themes, then OPEN before FORTHCOMING, then the nearest deadline, then the name.
struct MatchRank {
  int unmet = 0;
  int shared_themes = 0;
  // 0 for OPEN, 1 for FORTHCOMING.
  int state_order = 0;
  int64_t deadline_micros = 0;
  std::string name;
};

bool RanksBefore(const MatchRank& a, const MatchRank& b);

struct RankedCall {
  v1::CallMatch match;
  MatchRank rank;
};

// Where `call` ranks for `consortium` wanting `themes`: JudgeCall's rank without
// writing the reasons (what ranking every candidate needs; the page is judged in full).
MatchRank RankCall(const v1::Call& call, const Consortium& consortium,
                   const std::vector<std::string>& themes, absl::Time now);

// How `call` fits `consortium` wanting `themes` (the lead's own themes when empty), at
// `now` (the call's state). The call is not copied into the match: the caller adds it
// for the calls it returns.
RankedCall JudgeCall(const v1::Call& call, const Consortium& consortium,
                     const std::vector<std::string>& themes, absl::Time now);

// The page-token key of the page ending at `rank`, and back; INVALID_ARGUMENT naming
// page_token for a key this service did not make.
std::string MatchPageKey(const MatchRank& rank);
absl::StatusOr<MatchRank> ParseMatchPageKey(absl::string_view key);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_ELIGIBILITY_H_
