#include "tests/harness/seeds.h"

#include <cstdlib>
#include <iostream>
#include <string>

#include "google/protobuf/text_format.h"

namespace coopnet::testing::seeds {
namespace {

template <typename Message = Organisation>
Message Parse(const std::string& text) {
  Message m;
  if (!google::protobuf::TextFormat::ParseFromString(text, &m)) {
    std::cerr << "seed does not parse: " << text << std::endl;
    std::abort();
  }
  return m;
}

}  // namespace

Organisation KofoedsSkole() {
  return Parse(R"pb(
    display_name: "Kofoeds Skole"
    kind: NGO
    country: "DK"
    nuts_region: "DK01"
    city: "København S"
    postal_address {
      region_code: "DK"
      postal_code: "2300"
      locality: "København S"
      address_lines: "Nyrnberggade 1"
    }
    website: "https://www.kofoedsskole.dk"
    description {
      translations { key: "da" value: "Møder i Scherfig-salen; æøå ÆØÅ" }
      translations { key: "en" value: "Meetings in the Scherfig hall" }
      default_language: "da"
    }
    working_languages: [ "da", "en" ]
    themes: [ "social-inclusion" ]
    sdgs: [ 10 ]
    international_experience: SOME
    looking_for_partners: true
    identifiers { scheme: "DK-CVR" value: "12345678" }
  )pb");
}

Organisation UrzadMarszalkowski() {
  return Parse(R"pb(
    display_name: "Urząd Marszałkowski Województwa Kujawsko-Pomorskiego"
    kind: REGIONAL_AUTHORITY
    country: "PL"
    nuts_region: "PL61"
    city: "Toruń"
    description {
      translations { key: "pl" value: "Współpraca międzynarodowa: ąęłńśźż ĄĘŁŃŚŹŻ óÓ ćĆ" }
      default_language: "pl"
    }
    working_languages: [ "pl", "en" ]
    international_experience: EXPERIENCED
    identifiers { scheme: "PIC" value: "949685493" }
  )pb");
}

Organisation BiserGdansk() {
  return Parse(R"pb(
    display_name: "BISER"
    kind: NGO
    country: "PL"
    nuts_region: "PL63"
    city: "Gdańsk"
    identifiers { scheme: "OID" value: "E10012345" }
  )pb");
}

Organisation RegionOrebro() {
  return Parse(R"pb(
    display_name: "Region Örebro län"
    kind: REGIONAL_AUTHORITY
    country: "SE"
    nuts_region: "SE124"
    description {
      translations { key: "sv" value: "Internationell samverkan: åäö ÅÄÖ" }
      default_language: "sv"
    }
  )pb");
}

Organisation HordalandFylkeskommune() {
  return Parse(R"pb(
    display_name: "Hordaland fylkeskommune"
    kind: REGIONAL_AUTHORITY
    country: "NO"
    nuts_region: "NO0A"
    description {
      translations { key: "nn" value: "Kommunenettverk: æøå ÆØÅ" }
      default_language: "nn"
    }
    identifiers { scheme: "NO-BRC" value: "974760673" }
  )pb");
}

Network NgoNetvaerk(const std::string& coordinator) {
  Network n = Parse<Network>(R"pb(
    title {
      translations { key: "da" value: "NGO Netværk for Internationalt Projektarbejde" }
      translations { key: "en" value: "NGO Network for International Project Work" }
      default_language: "da"
    }
    description {
      translations {
        key: "da"
        value: "Et forum, hvor aktive i det danske civilsamfund støtter hinanden i at udvikle "
               "transnationale aktiviteter. Åbent for nybegyndere og for erfarne organisationer."
      }
      default_language: "da"
    }
    countries: [ "DK" ]
    nuts_regions: [ "DK01" ]
    themes: [ "international-cooperation", "green-transition", "social-sustainability" ]
    admission: OPEN
  )pb");
  n.set_coordinator(coordinator);
  return n;
}

Network HordalandKommunenettverk(const std::string& coordinator) {
  Network n = Parse<Network>(R"pb(
    title {
      translations { key: "nn" value: "Internasjonalt kommunenettverk i Hordaland" }
      translations { key: "en" value: "International network of municipalities in Hordaland" }
      default_language: "nn"
    }
    description {
      translations {
        key: "nn"
        value: "Kompetanseutvikling, erfaringsutveksling og samarbeid om EU-program, "
               "prosjektutvikling og søknadsskriving."
      }
      default_language: "nn"
    }
    countries: [ "NO" ]
    nuts_regions: [ "NO0A" ]
    themes: [ "eu-programmes", "project-development" ]
    admission: BY_INVITATION
  )pb");
  n.set_coordinator(coordinator);
  return n;
}

}  // namespace coopnet::testing::seeds
