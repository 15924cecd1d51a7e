#include "services/funding/eligibility.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/geo/country_groups.h"
#include "common/status/status.h"
#include "common/wording/wording.h"
#include "services/funding/funding_rules.h"
#include "services/funding/money.h"

namespace coopnet::funding {
namespace {

using KindList = google::protobuf::RepeatedField<int>;
using StringList = google::protobuf::RepeatedPtrField<std::string>;

// The verdict on each criterion a call sets. Its explanation is written only when
// `explain`: ranking thousands of calls needs the unmet count, not the words.
class Verdicts {
 public:
  explicit Verdicts(bool explain) : explain_(explain) {}

  // `explanation` is a callable returning the std::string that says why.
  template <typename Explanation>
  void Add(absl::string_view criterion, bool met, Explanation explanation) {
    if (!met) ++unmet_;
    if (!explain_) return;
    Reason& r = reasons_.emplace_back();
    r.set_criterion(std::string(criterion));
    r.set_met(met);
    r.set_explanation(explanation());
  }

  int unmet() const { return unmet_; }
  std::vector<Reason>& reasons() { return reasons_; }

 private:
  const bool explain_;
  int unmet_ = 0;
  std::vector<Reason> reasons_;
};

std::string Called(const Organisation& o) {
  return o.display_name().empty() ? o.name() : o.display_name();
}

// "DK, SE or NO".
std::string OneOf(const std::vector<std::string>& items) { return wording::ListOf(items, "or"); }

std::vector<std::string> Strings(const StringList& list) { return {list.begin(), list.end()}; }

// "a public body (MUNICIPALITY, REGIONAL_AUTHORITY or NATIONAL_AUTHORITY)".
std::string KindsPhrase(const KindList& kinds) {
  std::set<int> set(kinds.begin(), kinds.end());
  std::vector<std::string> names;
  for (int kind : set) names.push_back(Organisation::Kind_Name(kind));
  const std::set<int> public_bodies = {Organisation::MUNICIPALITY, Organisation::REGIONAL_AUTHORITY,
                                       Organisation::NATIONAL_AUTHORITY};
  const std::set<int> civil_society = {Organisation::NGO, Organisation::ASSOCIATION,
                                       Organisation::FOUNDATION};
  if (set == public_bodies) return absl::StrCat("a public body (", OneOf(names), ")");
  if (set == civil_society)
    return absl::StrCat("a civil-society organisation (", OneOf(names), ")");
  if (set.size() == 1) return wording::KindPhrase(*set.begin());
  return absl::StrCat("one of ", OneOf(names));
}

bool HasKind(const KindList& kinds, int kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// The entry of `countries` (a country or a group) holding `o`, or nullopt.
std::optional<absl::string_view> PlaceOf(const StringList& countries, const Organisation& o) {
  return geo::FirstHolding(countries, o.country(), o.nuts_region());
}

bool InCountries(const StringList& countries, const Organisation& o) {
  return PlaceOf(countries, o).has_value();
}

// ", one of the call's countries" or, through a group, " (INTERREG_BSR), one of ...".
std::string InWhichPlace(const StringList& countries, const Organisation& o) {
  const std::optional<absl::string_view> entry = PlaceOf(countries, o);
  const std::string group = entry && *entry != o.country() ? absl::StrCat(" (", *entry, ")") : "";
  return absl::StrCat(group, ", one of the call's countries");
}

bool InRegions(const StringList& regions, absl::string_view region) {
  return !region.empty() && std::any_of(regions.begin(), regions.end(), [&](const std::string& r) {
    return absl::StartsWith(region, r);
  });
}

// "en" of "en-GB" (or "en_GB").
absl::string_view PrimaryLanguage(absl::string_view tag) {
  return tag.substr(0, tag.find_first_of("-_"));
}

template <typename Spoken>
bool SharesLanguage(const StringList& wanted, const Spoken& spoken) {
  for (const std::string& w : wanted) {
    for (const std::string& s : spoken) {
      if (absl::EqualsIgnoreCase(PrimaryLanguage(w), PrimaryLanguage(s))) return true;
    }
  }
  return false;
}

void JudgeLead(const v1::Eligibility& e, const Organisation& lead, Verdicts& out) {
  if (!e.countries().empty()) {
    const bool met = InCountries(e.countries(), lead);
    out.Add("lead_country", met, [&] {
      return met ? absl::StrCat("the lead, ", Called(lead), ", is in ", lead.country(),
                                InWhichPlace(e.countries(), lead))
                 : absl::StrCat("the lead must be based in ", OneOf(Strings(e.countries())), "; ",
                                Called(lead), " is in ", lead.country());
    });
  }
  if (!e.nuts_regions().empty()) {
    const bool met = InRegions(e.nuts_regions(), lead.nuts_region());
    out.Add("lead_region", met, [&] {
      const std::string where = lead.nuts_region().empty()
                                    ? "has no NUTS region in its profile"
                                    : absl::StrCat("is in ", lead.nuts_region());
      return absl::StrCat(met ? "the lead is in " : "the lead must be in ",
                          OneOf(Strings(e.nuts_regions())), "; ", Called(lead), " ", where);
    });
  }
  if (!e.lead_kinds().empty()) {
    const bool met = HasKind(e.lead_kinds(), lead.kind());
    out.Add("lead_kind", met, [&] {
      return absl::StrCat(met ? "the lead may be " : "the lead must be ",
                          KindsPhrase(e.lead_kinds()), "; ", Called(lead), " is ",
                          wording::KindPhrase(lead.kind()));
    });
  }
}

void JudgePartners(const v1::Eligibility& e, const Consortium& c, Verdicts& out) {
  auto judge_each = [&](absl::string_view criterion, bool set, auto fits, auto describe,
                        auto rule) {
    if (!set) return;
    const bool met = std::all_of(c.partners.begin(), c.partners.end(), fits);
    out.Add(criterion, met, [&] {
      if (c.partners.empty()) return absl::StrCat(rule(), "; no partners named yet");
      if (met) return absl::StrCat(rule(), "; every partner is");
      std::vector<std::string> misfits;
      for (const Organisation& p : c.partners) {
        if (!fits(p)) misfits.push_back(describe(p));
      }
      return absl::StrCat(rule(), "; ", absl::StrJoin(misfits, " and "),
                          misfits.size() == 1 ? " is not" : " are not");
    });
  };
  judge_each(
      "partner_countries", !e.countries().empty(),
      [&](const Organisation& p) { return InCountries(e.countries(), p); },
      [](const Organisation& p) { return absl::StrCat(Called(p), " (", p.country(), ")"); },
      [&] { return absl::StrCat("partners must be based in ", OneOf(Strings(e.countries()))); });
  judge_each(
      "partner_kinds", !e.partner_kinds().empty(),
      [&](const Organisation& p) { return HasKind(e.partner_kinds(), p.kind()); },
      [](const Organisation& p) {
        return absl::StrCat(Called(p), " (", wording::KindPhrase(p.kind()), ")");
      },
      [&] { return absl::StrCat("partners must be ", KindsPhrase(e.partner_kinds())); });
}

void JudgeSize(const v1::Eligibility& e, const Consortium& c, Verdicts& out) {
  const int size = 1 + static_cast<int>(c.partners.size());
  if (e.min_consortium_size() > 1) {
    const int needed = e.min_consortium_size();
    const bool met = size >= needed;
    out.Add("consortium_size", met, [&] {
      return met ? absl::StrCat("needs at least ", needed, " organisations; you have ", size)
                 : absl::StrCat("needs at least ", needed, " organisations (the lead and ",
                                needed - 1, " partners); you have ", size);
    });
  }
  if (e.min_countries() > 1) {
    // Counted without a set: this runs for every call a question ranks.
    int have = 1;
    for (size_t i = 0; i < c.partners.size(); ++i) {
      const std::string& country = c.partners[i].country();
      bool seen = country == c.lead.country();
      for (size_t j = 0; j < i && !seen; ++j) seen = c.partners[j].country() == country;
      have += !seen;
    }
    out.Add("consortium_countries", have >= e.min_countries(), [&] {
      std::set<std::string> countries = {c.lead.country()};
      for (const Organisation& p : c.partners) countries.insert(p.country());
      return absl::StrCat("needs partners from at least ", e.min_countries(),
                          " countries; you have ", have, " (", absl::StrJoin(countries, ", "), ")");
    });
  }
}

// Shared themes, and the verdict (when the call names themes).
template <typename Themes>
int JudgeThemes(const v1::Eligibility& e, const Themes& themes, Verdicts& out) {
  if (e.themes().empty()) return 0;
  int shared = 0;
  for (const std::string& t : e.themes()) {
    if (std::find(themes.begin(), themes.end(), t) != themes.end()) ++shared;
  }
  out.Add("themes", shared > 0, [&] {
    const std::string funds = absl::StrCat("the call funds ", OneOf(Strings(e.themes())));
    if (shared > 0) {
      std::vector<std::string> yours;
      for (const std::string& t : e.themes()) {
        if (std::find(themes.begin(), themes.end(), t) != themes.end()) yours.push_back(t);
      }
      return absl::StrCat(funds, "; you work on ", absl::StrJoin(yours, " and "));
    }
    return themes.empty()
               ? absl::StrCat(funds, "; you named no themes")
               : absl::StrCat(funds, "; none of yours (", absl::StrJoin(themes, ", "), ")");
  });
  return shared;
}

// `who` says whose languages `spoken` are ("Kofoeds Skole works in"), when asked.
template <typename Spoken, typename Who>
void JudgeLanguages(const v1::Eligibility& e, const Spoken& spoken, Who who, Verdicts& out) {
  if (e.languages().empty()) return;
  out.Add("languages", SharesLanguage(e.languages(), spoken), [&] {
    const std::string rule =
        absl::StrCat("applications are written in ", OneOf(Strings(e.languages())));
    return spoken.empty() ? absl::StrCat(rule, "; ", who(), " names no language")
                          : absl::StrCat(rule, "; ", who(), " ", absl::StrJoin(spoken, ", "));
  });
}

void JudgeAmounts(const v1::Call& call, const v1::Application& a, Verdicts& out) {
  if (!a.has_requested_amount()) {
    out.Add("amount", false, [] { return "the application must state its requested_amount"; });
    return;
  }
  const google::type::Money& asked = a.requested_amount();
  std::string problem;
  if (call.has_max_grant() && Nanos(asked) > Nanos(call.max_grant())) {
    problem = absl::StrCat("; the call grants at most ", Format(call.max_grant()));
  } else if (call.has_min_grant() && Nanos(asked) < Nanos(call.min_grant())) {
    problem = absl::StrCat("; the call grants at least ", Format(call.min_grant()));
  }
  out.Add("amount", problem.empty(), [&] {
    return absl::StrCat("asks for ", Format(asked),
                        problem.empty() ? ", within the call's grants" : problem);
  });
  const int rate = call.co_financing_rate_bp();
  if (rate <= 0 || rate >= kFullRateBp) return;
  const std::string share = absl::StrCat("the call pays at most ", rate / 100.0, " % of the costs");
  if (!a.has_total_cost()) {
    out.Add("co_financing", false,
            [&] { return absl::StrCat(share, "; the application must state its total_cost"); });
    return;
  }
  const Nanos128 payable = Nanos(a.total_cost()) * rate / kFullRateBp;
  out.Add("co_financing", Nanos(asked) <= payable, [&] {
    return absl::StrCat(share, ": ", Format(FromNanos(asked.currency_code(), payable)), " of ",
                        Format(a.total_cost()), "; you ask for ", Format(asked));
  });
}

// The verdicts on who the consortium is: its lead, its partners, its size.
void JudgeMembers(const v1::Eligibility& e, const Consortium& c, Verdicts& out) {
  JudgeLead(e, c.lead, out);
  JudgePartners(e, c, out);
  JudgeSize(e, c, out);
}

// The verdicts on `call` for `consortium` wanting `themes`, and its place in MatchCalls.
MatchRank Judge(const v1::Call& call, const Consortium& consortium,
                const std::vector<std::string>& themes, absl::Time now, Verdicts& verdicts) {
  const v1::Eligibility& e = call.eligibility();
  JudgeMembers(e, consortium, verdicts);
  MatchRank rank;
  // No copies of the lead's lists: this runs for every call a question ranks.
  rank.shared_themes = themes.empty() ? JudgeThemes(e, consortium.lead.themes(), verdicts)
                                      : JudgeThemes(e, themes, verdicts);
  JudgeLanguages(
      e, consortium.lead.working_languages(),
      [&] { return absl::StrCat(Called(consortium.lead), " works in"); }, verdicts);
  rank.unmet = verdicts.unmet();
  rank.state_order = CallStateAt(call, now) == v1::Call::OPEN ? 0 : 1;
  rank.deadline_micros = call.deadline().seconds() * 1000000 + call.deadline().nanos() / 1000;
  rank.name = call.name();
  return rank;
}

}  // namespace

std::vector<Reason> JudgeConsortium(const v1::Eligibility& e, const Consortium& c) {
  Verdicts verdicts(/*explain=*/true);
  JudgeMembers(e, c, verdicts);
  return std::move(verdicts.reasons());
}

bool CanLead(const v1::Eligibility& e, const Organisation& lead) {
  return (e.countries().empty() || InCountries(e.countries(), lead)) &&
         (e.nuts_regions().empty() || InRegions(e.nuts_regions(), lead.nuts_region())) &&
         (e.lead_kinds().empty() || HasKind(e.lead_kinds(), lead.kind()));
}

std::vector<Reason> JudgeApplication(const v1::Call& call, const v1::Application& application,
                                     const Consortium& consortium) {
  Verdicts verdicts(/*explain=*/true);
  JudgeMembers(call.eligibility(), consortium, verdicts);
  std::vector<std::string> language;
  if (!application.language().empty()) language.push_back(application.language());
  JudgeLanguages(
      call.eligibility(), language, [] { return "the application is in"; }, verdicts);
  JudgeAmounts(call, application, verdicts);
  return std::move(verdicts.reasons());
}

bool AllMet(const std::vector<Reason>& reasons) {
  return std::all_of(reasons.begin(), reasons.end(), [](const Reason& r) { return r.met(); });
}

bool RanksBefore(const MatchRank& a, const MatchRank& b) {
  return std::tie(a.unmet, b.shared_themes, a.state_order, a.deadline_micros, a.name) <
         std::tie(b.unmet, a.shared_themes, b.state_order, b.deadline_micros, b.name);
}

MatchRank RankCall(const v1::Call& call, const Consortium& consortium,
                   const std::vector<std::string>& themes, absl::Time now) {
  Verdicts verdicts(/*explain=*/false);
  return Judge(call, consortium, themes, now, verdicts);
}

RankedCall JudgeCall(const v1::Call& call, const Consortium& consortium,
                     const std::vector<std::string>& themes, absl::Time now) {
  RankedCall ranked;
  Verdicts verdicts(/*explain=*/true);
  ranked.rank = Judge(call, consortium, themes, now, verdicts);
  ranked.match.set_eligible(ranked.rank.unmet == 0);
  for (Reason& r : verdicts.reasons()) *ranked.match.add_reasons() = std::move(r);
  return ranked;
}

std::string MatchPageKey(const MatchRank& rank) {
  return absl::StrCat(rank.unmet, ":", rank.shared_themes, ":", rank.state_order, ":",
                      rank.deadline_micros, ":", rank.name);
}

absl::StatusOr<MatchRank> ParseMatchPageKey(absl::string_view key) {
  std::vector<absl::string_view> parts = absl::StrSplit(key, absl::MaxSplits(':', 4));
  MatchRank rank;
  if (parts.size() != 5 || !absl::SimpleAtoi(parts[0], &rank.unmet) ||
      !absl::SimpleAtoi(parts[1], &rank.shared_themes) ||
      !absl::SimpleAtoi(parts[2], &rank.state_order) ||
      !absl::SimpleAtoi(parts[3], &rank.deadline_micros)) {
    return status::InvalidField("page_token", "is not a token of MatchCalls");
  }
  rank.name = std::string(parts[4]);
  return rank;
}

}  // namespace coopnet::funding
