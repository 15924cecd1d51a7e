#include "common/startup/startup.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

extern char** environ;

namespace coopnet::startup {

ProcessSettings ProcessSettings::Declare(config::Loader& config, int grpc_port, int metrics_port) {
  return {
      .grpc_address =
          config.String("grpc_address", absl::StrCat("0.0.0.0:", grpc_port), "gRPC listen address"),
      .metrics_address = config.String("metrics_address", absl::StrCat("0.0.0.0:", metrics_port),
                                       "Prometheus /metrics address; empty turns it off"),
      .redis_address = config.String("redis_address", "127.0.0.1:16379", "Redis host:port"),
      .redis_username =
          config.String("redis_username", "", "Redis ACL user (empty: the default user)"),
      .redis_password = config.Secret("redis_password", "",
                                      "Redis password, sent with AUTH on every connection "
                                      "(empty: none)"),
      .principal_keys = config.Secret(
          "principal_keys", "",
          "keys that sign and verify callers' principals: kid:issuer:secret entries (secrets of "
          "32+ bytes) separated by commas or new lines; a process signs with the first of its "
          "own issuer and accepts them all"),
      .log_level = config.String("log_level", "info", "debug, info, warn or error"),
      .drain_timeout = config.Duration("drain_timeout", absl::Seconds(20),
                                       "how long calls in flight may finish after SIGTERM"),
      .max_connection_age = config.Duration("max_connection_age", absl::Minutes(5),
                                            "connections are recycled after this long"),
      .tls = tls::Settings::Declare(config),
  };
}

std::optional<principal::KeySet> ProcessSettings::PrincipalKeys(
    const config::Loader& config) const {
  if (principal_keys.empty()) {
    std::cerr << config.program()
              << ": COOPNET_PRINCIPAL_KEYS (or COOPNET_PRINCIPAL_KEYS_FILE) is required: "
                 "kid:issuer:secret entries\n";
    return std::nullopt;
  }
  absl::StatusOr<principal::KeySet> keys = principal::KeySet::Parse(principal_keys);
  if (!keys.ok()) {
    std::cerr << config.program() << ": COOPNET_PRINCIPAL_KEYS " << keys.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(keys);
}

redis::ClientOptions ProcessSettings::Redis(const std::string& address) const {
  return {.address = address, .username = redis_username, .password = redis_password};
}

bool RedisAccepts(const config::Loader& config, redis::Client& redis,
                  absl::string_view address_setting) {
  const absl::Status access = redis.CheckAccess();
  if (absl::IsUnauthenticated(access)) {
    std::cerr
        << config.program() << ": " << access.message() << ": check "
        << "COOPNET_REDIS_USERNAME and COOPNET_REDIS_PASSWORD (or COOPNET_REDIS_PASSWORD_FILE)"
        << " for the Redis of " << address_setting << "\n";
    return false;
  }
  if (!access.ok()) {
    log::Warn(
        "redis cannot be reached; bypassed until it can",
        {{"setting", std::string(address_setting)}, {"error", std::string(access.message())}});
  }
  return true;
}

std::optional<tls::Transport> ProcessSettings::Transport(const config::Loader& config) const {
  absl::StatusOr<tls::Transport> transport = tls::Transport::Create(tls.value());
  if (!transport.ok()) {
    std::cerr << config.program() << ": " << transport.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(transport);
}

std::optional<int> Load(config::Loader& config, int argc, char** argv) {
  if (absl::Status s = config.Load(argc, argv, environ); !s.ok()) {
    std::cerr << config.program() << ": " << s.message() << "\n";
    return 2;
  }
  if (config.HelpRequested()) return 0;
  return std::nullopt;
}

bool StartLogs(const config::Loader& config, const ProcessSettings& settings) {
  absl::StatusOr<log::Level> level = log::ParseLevel(settings.log_level);
  if (!level.ok()) {
    std::cerr << config.program() << ": COOPNET_LOG_LEVEL " << level.status().message() << "\n";
    return false;
  }
  log::Init(config.program(), *level);
  return true;
}

}  // namespace coopnet::startup
