#include "common/service/service_main.h"

#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/pg/request_log.h"
#include "common/principal/principal.h"
#include "common/startup/startup.h"

namespace coopnet::service {
namespace {

// Samples what the libraries count into Prometheus once a second: pools and queues as
// gauges, cache outcomes as counters (advanced by what happened since the last sample).
class Gauges {
 public:
  static absl::StatusOr<std::unique_ptr<Gauges>> Create() {
    auto gauges = std::unique_ptr<Gauges>(new Gauges());
    absl::Status s = absl::OkStatus();
    auto gauge = [&](std::optional<metrics::GaugeFamily>* out, const char* name, const char* help) {
      auto family = metrics::GaugeFamily::Create(name, help, {});
      if (family.ok())
        *out = *family;
      else
        s.Update(family.status());
    };
    auto counter = [&](std::optional<metrics::CounterFamily>* out, const char* name,
                       const char* help, std::vector<std::string> labels) {
      auto family = metrics::CounterFamily::Create(name, help, std::move(labels));
      if (family.ok())
        *out = *family;
      else
        s.Update(family.status());
    };
    gauge(&gauges->pool_size_, "coopnet_pg_pool_connections", "Database connections in the pool");
    gauge(&gauges->pool_in_use_, "coopnet_pg_pool_in_use", "Database connections in use");
    gauge(&gauges->pool_waiting_, "coopnet_pg_pool_waiting", "Calls waiting for a connection");
    gauge(&gauges->queue_, "coopnet_worker_queue_length", "Calls waiting for a worker");
    gauge(&gauges->busy_, "coopnet_workers_busy", "Workers running a call");
    gauge(&gauges->breaker_, "coopnet_redis_breaker_open",
          "1 while the Redis circuit breaker is open: the cache is bypassed");
    counter(&gauges->cache_requests_, "coopnet_cache_requests_total",
            "Cache lookups by keyspace and result (hit or miss)", {"keyspace", "result"});
    counter(&gauges->cache_errors_, "coopnet_cache_errors_total",
            "Redis errors the cache turned into misses", {"keyspace"});
    if (!s.ok()) return s;
    return gauges;
  }

  void Sample(const server::Server& server, pg::Pool& pool, redis::Client& redis,
              const std::vector<cache::Cache*>& caches) {
    pool_size_->With({}).Set(pool.size());
    pool_in_use_->With({}).Set(pool.in_use());
    pool_waiting_->With({}).Set(pool.waiting());
    queue_->With({}).Set(server.queued_calls());
    busy_->With({}).Set(server.busy_workers());
    breaker_->With({}).Set(redis.stats().breaker_state == redis::BreakerState::kOpen ? 1 : 0);
    last_.resize(caches.size());
    for (size_t i = 0; i < caches.size(); ++i) {
      const cache::Cache& cache = *caches[i];
      const std::string keyspace = cache.keyspace().name;
      Seen now{cache.hits(), cache.misses(), cache.errors()};
      cache_requests_->With({keyspace, "hit"}).Increment(now.hits - last_[i].hits);
      cache_requests_->With({keyspace, "miss"}).Increment(now.misses - last_[i].misses);
      cache_errors_->With({keyspace}).Increment(now.errors - last_[i].errors);
      last_[i] = now;
    }
  }

 private:
  struct Seen {
    int64_t hits = 0, misses = 0, errors = 0;
  };
  Gauges() = default;
  std::optional<metrics::GaugeFamily> pool_size_, pool_in_use_, pool_waiting_, queue_, busy_,
      breaker_;
  std::optional<metrics::CounterFamily> cache_requests_, cache_errors_;
  std::vector<Seen> last_;
};

// Every hour, forgets request ids past their retention (every replica may: deleting what
// another deleted is harmless); every second, samples the gauges. Stops when destroyed.
class Housekeeping {
 public:
  Housekeeping(Gauges& gauges, const server::Server& server, pg::Pool& pool, redis::Client& redis,
               const Context& context, absl::Duration request_id_retention)
      : thread_([&, request_id_retention] {
          absl::Time next_forget = absl::Now() + absl::Minutes(1);
          do {
            gauges.Sample(server, pool, redis, context.caches());
            if (absl::Now() >= next_forget) {
              absl::StatusOr<int64_t> forgotten =
                  pg::ForgetRequests(pool, absl::Now() - request_id_retention);
              if (!forgotten.ok()) {
                log::Warn("forgetting old request ids",
                          {{"error", std::string(forgotten.status().message())}});
              }
              next_forget = absl::Now() + absl::Hours(1);
            }
          } while (!stopped_.WaitForNotificationWithTimeout(absl::Seconds(1)));
        }) {}
  ~Housekeeping() {
    stopped_.Notify();
    thread_.join();
  }

