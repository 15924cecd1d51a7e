// The SQL that free-text search shares between the tables it searches (organisations,
// partner requests): looking a query's words up in the dictionary of migration 0002, and
// the fragments of a search statement that require every query word and rank a row by
// them (see search_rules.h for the rules these follow).
//
//   COOPNET_ASSIGN_OR_RETURN(QueryWords looked_up, LookUpQueryWords(pool, request.query()));
//   std::optional<std::vector<WordTiers>> words =
//       TierWords(looked_up.matches, looked_up.query_words);
//   if (!words) return no rows;                       // a query word means nothing
//   std::vector<pg::Param> params = TextParams(*words, WordGroups(*words));  // $1 ...
//   ... the table's own parameters, from $kTextParams + 1 on.
#ifndef COOPNET_SERVICES_ORGANISATIONS_TEXT_SEARCH_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_TEXT_SEARCH_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"
#include "services/organisations/search_rules.h"

namespace coopnet::organisations {

// A query's words, as the database folded them, and the dictionary words they may mean.
struct QueryWords {
  // How many words the query has (at most kMaxQueryWords); 0 when it has none, which
  // searches as if there were no text.
  int query_words = 0;
  std::vector<WordMatch> matches;
};

// Folds `query`, cuts it into words and finds for each of its first kMaxQueryWords words
// up to kMaxWordMatches dictionary words: the word itself, the words the pg_trgm `%`
// operator finds similar (pg_trgm.similarity_threshold, 0.3 by default), and those it
// begins. A word with no match has one WordMatch with an empty `word`.
absl::StatusOr<QueryWords> LookUpQueryWords(pg::Pool& pool, absl::string_view query);

// How many parameters the fragments below read: for each query word the terms a row must
// hold one of and its words by tier, then the number of query words.
inline constexpr int kTextParams = 4 * kMaxQueryWords + 1;

// The values of those parameters, $1 to $kTextParams, for `words` (from TierWords) and
// `required`, one group of terms per query word (MatchTerms::words or WordGroups).
std::vector<pg::Param> TextParams(const std::vector<WordTiers>& words,
                                  const std::vector<std::vector<std::string>>& required);

// SQL that holds for a row whose term array `terms` holds a term of every required group.
std::string TextConditionSql(absl::string_view terms);

// SQL of a row's relevance: numeric, rounded to 6 decimals, from kRelevance, for a row
// whose words are `terms` and whose name's words are `name_words`.
std::string RelevanceSql(absl::string_view name_words, absl::string_view terms);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_TEXT_SEARCH_STORE_H_
