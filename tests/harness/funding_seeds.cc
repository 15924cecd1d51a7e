#include "tests/harness/funding_seeds.h"

#include <cstdlib>
#include <iostream>

#include "google/protobuf/text_format.h"

namespace coopnet::testing::seeds {
namespace {

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  if (!google::protobuf::TextFormat::ParseFromString(text, &m)) {
    std::cerr << "funding seed does not parse: " << text << std::endl;
    std::abort();
  }
  return m;
}

}  // namespace

organisations::v1::Organisation PolishForeignMinistry() {
  return Parse<organisations::v1::Organisation>(R"pb(
    display_name: "Ministerstwo Spraw Zagranicznych"
    kind: NATIONAL_AUTHORITY
    country: "PL"
    nuts_region: "PL91"
    city: "Warszawa"
    website: "https://www.gov.pl/web/dyplomacja"
  )pb");
}

organisations::v1::Organisation EuropaKujawIPomorza() {
  return Parse<organisations::v1::Organisation>(R"pb(
    display_name: "Samorządowe Stowarzyszenie „Europa Kujaw i Pomorza”"
    kind: ASSOCIATION
    country: "PL"
    nuts_region: "PL61"
    city: "Toruń"
    working_languages: [ "pl", "en" ]
    themes: [ "international-cooperation", "local-government" ]
    international_experience: EXPERIENCED
    identifiers { scheme: "PL-KRS" value: "0000312586" }
  )pb");
}

organisations::v1::Organisation EuropeanCommission() {
  return Parse<organisations::v1::Organisation>(R"pb(
    display_name: "European Commission"
    kind: EU_INSTITUTION
    country: "BE"
    nuts_region: "BE10"
    city: "Brussels"
  )pb");
}

organisations::v1::Organisation Wistifonden() {
  return Parse<organisations::v1::Organisation>(
      R"pb(
        display_name: "Wistifonden" kind: FOUNDATION country: "DK" nuts_region: "DK01"
      )pb");
}

Programme SamorzadowyWymiarPolitykiZagranicznej(const std::string& funder) {
  Programme p = Parse<Programme>(R"pb(
    title {
      translations {
        key: "pl"
        value: "Wsparcie samorządowego i obywatelskiego wymiaru polskiej polityki zagranicznej"
      }
      default_language: "pl"
    }
    level: NATIONAL
    themes: [ "international-cooperation", "local-government" ]
    website: "https://www.msz.gov.pl/pl/polityka_zagraniczna/wymiar_samorzadowy/"
  )pb");
  p.set_funder(funder);
  return p;
}

Programme ErasmusPlus(const std::string& funder) {
  Programme p = Parse<Programme>(R"pb(
    title {
      translations { key: "en" value: "Erasmus+" }
      default_language: "en"
    }
    level: EU
    themes: [ "education", "green-transition", "social-sustainability" ]
    website: "https://erasmus-plus.ec.europa.eu"
    period {
      start_date { year: 2021 month: 1 day: 1 }
      end_date { year: 2027 month: 12 day: 31 }
    }
  )pb");
  p.set_funder(funder);
  return p;
}

Programme OrebroInternationalScholarship(const std::string& funder) {
  Programme p = Parse<Programme>(R"pb(
    title {
      translations { key: "sv" value: "Region Örebro läns internationella stipendium" }
      default_language: "sv"
    }
    level: REGIONAL
    themes: [ "culture" ]
  )pb");
  p.set_funder(funder);
  return p;
}

Programme WistifondenGrants(const std::string& funder) {
  Programme p = Parse<Programme>(R"pb(
    title {
      translations { key: "da" value: "Wistifondens støtte" }
      default_language: "da"
    }
    level: PRIVATE
    themes: [ "international-cooperation" ]
  )pb");
  p.set_funder(funder);
  return p;
}

