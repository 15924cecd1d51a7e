// The organisations of the documents coopnet was born from (a Danish NGO network's
// meeting place, a Polish region and NGO, a Swedish region, a Norwegian county), as
// test data. Contact details are the organisations' own or made up; no person appears.
#ifndef COOPNET_TESTS_HARNESS_SEEDS_H_
#define COOPNET_TESTS_HARNESS_SEEDS_H_

#include <string>

#include "coopnet/organisations/v1/networks.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::testing::seeds {

using organisations::v1::Network;
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

// NGO Netværk for Internationalt Projektarbejde: a new Danish network, open to newcomers
// and to experienced organisations that mentor them, coordinated by `coordinator`.
Network NgoNetvaerk(const std::string& coordinator);
// Hordaland's international network of municipalities: members by invitation of
// `coordinator` (the county).
Network HordalandKommunenettverk(const std::string& coordinator);

}  // namespace coopnet::testing::seeds

#endif  // COOPNET_TESTS_HARNESS_SEEDS_H_
