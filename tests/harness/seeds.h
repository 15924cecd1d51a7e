// The organisations of the documents coopnet was born from (a Danish NGO network's
// meeting place, a Polish region and NGO, a Swedish region, a Norwegian county), as
// test data. Contact details are the organisations' own or made up; no person appears.
#ifndef COOPNET_TESTS_HARNESS_SEEDS_H_
#define COOPNET_TESTS_HARNESS_SEEDS_H_

#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::testing::seeds {

using organisations::v1::Organisation;

// Kofoeds Skole, Copenhagen: where the NGO network's info meeting took place.
Organisation KofoedsSkole();
// The Marshal's Office of Kuyavia-Pomerania, Toruń (PL61), lead of a ministry grant.
Organisation UrzadMarszalkowski();
// BISER, a Gdańsk NGO (PL63) engaging others in Baltic Sea cooperation.
Organisation BiserGdansk();
// Region Örebro län (SE124), active in culture and civil society networks.
Organisation RegionOrebro();
// Hordaland fylkeskommune (NO0A), founding a network of municipalities.
Organisation HordalandFylkeskommune();

}  // namespace coopnet::testing::seeds

#endif  // COOPNET_TESTS_HARNESS_SEEDS_H_
