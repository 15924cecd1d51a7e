// The rules of free-text and filtered search, as pure functions: which dictionary words a
// query word may mean and how much each counts, which terms the filters of a partner
// search require, and where a page of relevance-ranked results ends.
//
// Text is folded and cut into words by the database (migration 0002: coopnet_fold,
// coopnet_word_set), for stored rows and queries alike. For each query word the store
// finds the dictionary words it may mean (WordMatch); TierWords sorts them into exact,
// close and far matches; a row must hold a word of every query word, and its relevance is
// the mean over the query words of the best tier it holds (kRelevance):
//
//   std::vector<WordMatch> matches = ...;                // from the store
//   std::optional<std::vector<WordTiers>> words = TierWords(matches, query_words);
//   if (!words) return {};                               // a word matches nothing
#ifndef COOPNET_SERVICES_ORGANISATIONS_SEARCH_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_SEARCH_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::organisations {

// Query words beyond the first four are ignored: each one must match, and four already
// narrow any search.
inline constexpr int kMaxQueryWords = 4;
// Queries are at most this many characters.
inline constexpr size_t kMaxQueryChars = 200;
// Dictionary words looked at per query word, best first.
inline constexpr int kMaxWordMatches = 16;
// pg_trgm similarity from which a word is a close match (about one typo in six letters).
inline constexpr double kCloseSimilarity = 0.5;
// Query words of at least this many letters also match the words they begin.
inline constexpr size_t kMinPrefixLength = 4;
// One or two typos make a word at most this many letters longer or shorter.
inline constexpr int kMaxTypoLengthChange = 2;

// A dictionary word one query word may mean, as the store found it.
struct WordMatch {
  // Of the query word, from 1.
  int position = 0;
  std::string query_word;
  // Empty when the query word matched nothing.
  std::string word;
  // pg_trgm similarity of the two words, 0 to 1.
  double similarity = 0;
};

enum class MatchTier {
  kExact,  // the query word itself, folded
  kClose,  // one typo or so, or a word the query word begins
  kFar,    // two typos or so
};

// How `match` counts for its query word.
MatchTier TierOf(const WordMatch& match);

// The words one query word may mean, by tier.
struct WordTiers {
  std::vector<std::string> exact;
  std::vector<std::string> close;
  std::vector<std::string> far;
};

// The words each of the `query_words` query words may mean, in query order; nullopt when
// one of them matches nothing, so that no row can hold them all.
std::optional<std::vector<WordTiers>> TierWords(const std::vector<WordMatch>& matches,
                                                int query_words);

// What a row scores for one query word, by the best tier it holds and where: in the name
// (display name, legal name, city; a partner request's title) or only elsewhere. A row's
// relevance is the mean over the query words, to 6 decimals, so that equal rows compare
// equal on every page.
struct Relevance {
  double exact_in_name = 1.0;
  double close_in_name = 0.75;
  double exact = 0.7;
  double close = 0.525;
  double far_in_name = 0.5;
  double far = 0.35;
};
inline constexpr Relevance kRelevance;

// Where a page of search results ended: the last row's relevance (as the store wrote it,
// e.g. "0.850000"; empty for a search without text, which is ordered by id alone) and id.
struct SearchPosition {
  std::string relevance;
  std::string id;
};

// The page-token key of `position` and back; INVALID_ARGUMENT naming page_token for a key
// this service did not make.
std::string SearchPageKey(const SearchPosition& position);
absl::StatusOr<SearchPosition> ParseSearchPageKey(absl::string_view key);

// The filters of a partner search, as validated from SearchOrganisationsRequest.
struct SearchFilters {
  std::vector<std::string> countries;
  std::string nuts_prefix;
  std::vector<v1::Organisation::Kind> kinds;
  std::vector<std::string> themes;
  std::vector<int> sdgs;
  std::vector<std::string> working_languages;
  std::vector<v1::Organisation::Experience> experience;
  std::optional<bool> looking_for_partners;
  // Only members of networks/{network_id}; empty for any organisation. Memberships are
  // rows of their own, not terms (see FilterTerms).
  std::string network_id;
  // Only organisations with a VERIFIED identifier; claims are rows of their own too.
  bool verified_only = false;
};

// The filters of `request`, or INVALID_ARGUMENT naming every bad field (query, countries[i],
// nuts_prefix, kinds[i], themes[i], sdgs[i], working_languages[i], experience[i], network).
absl::StatusOr<SearchFilters> ValidateSearch(const v1::SearchOrganisationsRequest& request);

// The number of filter groups FilterTerms returns, and the place of the countries'.
inline constexpr int kFilterGroups = 8;
inline constexpr int kCountryGroup = 0;

// The terms that the stored rows of migration 0002 hold for the filter values, one group
// per filter in a fixed order (countries, NUTS prefix, kinds, themes, SDGs, languages,
// experience, looking for partners): a row must hold a term of every non-empty group.
std::vector<std::vector<std::string>> FilterTerms(const SearchFilters& filters);

// The countries a search is confined to: its countries (and its groups', wholly or in
// part), or else the country of its NUTS
// prefix (`EL` is Greece, `UK` the United Kingdom); empty when it may find any country.
std::vector<std::string> CountriesOf(const SearchFilters& filters);

// The terms a row must hold to match a search with text: a term of each group.
struct MatchTerms {
  // One group per query word: its words in every tier, each under each of the search's
  // countries (`PL:youth`, which stored rows hold besides `youth`) when it has some, since
  // those index entries are far fewer than the bare word's.
  std::vector<std::vector<std::string>> words;
  // FilterTerms, but for the countries when the words carry them.
  std::vector<std::vector<std::string>> filters;
};
MatchTerms TermsToMatch(const std::vector<WordTiers>& words, const SearchFilters& filters);

// Each query word's words in every tier, unqualified: what a row of a table without
// per-country words (partner requests) must hold one of.
std::vector<std::vector<std::string>> WordGroups(const std::vector<WordTiers>& words);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_SEARCH_RULES_H_
