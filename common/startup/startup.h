// coopnet::startup — the first steps of every serving process, the services' and the
// gateway's alike: the settings they all have, loading them (with one message naming
// every problem), and JSON logs at the configured level.
//
//   server::PrepareProcess();
//   config::Loader config("gateway");
//   const startup::ProcessSettings process = startup::ProcessSettings::Declare(config, 50050,
//   9100);
//   ... the binary's own settings ...
//   if (std::optional<int> exit = startup::Load(config, argc, argv)) return *exit;
//   if (!startup::StartLogs(config, process)) return 2;
#ifndef COOPNET_COMMON_STARTUP_STARTUP_H_
#define COOPNET_COMMON_STARTUP_STARTUP_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/principal/keys.h"
#include "common/redis/client.h"
#include "common/tls/tls.h"

namespace coopnet::startup {

// The settings every serving process declares; each refers to its value in the Loader,
// filled in by Load.
struct ProcessSettings {
  const std::string& grpc_address;
  const std::string& metrics_address;
  const std::string& redis_address;
  const std::string& redis_username;
  const std::string& redis_password;
  const std::string& principal_keys;
  const std::string& log_level;
  const absl::Duration& drain_timeout;
  const absl::Duration& max_connection_age;
  const tls::Settings tls;

  // Declares them on `config` with the process's own default ports.
  static ProcessSettings Declare(config::Loader& config, int grpc_port, int metrics_port);

  // How to reach the Redis at `address` with the configured credentials.
  redis::ClientOptions Redis(const std::string& address) const;

  // The principal keys, or nullopt after saying on stderr what is wrong with them.
  std::optional<principal::KeySet> PrincipalKeys(const config::Loader& config) const;

  // TLS from the files the settings name, or plaintext when they name none; nullopt,
  // naming the setting and what is wrong with its file on stderr, when they are unusable.
  std::optional<tls::Transport> Transport(const config::Loader& config) const;
};

// Loads `config` from the command line and the environment. nullopt to go on; otherwise
// the exit code: 0 after --help, 2 when a setting is missing or malformed (every problem
// named on stderr).
std::optional<int> Load(config::Loader& config, int argc, char** argv);

// False, saying on stderr which settings to fix, when the Redis of `address_setting`
// refuses the configured credentials or asks for some; a Redis that cannot be reached
// is only logged (it is bypassed until it can be).
bool RedisAccepts(const config::Loader& config, redis::Client& redis,
                  absl::string_view address_setting);

// Starts JSON logs (common/log) at the configured level; false, saying why on stderr,
// when the level is not one.
bool StartLogs(const config::Loader& config, const ProcessSettings& settings);

}  // namespace coopnet::startup

#endif  // COOPNET_COMMON_STARTUP_STARTUP_H_
