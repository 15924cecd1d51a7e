// eventbench: how fast the events service answers, measured beside a raw gRPC server.
//
// Starts, in this process, the events service (its real handlers, worker pool, Redis
// cache and PostgreSQL store, on a database of its own) and an "echo" EventService that
// answers GetEvent with a prepared event and does nothing else: what gRPC alone costs
// on this machine. Then:
//   - GetEvent of a cached public event, at 1, 16 and 64 calls in flight, against echo
//     at the same concurrency: qps, p50, p99 and the ratio of the two throughputs;
//   - ListEvents over --events events (default 100,000): first pages, a filtered
//     upcoming list, deep keyset pages, each uncached, and the cached anonymous list.
// Prints one `scenario=... key=value ...` line per measurement. Not a test: it asserts
// nothing, and figures depend on the machine.
//
//   eventbench --pg_dsn="host=127.0.0.1 port=15432 user=postgres"
//              --redis_address=127.0.0.1:16379 [--events=100000] [--seconds=5]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/resource/resource.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/events/event_service.h"
#include "services/events/event_store.h"
#include "services/events/registration.h"
#include "tools/loadgen/get_event_load.h"

extern char** environ;

namespace coopnet::eventbench {
namespace {

using events::v1::Event;
using google::protobuf::util::TimeUtil;
using loadgen::EchoEventService;
using loadgen::Figures;
using loadgen::LoadGetEvent;
using loadgen::Stubs;
using loadgen::Summarise;

[[noreturn]] void Die(absl::string_view what, const absl::Status& s = absl::OkStatus()) {
  std::cerr << "eventbench: " << what << (s.ok() ? "" : ": ") << (s.ok() ? "" : s.message())
            << std::endl;
  std::exit(1);
}

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

// Creates and publishes `count` events through the store (the service would also ask
// the organisations service about each organiser, which is not what is measured).
void Seed(events::EventStore& store, int count, const std::string& organiser,
          const std::string& network, std::string* cached_name) {
  const absl::Time begin = absl::Now();
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  events::EventEdit publish;
  publish.apply = [](const Event& stored) -> absl::StatusOr<Event> {
    Event published = stored;
    published.set_state(Event::PUBLISHED);
    return published;
  };
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        absl::StatusOr<Event> created =
            store.CreateEvent(Synthetic(i, organiser, network), std::nullopt);
        if (!created.ok()) Die("seeding", created.status());
        const std::string id = std::string(absl::StripPrefix(created->name(), "events/"));
        absl::StatusOr<Event> published = store.EditEvent(id, std::nullopt, std::nullopt, publish);
        if (!published.ok()) Die("publishing", published.status());
        if (i == count - 1) *cached_name = created->name();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::cerr << "seeded " << count << " events in " << absl::FormatDuration(absl::Now() - begin)
            << std::endl;
}

void PrintGet(absl::string_view scenario, int concurrency, const Figures& f,
              const Figures* baseline) {
  std::cout << loadgen::GetLine(std::string(scenario), concurrency, f, baseline) << std::endl;
}

// `calls` ListEvents one after the other, each uncached unless the caller is anonymous.
Figures MeasureList(events::v1::EventService::Stub& stub, const principal::Signer::Sealed& caller,
                    const events::v1::ListEventsRequest& request, int calls, bool follow_pages) {
  std::vector<double> latencies;
  int64_t errors = 0;
  events::v1::ListEventsRequest next = request;
  const absl::Time begin = absl::Now();
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    context.AddMetadata(principal::kPrincipalKey, caller.bytes);
    context.AddMetadata(principal::kSignatureKey, caller.signature);
    events::v1::ListEventsResponse page;
    const absl::Time start = absl::Now();
    grpc::Status s = stub.ListEvents(&context, next, &page);
    latencies.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
    if (!s.ok()) {
      ++errors;
      std::cerr << "ListEvents: " << s.error_message() << std::endl;
    }
    if (follow_pages) {
      if (page.next_page_token().empty()) {
        next = request;
      } else {
        next.set_page_token(page.next_page_token());
      }
    }
  }
  return Summarise(std::move(latencies), errors, absl::Now() - begin);
}

void PrintList(absl::string_view scenario, int events, const Figures& f) {
  std::cout << absl::StrFormat(
                   "scenario=%s events=%d concurrency=1 calls=%d qps=%.0f p50_us=%.0f "
                   "p95_us=%.0f p99_us=%.0f%s",
                   scenario, events, f.calls, f.qps, f.p50_us, f.p95_us, f.p99_us,
                   f.errors > 0 ? absl::StrCat(" errors=", f.errors) : "")
            << std::endl;
}

int Main(int argc, char** argv) {
  config::Loader config("eventbench");
  const auto& pg_dsn = config.String("pg_dsn", "host=127.0.0.1 port=15432 user=postgres",
                                     "PostgreSQL server (without dbname) to make a database on");
  const auto& redis_address = config.String("redis_address", "127.0.0.1:16379", "Redis host:port");
  const auto& event_count = config.Int("events", 100000, "events to list over");
  const auto& seconds = config.Duration("seconds", absl::Seconds(5), "length of each GetEvent run");
  const auto& workers = config.Int("workers", 8, "service workers and database connections");
  const auto& redis_pool_size =
      config.Int("redis_pool_size", 4, "Redis connections (4: what service::Run opens)");
  const auto& keep_database =
      config.Bool("keep_database", false, "leave the database behind, to look at query plans");
  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) Die("configuration", s);
  if (config.HelpRequested()) return 0;
  log::Init("eventbench", log::Level::kWarn);

