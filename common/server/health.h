// coopnet::server::HealthService — grpc.health.v1.Health, NOT_SERVING from the first
// moment until the process says it is ready.
//
// gRPC's built-in health service answers SERVING for the whole server as soon as the
// port opens, before we know the database is reachable and migrated; Kubernetes probes
// and the gateway would route calls to a process that cannot answer them. This one
// starts NOT_SERVING, follows SetServing() and supports Watch for clients that stream.
#ifndef COOPNET_COMMON_SERVER_HEALTH_H_
#define COOPNET_COMMON_SERVER_HEALTH_H_

#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace coopnet::server {

// The service name a liveness probe asks for: SERVING while the process answers at all,
// whatever its dependencies, until it drains. (Readiness, "" and the services, follows
// them: a database outage must take a process out of its Service, not restart it.)
inline constexpr char kLivenessService[] = "liveness";

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  // `services`: the full names that Check answers for, besides "" (the whole process)
  // and kLivenessService.
  explicit HealthService(std::vector<std::string> services);
  ~HealthService() override;

  // Every known service turns SERVING or NOT_SERVING; watchers are told.
  void SetServing(bool serving);

  // NOT_SERVING for good (the process is draining); open Watch streams end.
  void Shutdown();

  bool serving() const;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;

  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;
  grpc::health::v1::HealthCheckResponse::ServingStatus StatusOf(const std::string& service) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void ReapDoneWatchers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::set<std::string> services_;
  mutable absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::server

#endif  // COOPNET_COMMON_SERVER_HEALTH_H_
