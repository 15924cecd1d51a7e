#include "tests/harness/event_seeds.h"

#include <cstdlib>
#include <iostream>

#include "absl/time/time.h"
#include "google/protobuf/text_format.h"

namespace coopnet::testing::seeds {
namespace {

Event Parse(const std::string& text) {
  Event e;
  if (!google::protobuf::TextFormat::ParseFromString(text, &e)) {
    std::cerr << "event seed does not parse: " << text << std::endl;
    std::abort();
  }
  return e;
}

void Schedule(Event& e, const std::string& start, const std::string& end, const std::string& zone) {
  *e.mutable_start_time() = LocalTime(start, zone);
  *e.mutable_end_time() = LocalTime(end, zone);
  e.set_time_zone(zone);
}

}  // namespace

google::protobuf::Timestamp LocalTime(const std::string& local, const std::string& zone) {
  absl::TimeZone tz;
  absl::Time t;
  std::string error;
  if (!absl::LoadTimeZone(zone, &tz) || !absl::ParseTime("%Y-%m-%d %H:%M", local, tz, &t, &error)) {
    std::cerr << "bad seed time " << local << " " << zone << ": " << error << std::endl;
    std::abort();
  }
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(t));
  return out;
}

Event CopenhagenInfoMeeting(const std::string& organiser) {
  Event e = Parse(R"pb(
    title {
      translations {
        key: "da"
        value: "Informations- og debatmøde om internationalt samarbejde for civilsamfundsorganisationer"
      }
      translations {
        key: "en"
        value: "Info and debate meeting on international cooperation for civil society organisations"
      }
      default_language: "da"
    }
    summary {
      translations {
        key: "da"
        value: "Hvorfor internationalt samarbejde? Hvordan kommer vi i gang, og hvad kan vi få ud af det?"
      }
      default_language: "da"
    }
    description {
      translations {
        key: "da"
        value: "Temaerne er bl.a.: hvorfor internationalt samarbejde; hvordan kommer vi i gang; eksempler på projekter; hvordan hjælper vi hinanden?\nFormen er en blanding af oplæg, erfaringsudveksling, spørgsmål og diskussioner. Tilmelding senest mandag den 10. oktober."
      }
      default_language: "da"
    }
    kind: INFO_MEETING
    attendance_mode: IN_PERSON
    venue {
      name: "Kofoeds Skole"
      room: "Scherfig-salen"
      address {
        region_code: "DK"
        postal_code: "2300"
        locality: "København S"
        address_lines: "Nyrnberggade 1"
      }
      nuts_region: "DK011"
    }
    languages: "da"
    themes: [ "international-cooperation", "green-transition", "social-inclusion" ]
    target_audience: [ NGO, ASSOCIATION ]
    visibility: PUBLIC
  )pb");
  e.set_organiser(organiser);
  Schedule(e, "2022-10-13 16:30", "2022-10-13 18:30", "Europe/Copenhagen");
  return e;
}