  // A database of our own, dropped at the end.
  const std::string database = absl::StrCat("eventbench_", getpid());
  auto admin = pg::Pool::Create({.dsn = absl::StrCat(pg_dsn, " dbname=postgres"), .size = 1});
  if (!admin.ok()) Die("PostgreSQL", admin.status());
  auto run_admin = [&](const std::string& sql) {
    return (*admin)->Run([&](pg::Session& s) { return s.ExecScript(sql); });
  };
  if (absl::Status s = run_admin(absl::StrCat("CREATE DATABASE ", database)); !s.ok()) {
    Die("creating the database", s);
  }
  struct DropAtExit {
    std::function<void()> drop;
    ~DropAtExit() { drop(); }
  } drop_at_exit{[&] {
    if (keep_database) {
      std::cerr << "kept database " << database << std::endl;
    } else {
      (void)run_admin(absl::StrCat("DROP DATABASE IF EXISTS ", database, " WITH (FORCE)"));
    }
  }};

  auto pool = pg::Pool::Create(
      {.dsn = absl::StrCat(pg_dsn, " dbname=", database), .size = static_cast<int>(workers)});
  if (!pool.ok()) Die("pool", pool.status());
  if (absl::Status s = pg::Migrate(**pool, events::Migrations()); !s.ok()) Die("migrate", s);

  const std::string secret = "eventbench-secret-0123456789-0123456789";
  const principal::Signer signer(secret);
  // As service::Run makes it (unless told otherwise), so the figures are the service's.
  auto redis = redis::Client::Create(
      {.address = redis_address, .pool_size = static_cast<int>(redis_pool_size)});
  server::ServerOptions options;
  options.service_name = "events";
  options.error_domain = events::kErrorDomain;
  options.listen_address = "127.0.0.1:0";
  options.workers = static_cast<int>(workers);
  server::Server server(options, signer);
  service::Context context(server, **pool, *redis, database);
  events::Options events_options;
  events_options.organisations_address = "127.0.0.1:1";
  events_options.stream = absl::StrCat("coopnet:eventbench:", database);
  if (absl::Status s = events::RegisterServices(context, events_options); !s.ok()) {
    Die("register", s);
  }
  if (absl::Status s = server.Start(); !s.ok()) Die("start", s);

