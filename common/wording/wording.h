// coopnet::wording — how coopnet's reasons read in English, written once: an
// organisation's kind in a sentence ("an NGO", "a regional authority") and a list joined
// as people write it ("DK, SE or NO").
//
//   absl::StrCat("the lead is ", wording::KindPhrase(lead.kind()));
//   absl::StrCat("needs a lead from ", wording::ListOf(countries, "or"));
#ifndef COOPNET_COMMON_WORDING_WORDING_H_
#define COOPNET_COMMON_WORDING_WORDING_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace coopnet::wording {

// `kind` (a coopnet.organisations.v1.Organisation.Kind) with its article: "an NGO",
// "a municipality", "an educational institution"; "of no stated kind" for none.
std::string KindPhrase(int kind);

// "a", "a or b", "a, b or c" for `conjunction` "or" (or "and"); "" for none.
std::string ListOf(const std::vector<std::string>& items, absl::string_view conjunction);

}  // namespace coopnet::wording

#endif  // COOPNET_COMMON_WORDING_WORDING_H_
