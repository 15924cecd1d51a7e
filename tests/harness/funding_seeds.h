// The money of the documents coopnet was born from, as test data: the Polish ministry of
// foreign affairs' 2014 competition that granted 85,200 PLN to the regional association
// of Kuyavia-Pomerania for its forum, voucher and seminar project (INTER-EKiP), the
// voucher instrument that project set up, Erasmus+ mobility paying a study trip to
// Finland, Region Örebro län's international scholarship and a Danish foundation. The
// funders and the association are organisations beside those of seeds.h.
#ifndef COOPNET_TESTS_HARNESS_FUNDING_SEEDS_H_
#define COOPNET_TESTS_HARNESS_FUNDING_SEEDS_H_

#include <string>

#include "coopnet/funding/v1/funding.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::testing::seeds {

using funding::v1::Award;
using funding::v1::Call;
using funding::v1::Programme;

// Ministerstwo Spraw Zagranicznych, Warsaw: the Polish ministry of foreign affairs.
organisations::v1::Organisation PolishForeignMinistry();
// Samorządowe Stowarzyszenie „Europa Kujaw i Pomorza”, Toruń (PL61): the lead of
// INTER-EKiP.
organisations::v1::Organisation EuropaKujawIPomorza();
// The European Commission, which runs Erasmus+.
organisations::v1::Organisation EuropeanCommission();
// Wistifonden, the Danish foundation supporting the NGO network.
organisations::v1::Organisation Wistifonden();

// "Wsparcie samorządowego i obywatelskiego wymiaru polskiej polityki zagranicznej", the
// ministry's (`funder`) NATIONAL programme.
Programme SamorzadowyWymiarPolitykiZagranicznej(const std::string& funder);
// Erasmus+ (EU), 2021-2027.
Programme ErasmusPlus(const std::string& funder);
// Region Örebro län's international scholarship (REGIONAL), since 2014.
Programme OrebroInternationalScholarship(const std::string& funder);
// Wistifonden's grants (PRIVATE).
Programme WistifondenGrants(const std::string& funder);

// The ministry's 2014 competition of `programme`: GRANT, PLN, January 2014 in
// Europe/Warsaw, for Polish local governments and NGOs, in Polish.
Call Competition2014(const std::string& programme);
// Erasmus+ mobility for adult education staff, EUR, 80 % co-financing, at least two
// organisations from two programme countries (DK, FI, PL, SE, NO), green transition
// and social sustainability, in English.
Call ErasmusMobility(const std::string& programme);
// Vouchers for preparing international projects, for organisations of
// Kuyavia-Pomerania (PL61), PLN.
Call InternationalProjectVoucher(const std::string& programme);
// The international scholarship, for culture in Örebro län (SE124), SEK.
Call OrebroScholarship(const std::string& programme);

// The 85,200 PLN awarded by `funder` to `recipient` for INTER-EKiP, planned until the
// end of November 2014, for Kuyavia-Pomerania (PL61).
Award InterEkipAward(const std::string& recipient, const std::string& programme,
                     const std::string& call);

}  // namespace coopnet::testing::seeds

#endif  // COOPNET_TESTS_HARNESS_FUNDING_SEEDS_H_