Call Competition2014(const std::string& programme) {
  Call c = Parse<Call>(R"pb(
    identifier: "WSPW-2014"
    title {
      translations {
        key: "pl"
        value: "Wsparcie samorządowego i obywatelskiego wymiaru polskiej polityki zagranicznej 2014"
      }
      default_language: "pl"
    }
    kind: GRANT
    open_time { seconds: 1388530800 }  # 2014-01-01 00:00 Europe/Warsaw
    deadline { seconds: 1391209140 }   # 2014-01-31 23:59 Europe/Warsaw
    time_zone: "Europe/Warsaw"
    total_budget { currency_code: "PLN" units: 3000000 }
    min_grant { currency_code: "PLN" units: 20000 }
    max_grant { currency_code: "PLN" units: 150000 }
    co_financing_rate_bp: 10000
    eligibility {
      countries: [ "PL" ]
      lead_kinds: [ NGO, ASSOCIATION, FOUNDATION, MUNICIPALITY, REGIONAL_AUTHORITY ]
      themes: [ "international-cooperation", "local-government" ]
      languages: [ "pl" ]
    }
  )pb");
  c.set_programme(programme);
  return c;
}

Call ErasmusMobility(const std::string& programme) {
  Call c = Parse<Call>(R"pb(
    identifier: "KA122-ADU"
    title {
      translations { key: "en" value: "Erasmus+ mobility of adult education staff" }
      translations { key: "da" value: "Erasmus+ mobilitet for voksenuddannelse" }
      default_language: "en"
    }
    kind: MOBILITY
    open_time { seconds: 1698789600 }
    deadline { seconds: 1708524000 }
    time_zone: "Europe/Brussels"
    total_budget { currency_code: "EUR" units: 2000000 }
    max_grant { currency_code: "EUR" units: 60000 }
    co_financing_rate_bp: 8000
    eligibility {
      countries: [ "DK", "FI", "PL", "SE", "NO" ]
      min_consortium_size: 2
      min_countries: 2
      themes: [ "green-transition", "social-sustainability", "international-cooperation" ]
      languages: [ "en" ]
    }
  )pb");
  c.set_programme(programme);
  return c;
}

Call InternationalProjectVoucher(const std::string& programme) {
  Call c = Parse<Call>(R"pb(
    identifier: "INTER-EKIP-VOUCHER"
    title {
      translations { key: "pl" value: "Voucher na przygotowanie projektu międzynarodowego" }
      default_language: "pl"
    }
    kind: VOUCHER
    open_time { seconds: 1396303200 }
    deadline { seconds: 1414796340 }
    time_zone: "Europe/Warsaw"
    total_budget { currency_code: "PLN" units: 50000 }
    max_grant { currency_code: "PLN" units: 5000 }
    eligibility {
      countries: [ "PL" ]
      nuts_regions: [ "PL61" ]
      lead_kinds: [ NGO, ASSOCIATION, MUNICIPALITY ]
      themes: [ "international-cooperation" ]
      languages: [ "pl" ]
    }
  )pb");
  c.set_programme(programme);
  return c;
}

Call OrebroScholarship(const std::string& programme) {
  Call c = Parse<Call>(R"pb(
    identifier: "INT-STIP-2022"
    title {
      translations { key: "sv" value: "Internationellt stipendium för kultur 2022" }
      default_language: "sv"
    }
    kind: SCHOLARSHIP
    open_time { seconds: 1646089200 }
    deadline { seconds: 1651269540 }
    time_zone: "Europe/Stockholm"
    total_budget { currency_code: "SEK" units: 100000 }
    max_grant { currency_code: "SEK" units: 25000 }
    eligibility {
      countries: [ "SE" ]
      nuts_regions: [ "SE124" ]
      themes: [ "culture" ]
      languages: [ "sv", "en" ]
    }
  )pb");
  c.set_programme(programme);
  return c;
}

Award InterEkipAward(const std::string& recipient, const std::string& programme,
                     const std::string& call) {
  Award a = Parse<Award>(R"pb(
    title: "Współpraca międzynarodowa regionu Kujaw i Pomorza: efektywna, innowacyjna, otwarta na partnerstwa (INTER-EKiP)"
    purpose: "I Regionalne Forum Współpracy Międzynarodowej, instrument wspierający przygotowanie projektów międzynarodowych (voucher) i seminarium o metodologiach współpracy międzynarodowej; 160 uczestników z samorządów i organizacji pozarządowych."
    amount { currency_code: "PLN" units: 85200 }
    award_date { year: 2014 month: 3 day: 14 }
    planned_period {
      start_date { year: 2014 month: 3 day: 1 }
      end_date { year: 2014 month: 11 day: 30 }
    }
    beneficiary_country: "PL"
    beneficiary_nuts_region: "PL61"
  )pb");
  a.set_recipient(recipient);
  a.set_programme(programme);
  a.set_call(call);
  return a;
}

}  // namespace coopnet::testing::seeds
