// eventbench: how fast the events service answers.
//
//   eventbench seed --pg_dsn=... [--events=100000]
//     migrates the events database and fills it through the service's store with a
//     realistic spread of published events (2020-2030, six countries, every kind, a few
//     themes and languages; most public, some for a network's members, some unlisted);
//     a database that already holds --events or more is left as it is.
//   eventbench get --address=HOST:PORT --event=events/ID [--principal_keys=...]
//     GetEvent of one public event, again and again: cached after the first call. With a
//     secret the calls carry an anonymous principal (straight to the service); without,
//     none (through the gateway, or to the echo server).
//   eventbench list --address=HOST:PORT --principal_keys=...
//     ListEvents as an operator (never cached): first pages, upcoming events in a
//     country, upcoming workshops on a theme, and keyset pages up to 20 deep.
// The measuring commands print one line per concurrency (--concurrency=1,16,64):
//
//   scenario=get_event concurrency=64 qps=9374 p50_us=6120 p95_us=9800 p99_us=14020
//
// tools/bench runs them against a stack of its own, beside the echo server.
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/events/event_store.h"
#include "services/events/process.h"
#include "tools/loadgen/measure.h"
#include "tools/loadgen/program.h"

namespace coopnet::eventbench {
namespace {

using events::v1::Event;
using events::v1::ListEventsRequest;
using google::protobuf::util::TimeUtil;

// A realistic spread: 2020-2030, six countries, every kind, a few themes and languages;
// most public, some for a network's members, some unlisted.
Event Synthetic(int i, const std::string& organiser, const std::string& network) {
  static const char* kCountries[] = {"DK", "PL", "SE", "NO", "FI", "DE"};
  static const char* kNuts[] = {"DK011", "PL61", "SE124", "NO0A", "FI1B", "DE30"};
  static const char* kThemes[] = {"green-transition", "social-inclusion", "culture",
                                  "eu-programmes", "international-cooperation"};
  static const char* kLanguages[] = {"da", "pl", "sv", "nb", "fi", "de"};
  static const char* kZones[] = {"Europe/Copenhagen", "Europe/Warsaw",   "Europe/Stockholm",
                                 "Europe/Oslo",       "Europe/Helsinki", "Europe/Berlin"};
  const int c = i % 6;
  Event e;
  (*e.mutable_title()->mutable_translations())[kLanguages[c]] =
      absl::StrCat("Netværksmøde nr. ", i, " om internationalt samarbejde");
  e.mutable_title()->set_default_language(kLanguages[c]);
  (*e.mutable_summary()->mutable_translations())[kLanguages[c]] =
      "Erfaringsudveksling, projekteksempler og spørgsmål: hvordan kommer vi i gang?";
  e.mutable_summary()->set_default_language(kLanguages[c]);
  e.set_kind(static_cast<Event::Kind>(1 + i % 9));
  e.set_organiser(organiser);
  const int64_t start = 1577869200 + static_cast<int64_t>(i) * 3156;  // ~10 years for 100k
  *e.mutable_start_time() = TimeUtil::SecondsToTimestamp(start);
  *e.mutable_end_time() = TimeUtil::SecondsToTimestamp(start + 2 * 3600);
  e.set_time_zone(kZones[c]);
  e.set_attendance_mode(i % 10 == 0 ? Event::ONLINE : Event::IN_PERSON);
  if (e.attendance_mode() == Event::ONLINE) {
    e.set_online_url("https://meet.example.org/coopnet");
  } else {
    events::v1::Venue& venue = *e.mutable_venue();
    venue.set_name("Fylkeshuset");
    venue.mutable_address()->set_region_code(kCountries[c]);
    venue.mutable_address()->set_locality("By");
    venue.set_nuts_region(kNuts[c]);
  }
  e.add_languages(kLanguages[c]);
  e.add_themes(kThemes[i % 5]);
  e.add_themes(kThemes[(i + 2) % 5]);
  const int v = i % 20;
  e.set_visibility(v == 0 ? Event::NETWORK : v == 1 ? Event::UNLISTED : Event::PUBLIC);
  if (v == 0) e.set_network(network);
  return e;
}

// Creates and publishes `count` events through the store, 8 at a time (the service
// would also ask the organisations service about each organiser, which is not what is
// measured).
absl::Status Seed(pg::Pool& pool, int count) {
  events::EventStore store(pool, events::Options().stream);
  const std::string organiser = resource::Name("organisations", resource::NewId());
  const std::string network = resource::Name("networks", resource::NewId());
  events::EventEdit publish;
  publish.apply = [](const Event& stored) -> absl::StatusOr<Event> {
    Event published = stored;
    published.set_state(Event::PUBLISHED);
    return published;
  };
  return loadgen::MakeInParallel(count, 8, "events", [&](int i) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(Event created,
                             store.CreateEvent(Synthetic(i, organiser, network), std::nullopt));
    const std::string id(absl::StripPrefix(created.name(), "events/"));
    return store.EditEvent(id, std::nullopt, std::nullopt, publish).status();
  });
}

// What a portal and an integrator list: first pages, upcoming events in a country,
// upcoming workshops on a theme, and the keyset pages behind the first one, in turn.
absl::StatusOr<std::vector<ListEventsRequest>> ListMix(
    const std::shared_ptr<grpc::Channel>& channel, const loadgen::CallerMetadata& caller) {
  ListEventsRequest first_page;
  first_page.set_page_size(50);
  ListEventsRequest upcoming_in_denmark = first_page;
  upcoming_in_denmark.set_upcoming(true);
  upcoming_in_denmark.add_countries("DK");
  ListEventsRequest upcoming_workshops = first_page;
  upcoming_workshops.set_upcoming(true);
  upcoming_workshops.add_themes("culture");
  upcoming_workshops.add_kinds(Event::WORKSHOP);
  std::vector<ListEventsRequest> deeper;
  auto stub = events::v1::EventService::NewStub(channel);
  ListEventsRequest next = first_page;
  for (int page = 2; page <= 20; ++page) {
    grpc::ClientContext context;
    if (caller) {
      for (const auto& [key, value] : caller("/coopnet.events.v1.EventService/ListEvents")) {
        context.AddMetadata(key, value);
      }
    }
    events::v1::ListEventsResponse response;
    const grpc::Status s = stub->ListEvents(&context, next, &response);
    if (!s.ok()) return absl::UnavailableError(absl::StrCat("ListEvents: ", s.error_message()));
    if (response.next_page_token().empty()) break;
    next.set_page_token(response.next_page_token());
    deeper.push_back(next);
  }
  std::vector<ListEventsRequest> mix;
  for (size_t i = 0; i < std::max<size_t>(deeper.size(), 1); ++i) {
    mix.push_back(first_page);
    mix.push_back(upcoming_in_denmark);
    mix.push_back(upcoming_workshops);
    if (i < deeper.size()) mix.push_back(deeper[i]);
  }
  return mix;
}

int Main(int argc, char** argv) {
  loadgen::Program program("eventbench", {"seed", "get", "list"});
  config::Loader& options = program.options();
  const std::string& pg_dsn = options.String("pg_dsn", "", "seed: the events database (libpq)");
  const int64_t& event_count = options.Int("events", 100000, "seed: events to create");
  const std::string& event = options.String("event", "", "get: the event to read, events/{id}");
  loadgen::Measurement measurement(options);
  if (!program.Start(argc, argv)) return program.exit_code();
  if (program.command() == "seed") {
    const int count = static_cast<int>(event_count);
    return program.Exit(loadgen::SeedDatabase(pg_dsn, events::Migrations(), "events", count,
                                              [&](pg::Pool& pool) { return Seed(pool, count); }));
  }
  const bool get = program.command() == "get";
  absl::Status s = measurement.Check();
  if (s.ok() && get && !absl::StartsWith(event, "events/")) {
    s = absl::InvalidArgumentError("get needs --event=events/{id}");
  }
  if (!s.ok()) return program.Exit(s, 2);
  if (get) {
    events::v1::GetEventRequest request;
    request.set_name(event);
    loadgen::Workload reads{.method = "/coopnet.events.v1.EventService/GetEvent",
                            .request = loadgen::Cycle(std::vector{request}),
                            .metadata = measurement.Caller(principal::Anonymous("203.0.113.9"))};
    return measurement.Measure(reads, "get_event");
  }
  loadgen::Workload lists{.method = "/coopnet.events.v1.EventService/ListEvents",
                          .metadata = measurement.Caller(principal::Admin())};
  absl::StatusOr<std::vector<ListEventsRequest>> mix =
      ListMix(grpc::CreateChannel(measurement.address(), grpc::InsecureChannelCredentials()),
              lists.metadata);
  if (!mix.ok()) return program.Exit(mix.status());
  lists.request = loadgen::Cycle(*mix);
  return measurement.Measure(lists, "list_events");
}

}  // namespace
}  // namespace coopnet::eventbench

int main(int argc, char** argv) { return coopnet::eventbench::Main(argc, argv); }
