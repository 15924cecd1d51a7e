#include "common/startup/startup.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/principal/principal.h"

extern char** environ;

namespace coopnet::startup {

ProcessSettings ProcessSettings::Declare(config::Loader& config, int grpc_port, int metrics_port) {
  return {
      .grpc_address =
          config.String("grpc_address", absl::StrCat("0.0.0.0:", grpc_port), "gRPC listen address"),
      .metrics_address = config.String("metrics_address", absl::StrCat("0.0.0.0:", metrics_port),
                                       "Prometheus /metrics address; empty turns it off"),
      .redis_address = config.String("redis_address", "127.0.0.1:16379", "Redis host:port"),
      .principal_secret = config.Secret("principal_secret", "",
                                        "shared secret (32+ bytes) that signs callers' principals"),
      .log_level = config.String("log_level", "info", "debug, info, warn or error"),
      .drain_timeout = config.Duration("drain_timeout", absl::Seconds(20),
                                       "how long calls in flight may finish after SIGTERM"),
      .max_connection_age = config.Duration("max_connection_age", absl::Minutes(5),
                                            "connections are recycled after this long"),
      .tls = tls::Settings::Declare(config),
  };
}

std::optional<tls::Transport> ProcessSettings::Transport(const config::Loader& config) const {
  absl::StatusOr<tls::Transport> transport = tls::Transport::Create(tls.value());
  if (!transport.ok()) {
    std::cerr << config.program() << ": " << transport.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(transport);
}

bool ProcessSettings::SecretUsable(const config::Loader& config) const {
  if (principal_secret.size() >= principal::kMinSecretBytes) return true;
  std::cerr << config.program() << ": COOPNET_PRINCIPAL_SECRET must be at least "
            << principal::kMinSecretBytes << " bytes\n";
  return false;
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
