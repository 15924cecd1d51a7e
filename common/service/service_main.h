// coopnet::service — the main() every coopnet service shares.
//
// A service binary is its handlers plus this: configuration from COOPNET_* (and flags),
// JSON logs, the database pool and `<binary> migrate`, Redis, the gRPC server with
// health that waits for a migrated database, pool / queue / cache gauges, and the drain
// on SIGTERM. Every service says what is its own in services/<service>/process.{h,cc},
// and its main.cc is one line:
//
//   int main(int argc, char** argv) {
//     return coopnet::service::Run(argc, argv, coopnet::events::Definition());
//   }
//
//   service::Definition Definition() {
//     return {.name = "events", ..., .settings = [](config::Loader& config) -> service::Starter {
//       const service::PeerSetting organisations = service::DeclarePeer(config, "organisations",
//       {...}); return [organisations](service::Context& context) {
//         return Start(context, {.organisations = organisations.value()}).status();
//       };
//     }};
//   }
#ifndef COOPNET_COMMON_SERVICE_SERVICE_MAIN_H_
#define COOPNET_COMMON_SERVICE_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/cache/cache.h"
#include "common/client/service_channel.h"
#include "common/config/config.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/redis/client.h"
#include "common/server/server.h"
#include "common/tls/tls.h"

namespace coopnet::service {

// What a service's start function gets: the running infrastructure, and a place to keep
// the objects it builds alive until the process ends.
class Context {
 public:
  // `redis` holds the caches, `streams_redis` the change streams (the same client when
  // one Redis holds both). `keyspace_prefix`, when not empty, is put before every cache
  // keyspace's name, so that several stacks (tests) can share one Redis without seeing
  // each other. `transport` is what channels to peers connect with.
  Context(server::Server& server, pg::Pool& pool, redis::Client& redis,
          redis::Client& streams_redis, std::string keyspace_prefix = "",
          tls::Transport transport = tls::Transport())
      : server_(server),
        pool_(pool),
        redis_(redis),
        streams_redis_(streams_redis),
        keyspace_prefix_(std::move(keyspace_prefix)),
        transport_(std::move(transport)) {}

  server::Server& server() { return server_; }
  pg::Pool& pool() { return pool_; }
  // The Redis of the caches, which may evict.
  redis::Client& redis() { return redis_; }
  // The Redis of the change streams (outbox relay, watches, consumers), which must not.
  redis::Client& streams_redis() { return streams_redis_; }

  // A cache on the shared Redis whose hits, misses and errors are exported as metrics.
  cache::Cache& Cache(cache::Keyspace keyspace);

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Keeps `object` alive until the server has stopped; returns it. Objects are destroyed
  // in the reverse order of being given, so what is built on another goes before it.
  template <typename T>
  T& Own(std::unique_ptr<T> object) {
    T& ref = *object;
    owned_.push_back(std::shared_ptr<void>(std::move(object)));
    return ref;
  }

  // A channel from this service, `caller`, to the peer process `callee` at `peer`, signed
  // with the server's principal signer; FAILED_PRECONDITION when the principal keys hold
  // no key of this service's own. Over TLS, the peer's certificate must name `callee`.
  absl::StatusOr<std::unique_ptr<client::ServiceChannel>> Channel(absl::string_view caller,
                                                                  absl::string_view callee,
                                                                  const client::Peer& peer);

  const std::vector<cache::Cache*>& caches() const { return caches_; }

 private:
  server::Server& server_;
  pg::Pool& pool_;
  redis::Client& redis_;
  redis::Client& streams_redis_;
  const std::string keyspace_prefix_;
  const tls::Transport transport_;
  std::vector<cache::Cache*> caches_;
  std::vector<std::shared_ptr<void>> owned_;
};

// The settings of calling the peer process `peer`, declared on a config::Loader:
// `<peer>_address` and `<peer>_deadline`. Read value() once the settings are loaded.
struct PeerSetting {
  const std::string& address;
  const absl::Duration& deadline;
  client::Peer value() const { return {.address = address, .deadline = deadline}; }
};
PeerSetting DeclarePeer(config::Loader& config, absl::string_view peer,
                        const client::Peer& defaults);

// Builds what a service serves on `context` and registers it with the context's server;
// runs before the server starts. An error stops the process.
using Starter = std::function<absl::Status(Context&)>;

struct Definition {
  // Short name: the binary, log `service` field, the default database
  // `coopnet_<name>` and the metrics label.
  std::string name;
  // ErrorInfo domain of its errors, e.g. `organisations.coopnet`.
  std::string error_domain;
  int grpc_port = 0;
  int metrics_port = 0;
  // The service's schema (applied by `<binary> migrate`); health waits for it.
  const std::vector<pg::Migration>* migrations = nullptr;
  // Declares the service's own settings on `config` and returns its Starter, which reads
  // their values (through the references `config` gave) once they are loaded.
  std::function<Starter(config::Loader&)> settings;
};

// Readiness of a service: its database answers and has every one of `migrations`.
std::function<absl::Status()> MigratedDatabase(pg::Pool& pool,
                                               const std::vector<pg::Migration>& migrations);

// Parses the command line (`serve` by default, or `migrate`), runs the service until
// SIGTERM or SIGINT and returns the process's exit code: 0 after a clean drain or
// migration, 1 when it could not start, 2 for bad configuration.
int Run(int argc, char** argv, const Definition& definition);

}  // namespace coopnet::service

#endif  // COOPNET_COMMON_SERVICE_SERVICE_MAIN_H_