std::vector<Event> HordalandNetworkMeetings(const std::string& organiser,
                                            const std::string& network, const std::string& series) {
  Event base = Parse(R"pb(
    kind: NETWORK_MEETING
    attendance_mode: IN_PERSON
    venue {
      name: "Fylkeshuset"
      address {
        region_code: "NO"
        postal_code: "5008"
        locality: "Bergen"
        address_lines: "Agnes Mowinckels gate 5"
      }
      nuts_region: "NO0A"
    }
    languages: "nn"
    themes: [ "eu-programmes", "international-cooperation" ]
    target_audience: MUNICIPALITY
    visibility: NETWORK
  )pb");
  base.set_organiser(organiser);
  base.set_network(network);
  base.set_series(series);

  Event first = base;
  first.MergeFrom(Parse(R"pb(
    title {
      translations {
        key: "nn"
        value: "Første møte i det internasjonale kommunenettverket i Hordaland"
      }
      default_language: "nn"
    }
    summary {
      translations {
        key: "nn"
        value: "Utvikle arena for erfaringsutveksling og samarbeid mellom kommunane"
      }
      default_language: "nn"
    }
  )pb"));
  Schedule(first, "2018-03-07 10:00", "2018-03-07 13:30", "Europe/Oslo");
  for (const auto& [at, title] :
       {std::pair{"2018-03-07 10:00", "Erfaringar og god praksis – korleis skape lokal forankring"},
        {"2018-03-07 11:15", "Presentasjon av internasjonale prosjekt/prosjektidéar frå kommunar"},
        {"2018-03-07 12:45", "Kva fylkeskommunen kan bistå med"}}) {
    events::v1::AgendaItem* item = first.add_agenda();
    *item->mutable_start_time() = LocalTime(at, "Europe/Oslo");
    (*item->mutable_title()->mutable_translations())["nn"] = title;
    item->mutable_title()->set_default_language("nn");
  }

  Event second = base;
  second.MergeFrom(Parse(R"pb(
    title {
      translations { key: "nn" value: "Andre møte: identifisere prosjekt og behov for samarbeid" }
      default_language: "nn"
    }
  )pb"));
  Schedule(second, "2018-06-13 10:00", "2018-06-13 13:30", "Europe/Oslo");

  Event third = base;
  third.set_kind(Event::WORKSHOP);
  third.MergeFrom(Parse(R"pb(
    title {
      translations { key: "nn" value: "Søknadsworkshop med rettleiing og bistand frå HFK" }
      default_language: "nn"
    }
  )pb"));
  Schedule(third, "2018-10-24 10:00", "2018-10-24 15:00", "Europe/Oslo");
  return {first, second, third};
}

Event KujawyPomorzeForum(const std::string& organiser) {
  Event e = Parse(R"pb(
    title {
      translations { key: "pl" value: "I Regionalne Forum Współpracy Międzynarodowej" }
      default_language: "pl"
    }
    summary {
      translations {
        key: "pl"
        value: "Jak rozwijać współpracę międzynarodową samorządów i organizacji obywatelskich?"
      }
      default_language: "pl"
    }
    kind: FORUM
    attendance_mode: IN_PERSON
    venue {
      name: "Urząd Marszałkowski Województwa Kujawsko-Pomorskiego"
      address {
        region_code: "PL"
        postal_code: "87-100"
        locality: "Toruń"
        address_lines: "Plac Teatralny 2"
      }
      nuts_region: "PL61"
    }
    languages: "pl"
    themes: [ "international-cooperation" ]
    target_audience: [ MUNICIPALITY, NGO ]
  )pb");
  e.set_organiser(organiser);
  Schedule(e, "2014-09-25 10:00", "2014-09-25 16:00", "Europe/Warsaw");
  return e;
}

Event OrebroInspirationDay(const std::string& organiser) {
  Event e = Parse(R"pb(
    title {
      translations { key: "sv" value: "Inspirationsdag om internationell samverkan inom kultur" }
      default_language: "sv"
    }
    kind: SEMINAR
    attendance_mode: MIXED
    online_url: "https://www.regionorebrolan.se/inspirationsdag"
    venue {
      name: "Region Örebro län"
      address { region_code: "SE" locality: "Örebro" }
      nuts_region: "SE124"
    }
    languages: [ "sv", "en" ]
    themes: [ "culture", "international-cooperation" ]
  )pb");
  e.set_organiser(organiser);
  Schedule(e, "2022-11-17 09:00", "2022-11-17 16:00", "Europe/Stockholm");
  return e;
}

Event FinlandStudyVisit(const std::string& organiser, const std::string& award) {
  Event e = Parse(R"pb(
    title {
      translations {
        key: "da"
        value: "Studietur til Finland: grøn omstilling og social bæredygtighed"
      }
      default_language: "da"
    }
    kind: STUDY_VISIT
    attendance_mode: IN_PERSON
    venue {
      name: "Helsinki"
      address { region_code: "FI" locality: "Helsinki" }
      nuts_region: "FI1B"
    }
    languages: [ "da", "en" ]
    themes: [ "green-transition", "social-inclusion" ]
  )pb");
  e.set_organiser(organiser);
  e.set_award(award);
  Schedule(e, "2023-04-17 09:00", "2023-04-21 17:00", "Europe/Helsinki");
  return e;
}

}  // namespace coopnet::testing::seeds
