// fundbench: how fast MatchCalls answers over many calls, measured beside a raw gRPC
// server in the same run.
//
// Starts, in this process, the organisations service and the funding service (their
// real handlers, worker pools, Redis caches and PostgreSQL stores, each on a database of
// its own), creates a few organisations through the API and --calls calls (default
// 100,000) through the store: ten years of EU, national, regional and foundation calls
// across ten countries, about one in ten still open or forthcoming. Then, one call in
// flight at a time:
//   - echo: an "echo" FundingService answering MatchCalls with a prepared page from
//     memory: what gRPC alone costs here (the baseline);
//   - match_uncached: MatchCalls for a rotating organisation (and partner), every
//     cached match retired before each call, so each one judges its candidates afresh
//     (profiles stay cached, as they are in a running service);
//   - match_cached: the same questions again without retiring: what a repeat costs.
// Prints one `scenario=... key=value ...` line per measurement with p50/p95/p99 and the
// ratio to the baseline. Not a test: it asserts nothing, and figures depend on the
// machine.
//
//   fundbench --pg_dsn="host=127.0.0.1 port=15432 user=postgres"
//             --redis_address=127.0.0.1:16379 [--calls=100000] [--requests=400]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/service/service_main.h"
#include "coopnet/funding/v1/funding.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/funding/funding_service.h"
#include "services/funding/funding_store.h"
#include "services/funding/registration.h"
#include "services/organisations/organisation_store.h"
#include "services/organisations/registration.h"

extern char** environ;

namespace coopnet::fundbench {
namespace {

using funding::v1::Call;
using funding::v1::MatchCallsRequest;
using funding::v1::MatchCallsResponse;
using google::protobuf::util::TimeUtil;
using organisations::v1::Organisation;

[[noreturn]] void Die(absl::string_view what, const absl::Status& s = absl::OkStatus()) {
  std::cerr << "fundbench: " << what << (s.ok() ? "" : ": ") << (s.ok() ? "" : s.message())
            << std::endl;
  std::exit(1);
}

// MatchCalls answered from memory on gRPC's own threads: the floor under any service.
class EchoFundingService final : public funding::v1::FundingService::CallbackService {
 public:
  explicit EchoFundingService(MatchCallsResponse page) : page_(std::move(page)) {}

