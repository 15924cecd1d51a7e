#include "common/wording/wording.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::wording {

using organisations::v1::Organisation;

std::string KindPhrase(int kind) {
  switch (kind) {
    case Organisation::NGO:
      return "an NGO";
    case Organisation::ASSOCIATION:
      return "an association";
    case Organisation::FOUNDATION:
      return "a foundation";
    case Organisation::MUNICIPALITY:
      return "a municipality";
    case Organisation::REGIONAL_AUTHORITY:
      return "a regional authority";
    case Organisation::NATIONAL_AUTHORITY:
      return "a national authority";
    case Organisation::EU_INSTITUTION:
      return "an EU institution";
    case Organisation::EDUCATION:
      return "an educational institution";
    case Organisation::RESEARCH:
      return "a research organisation";
    case Organisation::BUSINESS:
      return "a business";
    case Organisation::OTHER:
      return "an organisation of another kind";
    default:
      return "of no stated kind";
  }
}

std::string ListOf(const std::vector<std::string>& items, absl::string_view conjunction) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  return absl::StrCat(absl::StrJoin(items.begin(), items.end() - 1, ", "), " ", conjunction, " ",
                      items.back());
}

}  // namespace coopnet::wording