 private:
  absl::Notification stopped_;
  std::thread thread_;
};

// The settings of a service's database, beside those of every serving process.
struct StoreSettings {
  const std::string& pg_dsn;
  const int64_t& pg_pool_size;
  const bool& migrate_at_start;
  const absl::Duration& request_id_retention;

  static StoreSettings Declare(config::Loader& config, const std::string& name) {
    return {
        .pg_dsn = config.Secret(
            "pg_dsn", absl::StrCat("host=127.0.0.1 port=15432 user=postgres dbname=coopnet_", name),
            "PostgreSQL connection string (libpq)"),
        .pg_pool_size =
            config.Int("pg_pool_size", 8, "database connections, and threads for blocking work"),
        .migrate_at_start =
            config.Bool("migrate_at_start", false, "apply migrations before serving"),
        .request_id_retention =
            config.Duration("request_id_retention", absl::Hours(7 * 24),
                            "how long a retried request_id still returns the first result"),
    };
  }
};

// `serve` (the default) or `migrate`; nullopt, saying why, for anything else.
std::optional<std::string> CommandOf(const config::Loader& config) {
  const std::vector<std::string>& args = config.Positional();
  const std::string command = args.empty() ? "serve" : args[0];
  if (args.size() > 1 || (command != "serve" && command != "migrate")) {
    std::cerr << config.program() << ": expected `serve` or `migrate`\n" << config.Help();
    return std::nullopt;
  }
  return command;
}

absl::StatusOr<std::unique_ptr<pg::Pool>> OpenPool(const std::string& name,
                                                   const StoreSettings& store) {
  pg::PoolOptions options;
  options.dsn = store.pg_dsn;
  options.size = static_cast<int>(store.pg_pool_size);
  options.application_name = name;
  return pg::Pool::Create(options);
}

server::ServerOptions ServerOptionsOf(const Definition& d, const startup::ProcessSettings& process,
                                      const StoreSettings& store, const tls::Transport& transport) {
  server::ServerOptions options;
  options.service_name = d.name;
  options.error_domain = d.error_domain;
  options.listen_address = process.grpc_address;
  options.metrics_address = process.metrics_address;
  options.workers = static_cast<int>(store.pg_pool_size);
  options.drain_timeout = process.drain_timeout;
  options.max_connection_age = process.max_connection_age;
  if (transport.tls()) options.credentials = transport.ServerCredentials();
  return options;
}

}  // namespace

Context::~Context() {
  while (!owned_.empty()) owned_.pop_back();
}

cache::Cache& Context::Cache(cache::Keyspace keyspace) {
  if (!keyspace_prefix_.empty()) keyspace.name = absl::StrCat(keyspace_prefix_, "_", keyspace.name);
  auto& cache = Own(std::make_unique<cache::Cache>(redis_, std::move(keyspace)));
  caches_.push_back(&cache);
  return cache;
}

absl::StatusOr<std::unique_ptr<client::ServiceChannel>> Context::Channel(absl::string_view caller,
                                                                         absl::string_view callee,
                                                                         const client::Peer& peer) {
  absl::StatusOr<principal::Signer> signer = server_.signer();
  if (!signer.ok()) return signer.status();
  return std::make_unique<client::ServiceChannel>(
      client::ChannelOptions{.address = peer.address,
                             .caller = std::string(caller),
                             .callee = std::string(callee),
                             .deadline = peer.deadline,
                             .transport = transport_},
      *std::move(signer));
}

PeerSetting DeclarePeer(config::Loader& config, absl::string_view peer,
                        const client::Peer& defaults) {
  return {.address = config.String(absl::StrCat(peer, "_address"), defaults.address,
                                   absl::StrCat("gRPC address of the ", peer, " process")),
          .deadline = config.Duration(
              absl::StrCat(peer, "_deadline"), defaults.deadline,
              absl::StrCat("the longest a call to the ", peer, " process may take"))};
}

std::function<absl::Status()> MigratedDatabase(pg::Pool& pool,
                                               const std::vector<pg::Migration>& migrations) {
  return [&pool, &migrations]() -> absl::Status {
    absl::StatusOr<bool> migrated = pg::IsMigrated(pool, migrations);
    if (!migrated.ok()) return migrated.status();
    if (!*migrated) return absl::UnavailableError("the database is not migrated yet");
    return absl::OkStatus();
  };
}

int Run(int argc, char** argv, const Definition& d) {
  server::PrepareProcess();
  config::Loader config(d.name, "[serve|migrate]");
  const startup::ProcessSettings process =
      startup::ProcessSettings::Declare(config, d.grpc_port, d.metrics_port);
  const StoreSettings store = StoreSettings::Declare(config, d.name);
  const std::string& streams_redis_address = config.String(
      "streams_redis_address", "",
      "Redis host:port of the change streams, when not the caches' (COOPNET_REDIS_ADDRESS): "
      "the caches' Redis may then evict");
  const Starter start = d.settings ? d.settings(config) : Starter();
  if (std::optional<int> exit = startup::Load(config, argc, argv)) return *exit;
  const std::optional<std::string> command = CommandOf(config);
  if (!command) return 2;
  // Migrating signs and serves nothing: a migration Job needs no key and no certificate.
  std::optional<principal::KeySet> keys;
  if (*command == "serve" && !(keys = process.PrincipalKeys(config))) return 2;
  std::optional<tls::Transport> transport =
      *command == "serve" ? process.Transport(config) : tls::Transport();
  if (!transport) return 2;
  if (!startup::StartLogs(config, process)) return 2;

  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = OpenPool(d.name, store);
  if (!pool.ok()) {
    log::Error("database pool", {{"error", std::string(pool.status().message())}});
    return 2;
  }
  if (*command == "migrate" || store.migrate_at_start) {
    if (absl::Status s = pg::Migrate(**pool, *d.migrations); !s.ok()) {
      log::Error("migration failed", {{"error", std::string(s.message())}});
      return 1;
    }
    log::Info("migrated", {{"versions", static_cast<int64_t>(d.migrations->size())}});
    if (*command == "migrate") return 0;
  }

  std::unique_ptr<redis::Client> redis =
      redis::Client::Create(process.Redis(process.redis_address));
  // One client when one Redis holds both, as by default.
  std::unique_ptr<redis::Client> separate_streams;
  if (!streams_redis_address.empty() && streams_redis_address != process.redis_address) {
    separate_streams = redis::Client::Create(process.Redis(streams_redis_address));
  }
  redis::Client& streams_redis = separate_streams ? *separate_streams : *redis;
  if (!startup::RedisAccepts(config, *redis, "COOPNET_REDIS_ADDRESS") ||
      !startup::RedisAccepts(config, streams_redis, "COOPNET_STREAMS_REDIS_ADDRESS")) {
    return 2;
  }
  absl::StatusOr<std::unique_ptr<Gauges>> gauges = Gauges::Create();
  if (!gauges.ok()) {
    log::Error("metrics", {{"error", std::string(gauges.status().message())}});
    return 1;
  }
  server::Server server(ServerOptionsOf(d, process, store, *transport), *std::move(keys));
  // Declared after the server: what the service built goes before the server it serves on.
  Context context(server, **pool, *redis, streams_redis, "", *transport);
  if (absl::Status s = start ? start(context) : absl::OkStatus(); !s.ok()) {
    log::Error("cannot start", {{"error", std::string(s.message())}});
    // A setting the service's own code checks (a secret too short, no key of its own to
    // call a peer with) is bad configuration, as for those checked before.
    const bool configuration = s.code() == absl::StatusCode::kInvalidArgument ||
                               s.code() == absl::StatusCode::kFailedPrecondition;
    return configuration ? 2 : 1;
  }
  server.SetReadinessCheck(MigratedDatabase(**pool, *d.migrations));
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  Housekeeping housekeeping(**gauges, server, **pool, *redis, context, store.request_id_retention);
  server.WaitForTermination();
  return 0;
}

}  // namespace coopnet::service
