#include "services/organisations/text_search_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"

namespace coopnet::organisations {
namespace {

// Up to $4 dictionary words per query word, the most similar first (a word the query
// word begins counting as similarity 0.5): those close to it (pg_trgm strict word
// similarity above pg_trgm.strict_word_similarity_threshold, 0.5 by default: about one
// typo), those it begins (read from the primary key, whose "C" collation orders by bytes)
// and, for a word no text holds, those merely similar (above
// pg_trgm.similarity_threshold, 0.3 by default: about two typos). Typos change a word's
// length by $5 letters at most, so similar words of other lengths (`in` for `inclusin`)
// are no matches. A known word is not taken for a misspelling of a distant one: that keeps
// its matches relevant, and its lookup short.
const pg::Statement kLookUpQueryWords{
    "SELECT q.position::int, q.word, coalesce(m.word, ''), coalesce(m.similarity, 0)"
    " FROM unnest(coopnet_query_words($1, $2)) WITH ORDINALITY AS q(word, position)"
    " LEFT JOIN LATERAL ("
    "   SELECT c.word, similarity(c.word, q.word)::float8 AS similarity"
    "   FROM (SELECT d.word FROM search_words d"
    "         WHERE q.word <<% d.word AND abs(length(d.word) - length(q.word)) <= $5"
    "         UNION"
    "         (SELECT d.word FROM search_words d"
    "          WHERE length(q.word) >= $3 AND d.word >= q.word COLLATE \"C\""
    "            AND d.word < (q.word || chr(1114111)) COLLATE \"C\""
    "          ORDER BY d.word LIMIT $4)"
    "         UNION"
    "         SELECT d.word FROM search_words d"
    "         WHERE NOT EXISTS (SELECT FROM search_words e WHERE e.word = q.word COLLATE \"C\")"
    "           AND d.word % q.word AND abs(length(d.word) - length(q.word)) <= $5) c"
    "   ORDER BY c.word = q.word COLLATE \"C\" DESC,"
    "            greatest(similarity(c.word, q.word),"
    "                     CASE WHEN starts_with(c.word, q.word) THEN 0.5 ELSE 0 END) DESC,"
    "            c.word"
    "   LIMIT $4) m ON true"
    " ORDER BY q.position, m.word"};

// Parameter numbers of query word `index` (from 0): the words a row must hold one of,
// then its words by tier.
int RequiredParam(int index) { return 4 * index + 1; }
int ExactParam(int index) { return 4 * index + 2; }
int CloseParam(int index) { return 4 * index + 3; }
int FarParam(int index) { return 4 * index + 4; }
constexpr int kWordCountParam = kTextParams;

std::string Array(int param) { return absl::StrCat("$", param, "::text[]"); }

// What a row scores for query word `index`: the first branch that holds, in decreasing
// value as kRelevance orders them. A row that matched holds one of the word's words, so
// with no close and no far words it holds the exact one, and with no far ones a close one
// if not the exact: those branches need not look through the row. An empty tier (an
// unused query word, say) makes false branches that PostgreSQL drops when it plans with
// the parameters' values.
std::string WordScoreSql(int index, absl::string_view name_words, absl::string_view terms) {
  const std::string exact = Array(ExactParam(index));
  const std::string close = Array(CloseParam(index));
  const std::string far = Array(FarParam(index));
  auto has = [](const std::string& tier) { return absl::StrCat("cardinality(", tier, ") > 0"); };
  auto none = [](const std::string& tier) { return absl::StrCat("cardinality(", tier, ") = 0"); };
  const std::pair<std::string, double> branches[] = {
      {absl::StrCat(has(exact), " AND ", name_words, " && ", exact), kRelevance.exact_in_name},
      {absl::StrCat(has(close), " AND ", name_words, " && ", close), kRelevance.close_in_name},
      {absl::StrCat(has(exact), " AND (", none(close), " AND ", none(far), " OR ", terms, " && ",
                    exact, ")"),
       kRelevance.exact},
      {absl::StrCat(has(close), " AND (", none(far), " OR ", terms, " && ", close, ")"),
       kRelevance.close},
      {absl::StrCat(has(far), " AND ", name_words, " && ", far), kRelevance.far_in_name},
      {has(far), kRelevance.far},
  };
  std::string sql = "CASE";
  for (const auto& [condition, value] : branches) {
    absl::StrAppend(&sql, " WHEN ", condition, " THEN ", absl::StrFormat("%.6f", value));
  }
  return absl::StrCat(sql, " ELSE 0 END");
}

}  // namespace

absl::StatusOr<QueryWords> LookUpQueryWords(pg::Pool& pool, absl::string_view query) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool.Exec(kLookUpQueryWords, query, kMaxQueryWords,
                                                   static_cast<int32_t>(kMinPrefixLength),
                                                   kMaxWordMatches, kMaxTypoLengthChange));
  QueryWords words;
  words.matches.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    WordMatch match;
    match.position = r.GetInt32(row, 0);
    match.query_word = r.GetString(row, 1);
    match.word = r.GetString(row, 2);
    match.similarity = r.GetDouble(row, 3);
    words.query_words = std::max(words.query_words, match.position);
    words.matches.push_back(std::move(match));
  }
  return words;
}

std::vector<pg::Param> TextParams(const std::vector<WordTiers>& words,
                                  const std::vector<std::vector<std::string>>& required) {
  std::vector<pg::Param> params;
  params.reserve(kTextParams);
  for (int index = 0; index < kMaxQueryWords; ++index) {
    const bool used = index < static_cast<int>(words.size());
    params.emplace_back(used ? required[index] : std::vector<std::string>());
    params.emplace_back(used ? words[index].exact : std::vector<std::string>());
    params.emplace_back(used ? words[index].close : std::vector<std::string>());
    params.emplace_back(used ? words[index].far : std::vector<std::string>());
  }
  params.emplace_back(static_cast<int32_t>(std::min<size_t>(words.size(), kMaxQueryWords)));
  return params;
}

std::string TextConditionSql(absl::string_view terms) {
  std::vector<std::string> conditions;
  for (int index = 0; index < kMaxQueryWords; ++index) {
    // An unused query word requires nothing: PostgreSQL drops the condition when it plans.
    const std::string required = Array(RequiredParam(index));
    conditions.push_back(
        absl::StrCat("(cardinality(", required, ") = 0 OR ", terms, " && ", required, ")"));
  }
  return absl::StrCat("(", absl::StrJoin(conditions, " AND "), ")");
}

std::string RelevanceSql(absl::string_view name_words, absl::string_view terms) {
  std::vector<std::string> scores;
  for (int index = 0; index < kMaxQueryWords; ++index) {
    scores.push_back(WordScoreSql(index, name_words, terms));
  }
  return absl::StrCat("round((", absl::StrJoin(scores, " + "), ") / $", kWordCountParam,
                      "::int, 6)");
}

}  // namespace coopnet::organisations