  grpc::ServerUnaryReactor* MatchCalls(grpc::CallbackServerContext* context,
                                       const MatchCallsRequest*,
                                       MatchCallsResponse* response) override {
    *response = page_;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const MatchCallsResponse page_;
};

struct Figures {
  int64_t calls = 0;
  int64_t errors = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0;
  double mean_matches = 0;
};

Figures Summarise(std::vector<double> us, int64_t errors, double matches) {
  Figures f;
  f.calls = static_cast<int64_t>(us.size());
  f.errors = errors;
  if (us.empty()) return f;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  f.p50_us = at(0.50);
  f.p95_us = at(0.95);
  f.p99_us = at(0.99);
  f.mean_matches = matches / static_cast<double>(us.size());
  return f;
}

// `requests` MatchCalls one after the other, for the organisations in turn; `before`
// runs ahead of each (untimed).
Figures Measure(funding::v1::FundingService::Stub& stub, const principal::Signer& signer,
                const std::vector<MatchCallsRequest>& questions, int requests,
                const std::function<void()>& before) {
  std::vector<double> us;
  int64_t errors = 0;
  double matches = 0;
  for (int i = 0; i < requests; ++i) {
    before();
    grpc::ClientContext context;
    signer.Attach(principal::Anonymous(), context);
    MatchCallsResponse response;
    const absl::Time start = absl::Now();
    grpc::Status s = stub.MatchCalls(&context, questions[i % questions.size()], &response);
    us.push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
    if (!s.ok()) {
      ++errors;
      std::cerr << "MatchCalls: " << s.error_message() << std::endl;
    }
    matches += response.matches_size();
  }
  return Summarise(std::move(us), errors, matches);
}

void Print(absl::string_view scenario, int calls, const Figures& f, const Figures* baseline) {
  std::string line = absl::StrFormat(
      "scenario=%s calls=%d concurrency=1 requests=%d p50_us=%.0f p95_us=%.0f p99_us=%.0f "
      "matches_per_page=%.1f",
      scenario, calls, f.calls, f.p50_us, f.p95_us, f.p99_us, f.mean_matches);
  if (baseline != nullptr) {
    absl::StrAppendFormat(&line, " baseline=echo p95_ratio=%.1f", f.p95_us / baseline->p95_us);
  }
  if (f.errors > 0) absl::StrAppend(&line, " errors=", f.errors);
  std::cout << line << std::endl;
}

constexpr const char* kCountries[] = {"DK", "PL", "SE", "NO", "FI", "DE", "LT", "LV", "EE", "NL"};
constexpr const char* kNuts[] = {"DK01", "PL61", "SE12", "NO0A", "FI1B",
                                 "DE30", "LT01", "LV00", "EE00", "NL32"};
constexpr const char* kThemes[] = {"culture",
                                   "green-transition",
                                   "social-inclusion",
                                   "education",
                                   "international-cooperation",
                                   "youth",
                                   "democracy",
                                   "health"};

// A spread of calls: a third EU-wide, the rest national or regional; some for public
// bodies only, some for civil society; consortium rules on EU calls.
Call Synthetic(int i, int count, const std::string& programme, const std::string& funder) {
  Call c;
  c.set_programme(programme);
  c.set_funder(funder);
  c.set_level(static_cast<funding::v1::Programme::Level>(1 + i % 4));
  c.set_identifier(absl::StrCat("CALL-", i));
  (*c.mutable_title()->mutable_translations())["en"] =
      absl::StrCat("Call ", i, " for international cooperation projects");
  c.mutable_title()->set_default_language("en");
  (*c.mutable_description()->mutable_translations())["en"] = std::string(600, 'x');
  c.mutable_description()->set_default_language("en");
  c.set_kind(static_cast<Call::Kind>(1 + i % 5));
  // Ten years up to one ahead: about one in ten still takes applications.
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const int64_t open = now - 9 * 365 * 86400 + (static_cast<int64_t>(i) * 10 * 365 * 86400) / count;
  *c.mutable_open_time() = TimeUtil::SecondsToTimestamp(open);
  *c.mutable_deadline() = TimeUtil::SecondsToTimestamp(open + (30 + i % 90) * 86400);
  c.set_time_zone("Europe/Brussels");
  c.mutable_total_budget()->set_currency_code("EUR");
  c.mutable_total_budget()->set_units(1000000);
  c.mutable_max_grant()->set_currency_code("EUR");
  c.mutable_max_grant()->set_units(60000);
  c.set_co_financing_rate_bp(8000);
  funding::v1::Eligibility& e = *c.mutable_eligibility();
  if (i % 3 != 0) {
    e.add_countries(kCountries[i % 10]);
    if (i % 5 == 0) e.add_nuts_regions(kNuts[i % 10]);
  } else {
    for (const char* country : kCountries) e.add_countries(country);
    e.set_min_consortium_size(3);
    e.set_min_countries(3);
  }
  if (i % 4 == 1) {
    e.add_lead_kinds(Organisation::MUNICIPALITY);
    e.add_lead_kinds(Organisation::REGIONAL_AUTHORITY);
  } else if (i % 4 == 2) {
    e.add_lead_kinds(Organisation::NGO);
    e.add_lead_kinds(Organisation::ASSOCIATION);
  }
  e.add_themes(kThemes[i % 8]);
  e.add_themes(kThemes[(i + 3) % 8]);
  e.add_languages("en");
  c.mutable_publish_time()->set_seconds(open - 30 * 86400);
  return c;
}

void Seed(funding::FundingStore& store, int count, const std::string& programme,
          const std::string& funder) {
  const absl::Time begin = absl::Now();
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  funding::CallEdit publish;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        Call call = Synthetic(i, count, programme, funder);
        const google::protobuf::Timestamp published = call.publish_time();
        absl::StatusOr<Call> created = store.CreateCall(call, std::nullopt);
        if (!created.ok()) Die("seeding", created.status());
        funding::CallEdit edit;
        edit.apply = [&](const Call& stored) -> absl::StatusOr<Call> {
          Call p = stored;
          *p.mutable_publish_time() = published;
          return p;
        };
        const std::string id(absl::StripPrefix(created->name(), "calls/"));
        if (absl::Status s = store.EditCall(id, std::nullopt, std::nullopt, edit).status();
            !s.ok()) {
          Die("publishing", s);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::cerr << "seeded " << count << " calls in " << absl::FormatDuration(absl::Now() - begin)
            << std::endl;
}

// A process's worth of one service on a database of its own.
struct Process {
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<redis::Client> redis;
  std::unique_ptr<server::Server> server;
  std::unique_ptr<service::Context> context;
};

Process Start(const std::string& name, const std::string& dsn, const std::string& redis_address,
              const std::vector<pg::Migration>& migrations, int workers,
              const principal::Signer& signer, const std::string& keyspace) {
  Process p;
  auto pool = pg::Pool::Create({.dsn = dsn, .size = workers});
  if (!pool.ok()) Die("pool", pool.status());
  p.pool = *std::move(pool);
  if (absl::Status s = pg::Migrate(*p.pool, migrations); !s.ok()) Die("migrate", s);
  p.redis = redis::Client::Create({.address = redis_address, .pool_size = 4});
  server::ServerOptions options;
  options.service_name = name;
  options.error_domain = absl::StrCat(name, ".coopnet");
  options.listen_address = "127.0.0.1:0";
  options.workers = workers;
  p.server = std::make_unique<server::Server>(options, signer);
  p.context = std::make_unique<service::Context>(*p.server, *p.pool, *p.redis, keyspace);
  return p;
}

int Main(int argc, char** argv) {
  config::Loader config("fundbench");
  const auto& pg_dsn = config.String("pg_dsn", "host=127.0.0.1 port=15432 user=postgres",
                                     "PostgreSQL server (without dbname) to make databases on");
  const auto& redis_address = config.String("redis_address", "127.0.0.1:16379", "Redis host:port");
  const auto& call_count = config.Int("calls", 100000, "calls to match over");
  const auto& requests = config.Int("requests", 400, "MatchCalls per scenario");
  const auto& workers = config.Int("workers", 8, "service workers and database connections");
  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) Die("configuration", s);
  if (config.HelpRequested()) return 0;
  log::Init("fundbench", log::Level::kWarn);

  const std::string suffix = absl::StrCat(getpid());
  const std::vector<std::string> databases = {absl::StrCat("fundbench_funding_", suffix),
                                              absl::StrCat("fundbench_orgs_", suffix)};
  auto admin = pg::Pool::Create({.dsn = absl::StrCat(pg_dsn, " dbname=postgres"), .size = 1});
  if (!admin.ok()) Die("PostgreSQL", admin.status());
  auto run_admin = [&](const std::string& sql) {
    return (*admin)->Run([&](pg::Session& s) { return s.ExecScript(sql); });
  };
  for (const std::string& database : databases) {
    if (absl::Status s = run_admin(absl::StrCat("CREATE DATABASE ", database)); !s.ok()) {
      Die("creating a database", s);
    }
  }
  struct DropAtExit {
    std::function<void()> drop;
    ~DropAtExit() { drop(); }
  } drop_at_exit{[&] {
    for (const std::string& database : databases) {
      (void)run_admin(absl::StrCat("DROP DATABASE IF EXISTS ", database, " WITH (FORCE)"));
    }
  }};

  const principal::Signer signer("fundbench-secret-0123456789-0123456789");
  Process orgs = Start("organisations", absl::StrCat(pg_dsn, " dbname=", databases[1]),
                       redis_address, organisations::Migrations(), 4, signer, databases[1]);
  if (absl::Status s = organisations::RegisterServices(*orgs.context); !s.ok()) Die("orgs", s);
  if (absl::Status s = orgs.server->Start(); !s.ok()) Die("start organisations", s);

  Process fund = Start("funding", absl::StrCat(pg_dsn, " dbname=", databases[0]), redis_address,
                       funding::Migrations(), static_cast<int>(workers), signer, databases[0]);
  funding::Options options;
  options.organisations_address = absl::StrCat("127.0.0.1:", orgs.server->port());
  options.stream = absl::StrCat("coopnet:fundbench:", suffix);
  if (absl::Status s = funding::RegisterServices(*fund.context, options); !s.ok())
    Die("register", s);
  if (absl::Status s = fund.server->Start(); !s.ok()) Die("start funding", s);

  // Organisations of every kind in every country, created through the API.
  auto org_stub = organisations::v1::OrganisationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", orgs.server->port()), grpc::InsecureChannelCredentials()));
  std::vector<std::string> names;
  const Organisation::Kind kinds[] = {Organisation::NGO, Organisation::MUNICIPALITY,
                                      Organisation::ASSOCIATION, Organisation::REGIONAL_AUTHORITY};
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext context;
    signer.Attach(principal::Admin(), context);
    organisations::v1::CreateOrganisationRequest request;
    Organisation& o = *request.mutable_organisation();
    o.set_display_name(absl::StrCat("Organisation ", i));
    o.set_kind(kinds[i % 4]);
    o.set_country(kCountries[i % 10]);
    o.set_nuts_region(absl::StrCat(kNuts[i % 10], "1").substr(0, 5));
    o.add_working_languages("en");
    o.add_themes(kThemes[i % 8]);
    Organisation created;
    grpc::Status s = org_stub->CreateOrganisation(&context, request, &created);
    if (!s.ok()) Die(absl::StrCat("CreateOrganisation: ", s.error_message()));
    names.push_back(created.name());
  }
  funding::FundingStore store(*fund.pool, options.stream);
  funding::v1::Programme programme;
  programme.set_funder(names[0]);
  (*programme.mutable_title()->mutable_translations())["en"] = "Benchmark programme";
  programme.mutable_title()->set_default_language("en");
  programme.set_level(funding::v1::Programme::EU);
  absl::StatusOr<funding::v1::Programme> stored = store.CreateProgramme(programme, std::nullopt);
  if (!stored.ok()) Die("programme", stored.status());
  const int calls = static_cast<int>(call_count);
  Seed(store, calls, stored->name(), names[0]);
  if (absl::Status s =
          fund.pool->Run([](pg::Session& session) { return session.ExecScript("ANALYZE calls"); });
      !s.ok()) {
    Die("analyze", s);
  }

