// The organisations service: `organisations` serves gRPC on :50051, `organisations
// migrate` applies the database migrations and exits (the Kubernetes Job).
#include <iostream>

#include "common/cache/cache.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/principal/principal.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "services/organisations/organisation_service.h"
#include "services/organisations/organisation_store.h"

extern char** environ;

namespace {

using namespace coopnet;
using namespace coopnet::organisations;

int Run(int argc, char** argv) {
  config::Loader config("organisations", "[serve|migrate]");
  const auto& address = config.String("grpc_address", "0.0.0.0:50051", "gRPC listen address");
  const auto& metrics_address = config.String("metrics_address", "0.0.0.0:9101",
                                              "Prometheus /metrics address; empty turns it off");
  const auto& pg_dsn = config.Secret(
      "pg_dsn", "host=127.0.0.1 port=15432 user=postgres dbname=coopnet_organisations",
      "PostgreSQL connection string (libpq)");
  const auto& pg_pool_size =
      config.Int("pg_pool_size", 8, "database connections, and threads for blocking work");
  const auto& redis_address = config.String("redis_address", "127.0.0.1:16379", "Redis host:port");
  const auto& secret = config.Secret("principal_secret", config::kRequired,
                                     "shared secret (32+ bytes) that signs callers' principals");
  const auto& log_level = config.String("log_level", "info", "debug, info, warn or error");
  const auto& drain_timeout = config.Duration("drain_timeout", absl::Seconds(20),
                                              "how long calls in flight may finish after SIGTERM");
  const auto& max_connection_age = config.Duration("max_connection_age", absl::Minutes(5),
                                                   "connections are recycled after this long");
  const auto& migrate_at_start =
      config.Bool("migrate_at_start", false, "apply migrations before serving");

  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) {
    std::cerr << "organisations: " << s.message() << "\n";
    return 2;
  }
  if (config.HelpRequested()) return 0;
  const std::vector<std::string>& args = config.Positional();
  const std::string command = args.empty() ? "serve" : args[0];
  if (args.size() > 1 || (command != "serve" && command != "migrate")) {
    std::cerr << "organisations: expected `serve` or `migrate`\n" << config.Help();
    return 2;
  }
  if (secret.size() < principal::kMinSecretBytes) {
    std::cerr << "organisations: COOPNET_PRINCIPAL_SECRET must be at least "
              << principal::kMinSecretBytes << " bytes\n";
    return 2;
  }
  absl::StatusOr<log::Level> level = log::ParseLevel(log_level);
  if (!level.ok()) {
    std::cerr << "organisations: COOPNET_LOG_LEVEL " << level.status().message() << "\n";
    return 2;
  }
  log::Init("organisations", *level);

  pg::PoolOptions pool_options;
  pool_options.dsn = pg_dsn;
  pool_options.size = static_cast<int>(pg_pool_size);
  absl::StatusOr<std::unique_ptr<pg::Pool>> pool = pg::Pool::Create(pool_options);
  if (!pool.ok()) {
    log::Error("database pool", {{"error", std::string(pool.status().message())}});
    return 1;
  }
  if (command == "migrate" || migrate_at_start) {
    if (absl::Status s = pg::Migrate(**pool, Migrations()); !s.ok()) {
      log::Error("migration failed", {{"error", std::string(s.message())}});
      return 1;
    }
    log::Info("migrated", {});
    if (command == "migrate") return 0;
  }

  redis::ClientOptions redis_options;
  redis_options.address = redis_address;
  std::unique_ptr<redis::Client> redis = redis::Client::Create(redis_options);
  cache::Cache cache(*redis, cache::Keyspace{"organisations", 1});

  server::ServerOptions options;
  options.service_name = "organisations";
  options.error_domain = kErrorDomain;
  options.listen_address = address;
  options.metrics_address = metrics_address;
  options.workers = static_cast<int>(pg_pool_size);
  options.drain_timeout = drain_timeout;
  options.max_connection_age = max_connection_age;
  server::Server server(options, principal::Signer(secret));
  OrganisationStore store(**pool);
  OrganisationService service(server, store, cache);
  server.Register(&service, kServiceName);
  server.SetReadinessCheck([&pool]() -> absl::Status {
    absl::StatusOr<bool> migrated = pg::IsMigrated(**pool, Migrations());
    if (!migrated.ok()) return migrated.status();
    if (!*migrated) return absl::UnavailableError("the database is not migrated yet");
    return absl::OkStatus();
  });
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  server.WaitForTermination();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  coopnet::server::BlockTerminationSignals();
  return Run(argc, argv);
}
