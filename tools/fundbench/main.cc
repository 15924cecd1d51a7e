// fundbench: how fast MatchCalls answers over many calls.
//
//   fundbench seed --pg_dsn=... [--calls=100000]
//     migrates the funding database and fills it through the service's store with ten
//     years of EU, national, regional and foundation calls across ten countries, about
//     one in ten still open or forthcoming; a database that already holds --calls or
//     more is left as it is.
//   fundbench match --address=HOST:PORT --principal_keys=... --directory_dsn=...
//                   --redis_address=... [--cached]
//     MatchCalls for organisations of the directory (an NGO and a municipality in each
//     of the ten countries, read from the organisations database), each with a partner
//     from another country. Uncached unless --cached: before each call the service's
//     cached matches are retired (as a change of any call does), so each one judges its
//     candidates afresh; profiles stay cached, as they are in a running service.
// `match` prints one line per concurrency (--concurrency=1,16,64):
//
//   scenario=match_calls concurrency=1 qps=16 p50_us=60077 p95_us=114948 p99_us=150340
//
// tools/bench runs both against a stack of its own.

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/cache/cache.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "coopnet/funding/v1/funding.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "services/funding/funding_store.h"
#include "services/funding/process.h"
#include "tools/loadgen/measure.h"
#include "tools/loadgen/program.h"

namespace coopnet::fundbench {
namespace {

using funding::v1::Call;
using funding::v1::MatchCallsRequest;
using google::protobuf::util::TimeUtil;
using organisations::v1::Organisation;

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

// Creates `count` calls of one programme through the store, 8 at a time, published
// before they open.
absl::Status Seed(pg::Pool& pool, int count) {
  funding::FundingStore store(pool, funding::Options().stream);
  const std::string funder = resource::Name("organisations", resource::NewId());
  funding::v1::Programme programme;
  programme.set_funder(funder);
  (*programme.mutable_title()->mutable_translations())["en"] = "Benchmark programme";
  programme.mutable_title()->set_default_language("en");
  programme.set_level(funding::v1::Programme::EU);
  COOPNET_ASSIGN_OR_RETURN(funding::v1::Programme stored,
                           store.CreateProgramme(programme, std::nullopt));
  return loadgen::MakeInParallel(count, 8, "calls", [&](int i) -> absl::Status {
    const Call call = Synthetic(i, count, stored.name(), funder);
    COOPNET_ASSIGN_OR_RETURN(Call created, store.CreateCall(call, std::nullopt));
    funding::CallEdit publish;
    publish.apply = [&](const Call& draft) -> absl::StatusOr<Call> {
      Call published = draft;
      *published.mutable_publish_time() = call.publish_time();
      return published;
    };
    const std::string id(absl::StripPrefix(created.name(), "calls/"));
    return store.EditCall(id, std::nullopt, std::nullopt, publish).status();
  });
}

const pg::Statement kFirstOfKind{
    "SELECT 'organisations/' || id FROM organisations WHERE country = $1 AND kind = $2"
    " ORDER BY id LIMIT 1"};

// Questions from the directory: an NGO and a municipality of each country, each with a
// partner from the next country.
absl::StatusOr<std::vector<MatchCallsRequest>> Questions(pg::Pool& directory) {
  std::vector<std::string> leads;
  for (const char* country : kCountries) {
    for (const char* kind : {"NGO", "MUNICIPALITY"}) {
      COOPNET_ASSIGN_OR_RETURN(pg::Result r, directory.Exec(kFirstOfKind, country, kind));
      if (r.rows() == 1) leads.push_back(r.GetString(0, 0));
    }
  }
  if (leads.size() < 3) {
    return absl::FailedPreconditionError(
        "the directory holds too few NGOs and municipalities in the calls' countries");
  }
  std::vector<MatchCallsRequest> questions;
  for (size_t i = 0; i < leads.size(); ++i) {
    MatchCallsRequest q;
    q.set_organisation(leads[i]);
    q.add_partners(leads[(i + 2) % leads.size()]);
    q.set_page_size(20);
    questions.push_back(q);
  }
  return questions;
}

int Main(int argc, char** argv) {
  loadgen::Program program("fundbench", {"seed", "match"});
  config::Loader& options = program.options();
  const std::string& pg_dsn = options.String("pg_dsn", "", "seed: the funding database (libpq)");
  const int64_t& call_count = options.Int("calls", 100000, "seed: calls to create");
  const std::string& directory_dsn = options.String(
      "directory_dsn", "", "match: the organisations database to take the questions from");
  const std::string& redis_address = options.String(
      "redis_address", "", "match: the service's Redis, where cached matches are retired");
  const bool& cached = options.Bool("cached", false, "match: leave cached matches in place");
  loadgen::Measurement measurement(options);
  if (!program.Start(argc, argv)) return program.exit_code();
  if (program.command() == "seed") {
    const int count = static_cast<int>(call_count);
    return program.Exit(loadgen::SeedDatabase(pg_dsn, funding::Migrations(), "calls", count,
                                              [&](pg::Pool& pool) { return Seed(pool, count); }));
  }
  absl::Status s = measurement.Check();
  if (s.ok() && (directory_dsn.empty() || (!cached && redis_address.empty()))) {
    s = absl::InvalidArgumentError(
        "match needs --directory_dsn, and --redis_address unless --cached");
  }
  if (!s.ok()) return program.Exit(s, 2);
  absl::StatusOr<std::unique_ptr<pg::Pool>> directory =
      pg::Pool::Create({.dsn = directory_dsn, .size = 1});
  absl::StatusOr<std::vector<MatchCallsRequest>> questions =
      directory.ok() ? Questions(**directory) : directory.status();
  if (!questions.ok()) return program.Exit(questions.status());
  loadgen::Workload matches{.method = "/coopnet.funding.v1.FundingService/MatchCalls",
                            .request = loadgen::Cycle(*questions),
                            .metadata = measurement.Caller(principal::Anonymous())};
  std::unique_ptr<redis::Client> redis;
  std::unique_ptr<cache::Cache> calls_cache;
  if (!cached) {
    redis = redis::Client::Create({.address = redis_address, .pool_size = 4});
    // The keyspace the funding process caches matches in (services/funding/registration.cc).
    calls_cache = std::make_unique<cache::Cache>(*redis, cache::Keyspace{"funding", 1});
    matches.before_each = [&calls_cache] { calls_cache->BumpGeneration("calls"); };
  }
  return measurement.Measure(matches, cached ? "match_calls_cached" : "match_calls");
}

}  // namespace
}  // namespace coopnet::fundbench

int main(int argc, char** argv) { return coopnet::fundbench::Main(argc, argv); }