  std::vector<MatchCallsRequest> questions;
  for (int i = 0; i < 20; ++i) {
    MatchCallsRequest q;
    q.set_organisation(names[i]);
    q.add_partners(names[(i + 3) % 20]);
    q.set_page_size(20);
    questions.push_back(q);
  }
  auto stub = funding::v1::FundingService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", fund.server->port()), grpc::InsecureChannelCredentials()));
  cache::Cache& matches = *fund.context->caches().front();
  auto retire = [&] { matches.BumpGeneration("calls"); };
  auto nothing = [] {};
  // Warm: connections, profiles in the cache, PostgreSQL's buffers.
  Measure(*stub, signer, questions, 40, retire);

  MatchCallsResponse page;
  {
    grpc::ClientContext context;
    signer.Attach(principal::Anonymous(), context);
    if (!stub->MatchCalls(&context, questions[0], &page).ok()) Die("MatchCalls");
  }
  EchoFundingService echo(page);
  grpc::ServerBuilder builder;
  int echo_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &echo_port);
  builder.RegisterService(&echo);
  std::unique_ptr<grpc::Server> echo_server = builder.BuildAndStart();
  if (echo_server == nullptr) Die("echo server did not start");
  auto echo_stub = funding::v1::FundingService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", echo_port), grpc::InsecureChannelCredentials()));

  std::cout << absl::StrFormat("# fundbench: %d calls, %d workers, %d cores", calls, workers,
                               std::thread::hardware_concurrency())
            << std::endl;
  Measure(*echo_stub, signer, questions, 40, nothing);
  const Figures baseline =
      Measure(*echo_stub, signer, questions, static_cast<int>(requests), nothing);
  Print("echo", calls, baseline, nullptr);
  Print("match_uncached", calls,
        Measure(*stub, signer, questions, static_cast<int>(requests), retire), &baseline);
  Print("match_cached", calls,
        Measure(*stub, signer, questions, static_cast<int>(requests), nothing), &baseline);

  echo_server->Shutdown();
  fund.server->Shutdown();
  orgs.server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace coopnet::fundbench

int main(int argc, char** argv) { return coopnet::fundbench::Main(argc, argv); }
