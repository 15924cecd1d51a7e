// coopnet::gateway — the services behind the gateway, one per API package.
//
// Which process answers which package is configuration (COOPNET_BACKENDS), so a new
// service plugs in without a change here:
//
//   coopnet.organisations.v1=127.0.0.1:50051,coopnet.events.v1=dns:///events:50052
//
// Each backend gets one channel (round robin over every address a `dns:///` name
// resolves to, reconnecting quickly after the peer returns, every call counted in
// grpc_client_*) and is asked for its health every `check_interval`; the gateway is
// SERVING only while every backend is.
//
//   COOPNET_ASSIGN_OR_RETURN(auto addresses, ParseBackends(config_value));
//   Backends backends(addresses, absl::Seconds(1));
//   backends.StartHealthChecks([&](bool all) { health.SetServing(all); });
#ifndef COOPNET_SERVICES_GATEWAY_BACKENDS_H_
#define COOPNET_SERVICES_GATEWAY_BACKENDS_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "common/tls/tls.h"

namespace coopnet::gateway {

struct BackendAddress {
  // The API package it serves: `coopnet.events.v1`.
  std::string package;
  // gRPC target: `host:port` or `dns:///name:port`.
  std::string address;
};

// `package=address` pairs separated by commas; INVALID_ARGUMENT naming the first
// malformed or repeated entry.
absl::StatusOr<std::vector<BackendAddress>> ParseBackends(absl::string_view text);

// The short name of a package's service: `events` for `coopnet.events.v1`.
std::string ServiceNameOf(absl::string_view package);

class Backend {
 public:
  // `metrics` counts the calls to it and must outlive it. Over TLS (`transport`), the
  // backend's certificate must name its service (`events`).
  explicit Backend(BackendAddress address,
                   metrics::GrpcClientMetrics& metrics = metrics::GrpcClientMetrics::Shared(),
                   const tls::Transport& transport = tls::Transport());

  const BackendAddress& address() const { return address_; }
  // `events`: for errors and logs.
  const std::string& name() const { return name_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  grpc::GenericStub& stub() { return stub_; }
  // The answer of its last health check.
  bool serving() const { return serving_.load(); }
  void set_serving(bool serving) { serving_.store(serving); }

 private:
  const BackendAddress address_;
  const std::string name_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::atomic<bool> serving_{false};
};

class Backends {
 public:
  Backends(const std::vector<BackendAddress>& addresses, absl::Duration check_interval,
           metrics::GrpcClientMetrics& metrics = metrics::GrpcClientMetrics::Shared(),
           const tls::Transport& transport = tls::Transport());
  // Stops the health checks.
  ~Backends();
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // In the order given; the index is ApiMethod::backend.
  Backend& at(int index) { return *backends_[index]; }
  int size() const { return static_cast<int>(backends_.size()); }
  std::vector<std::string> packages() const;

  // Checks every backend now and then every check_interval, calling `on_change` with
  // whether all of them are SERVING whenever that changes (and after the first round).
  void StartHealthChecks(std::function<void(bool all_serving)> on_change);
  void StopHealthChecks();

 private:
  std::vector<std::unique_ptr<Backend>> backends_;
  const absl::Duration check_interval_;
  absl::Notification stopping_;
  std::thread checker_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_BACKENDS_H_
