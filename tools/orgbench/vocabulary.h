// What the benchmark's generated directory is made of, and what its users ask: thirty
// European countries with six cities each, organisation and theme words in thirteen
// languages, description sentences in each, and a reproducible mix of partner searches
// (text and two filters) that fit the data the way real ones do.
//
//   const Vocabulary& words = Vocabulary::Get();
//   std::vector<SearchOrganisationsRequest> mix = QueryMix(1000, /*seed=*/7);
#ifndef COOPNET_TOOLS_ORGBENCH_VOCABULARY_H_
#define COOPNET_TOOLS_ORGBENCH_VOCABULARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::orgbench {

// Cities per country, organisation words per language, themes.
inline constexpr int kCitiesPerCountry = 6;
inline constexpr int kOrganisationWords = 4;
inline constexpr int kThemes = 10;

// The vocabulary as the generator binds it: flat arrays, indexed from 1 in SQL.
struct Vocabulary {
  // Per country: ISO code, NUTS prefix, working language tag, and the index (from 1) in
  // `languages` of the language its descriptions are written in besides English.
  std::vector<std::string> countries;
  std::vector<std::string> nuts_prefixes;
  std::vector<std::string> working_languages;
  std::vector<int32_t> description_languages;
  // kCitiesPerCountry per country, in country order.
  std::vector<std::string> cities;
  // Per description language: its tag, kOrganisationWords organisation words (association,
  // foundation, network, centre), the word for a municipality, a sentence with {1} and {2}
  // for two themes and {3} for the city, and kThemes theme phrases.
  std::vector<std::string> languages;
  std::vector<std::string> organisation_words;
  std::vector<std::string> municipality_words;
  std::vector<std::string> sentences;
  std::vector<std::string> theme_phrases;
  // The theme slugs, in the order of each language's phrases.
  std::vector<std::string> themes;
  // Syllables of made-up name words ("Balkorvis"): three make one.
  std::vector<std::string> syllables;
  // Kinds with weights: a kind appears as often as it is listed.
  std::vector<std::string> kinds;

  static const Vocabulary& Get();
};

// `count` searches with text and two filters, the same for the same `seed`: a city with
// its country and a kind; a theme word in a country's language with the country and
// looking for partners; an English theme word with a NUTS region and a kind; a made-up
// name word with its country and looking for partners; a theme word with a typo with a
// country and a theme.
std::vector<organisations::v1::SearchOrganisationsRequest> QueryMix(int count, uint64_t seed);

}  // namespace coopnet::orgbench

#endif  // COOPNET_TOOLS_ORGBENCH_VOCABULARY_H_