  // The data: `events` events through the store, then one read to fill the cache.
  events::EventStore store(**pool, events_options.stream);
  const std::string organiser = resource::Name("organisations", resource::NewId());
  const std::string network = resource::Name("networks", resource::NewId());
  std::string cached_name;
  Seed(store, static_cast<int>(event_count), organiser, network, &cached_name);
  if (absl::Status s =
          (*pool)->Run([](pg::Session& session) { return session.ExecScript("ANALYZE events"); });
      !s.ok()) {
    Die("analyze", s);
  }

  Event prepared;
  {
    auto stub = Stubs(server.port(), 1);
    grpc::ClientContext warm;
    signer.Attach(principal::Anonymous(), warm);
    events::v1::GetEventRequest request;
    request.set_name(cached_name);
    grpc::Status s = stub[0]->GetEvent(&warm, request, &prepared);
    if (!s.ok()) Die(absl::StrCat("GetEvent: ", s.error_message()));
  }

  EchoEventService echo(prepared);
  grpc::ServerBuilder builder;
  int echo_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo_port);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  if (echo_server == nullptr) Die("echo server did not start");

  const principal::Signer::Sealed anonymous = signer.Seal(principal::Anonymous("203.0.113.9"));
  const std::vector<std::pair<std::string, std::string>> anonymous_metadata = {
      {principal::kPrincipalKey, anonymous.bytes}, {principal::kSignatureKey, anonymous.signature}};
  const principal::Signer::Sealed operator_key = signer.Seal(principal::Admin());
  std::cout << absl::StrFormat(
                   "# eventbench: %d events, %d workers, %d Redis connections, %s per run, "
                   "%d cores",
                   event_count, workers, redis_pool_size, absl::FormatDuration(seconds),
                   std::thread::hardware_concurrency())
            << std::endl;
  for (int concurrency : {1, 16, 64}) {
    const int channels = std::min(concurrency, 4);
    auto service_stubs = Stubs(server.port(), channels);
    auto echo_stubs = Stubs(echo_port, channels);
    // Warm both (connections, caches, allocator) before measuring.
    LoadGetEvent(echo_stubs, anonymous_metadata, cached_name, concurrency, absl::Milliseconds(500));
    LoadGetEvent(service_stubs, anonymous_metadata, cached_name, concurrency,
                 absl::Milliseconds(500));
    const Figures baseline =
        LoadGetEvent(echo_stubs, anonymous_metadata, cached_name, concurrency, seconds);
    const Figures cached =
        LoadGetEvent(service_stubs, anonymous_metadata, cached_name, concurrency, seconds);
    PrintGet("echo", concurrency, baseline, nullptr);
    PrintGet("get_event_cached", concurrency, cached, &baseline);
  }

  auto stub = Stubs(server.port(), 1);
  const int events = static_cast<int>(event_count);
  events::v1::ListEventsRequest first_page;
  first_page.set_page_size(50);
  PrintList("list_events_first_page", events,
            MeasureList(*stub[0], operator_key, first_page, 300, false));
  events::v1::ListEventsRequest upcoming_in_denmark = first_page;
  upcoming_in_denmark.set_upcoming(true);
  upcoming_in_denmark.add_countries("DK");
  PrintList("list_events_upcoming_country", events,
            MeasureList(*stub[0], operator_key, upcoming_in_denmark, 300, false));
  events::v1::ListEventsRequest themed = first_page;
  themed.set_upcoming(true);
  themed.add_themes("culture");
  themed.add_kinds(Event::WORKSHOP);
  PrintList("list_events_upcoming_theme_kind", events,
            MeasureList(*stub[0], operator_key, themed, 300, false));
  PrintList("list_events_keyset_pages", events,
            MeasureList(*stub[0], operator_key, first_page, 500, true));
  events::v1::ListEventsRequest public_upcoming = first_page;
  public_upcoming.set_upcoming(true);
  PrintList("list_events_upcoming_anonymous_cached", events,
            MeasureList(*stub[0], anonymous, public_upcoming, 1000, false));

  echo_server->Shutdown();
  server.Shutdown();
  return 0;
}

}  // namespace
}  // namespace coopnet::eventbench

int main(int argc, char** argv) { return coopnet::eventbench::Main(argc, argv); }
