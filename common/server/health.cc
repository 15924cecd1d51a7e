#include "common/server/health.h"

#include <memory>

namespace coopnet::server {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// One Watch stream. Writes and Finish happen outside the watcher's lock (gRPC may run
// reactions inline), and `writing_` keeps Finish from racing a write in flight. OnDone
// only marks the watcher done: the owner deletes it under its own lock, so the owner
// never touches a deleted watcher and no reaction ever waits for the owner's lock.
class HealthService::Watcher : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  explicit Watcher(std::string service) : service_(std::move(service)) {}

  const std::string& service() const { return service_; }

  // Sends `status` unless it is what the client saw last; called by the owner.
  void Send(HealthCheckResponse::ServingStatus status) {
    {
      absl::MutexLock lock(&mu_);
      if (finishing_) return;
      if (writing_) {
        next_ = status;
        return;
      }
      if (status == last_sent_) return;
      writing_ = true;
      last_sent_ = status;
      response_.set_status(status);
    }
    StartWrite(&response_);
  }

  // The process is draining: finish once the write in flight, if any, is done.
  void End() { FinishOnce(grpc::Status::OK, /*only_if_idle=*/false); }

  void OnWriteDone(bool ok) override {
    HealthCheckResponse::ServingStatus next;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      next = next_;
      next_ = HealthCheckResponse::UNKNOWN;
      if (!ok) finishing_ = true;
    }
    if (!ok) {
      Finish(grpc::Status::CANCELLED);
      return;
    }
    if (MaybeFinishDeferred()) return;
    if (next != HealthCheckResponse::UNKNOWN) Send(next);
  }

  void OnCancel() override { FinishOnce(grpc::Status::CANCELLED, false); }

  void OnDone() override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }

  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  void FinishOnce(const grpc::Status& status, bool) {
    {
      absl::MutexLock lock(&mu_);
      if (finishing_) return;
      finish_status_ = status;
      finish_requested_ = true;
      if (writing_) return;  // OnWriteDone finishes.
      finishing_ = true;
    }
    Finish(status);
  }

  bool MaybeFinishDeferred() {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!finish_requested_ || finishing_) return false;
      finishing_ = true;
      status = finish_status_;
    }
    Finish(status);
    return true;
  }

  const std::string service_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  HealthCheckResponse response_;
  HealthCheckResponse::ServingStatus last_sent_ ABSL_GUARDED_BY(mu_) = HealthCheckResponse::UNKNOWN;
  HealthCheckResponse::ServingStatus next_ ABSL_GUARDED_BY(mu_) = HealthCheckResponse::UNKNOWN;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

HealthService::HealthService(std::vector<std::string> services)
    : services_(services.begin(), services.end()) {}

HealthService::~HealthService() {
  // The server is gone: every stream has had its OnDone.
  for (Watcher* watcher : watchers_) delete watcher;
}

void HealthService::ReapDoneWatchers() {
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if ((*it)->done()) {
      delete *it;
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
}

HealthCheckResponse::ServingStatus HealthService::StatusOf(const std::string& service) const {
  if (service == kLivenessService) {
    return shut_down_ ? HealthCheckResponse::NOT_SERVING : HealthCheckResponse::SERVING;
  }
  if (!service.empty() && services_.count(service) == 0)
    return HealthCheckResponse::SERVICE_UNKNOWN;
  return serving_ && !shut_down_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

bool HealthService::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_ && !shut_down_;
}

void HealthService::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_ || serving_ == serving) return;
  serving_ = serving;
  ReapDoneWatchers();
  for (Watcher* watcher : watchers_) watcher->Send(StatusOf(watcher->service()));
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  ReapDoneWatchers();
  for (Watcher* watcher : watchers_) {
    watcher->Send(StatusOf(watcher->service()));
    watcher->End();
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  auto* reactor = context->DefaultReactor();
  HealthCheckResponse::ServingStatus status;
  {
    absl::MutexLock lock(&mu_);
    status = StatusOf(request->service());
  }
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + request->service()));
  } else {
    response->set_status(status);
    reactor->Finish(grpc::Status::OK);
  }
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  auto* watcher = new Watcher(request->service());
  HealthCheckResponse::ServingStatus status;
  bool shut_down;
  {
    absl::MutexLock lock(&mu_);
    ReapDoneWatchers();
    watchers_.insert(watcher);
    status = StatusOf(request->service());
    shut_down = shut_down_;
  }
  watcher->Send(status);
  if (shut_down) watcher->End();
  return watcher;
}

}  // namespace coopnet::server
