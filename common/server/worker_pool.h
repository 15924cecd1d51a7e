// coopnet::server::WorkerPool — where blocking work (libpq, hiredis) runs, so that it
// never ties up gRPC's own threads.
//
// Its size matches the database pool: more workers would only wait for connections. The
// queue is bounded, so an overloaded service answers RESOURCE_EXHAUSTED at once instead
// of piling up calls that will time out anyway.
//
//   WorkerPool workers(/*threads=*/8, /*queue_capacity=*/256);
//   if (!workers.TrySubmit([] { ... })) { /* busy: refuse the call */ }
#ifndef COOPNET_COMMON_SERVER_WORKER_POOL_H_
#define COOPNET_COMMON_SERVER_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace coopnet::server {

class WorkerPool {
 public:
  WorkerPool(int threads, int queue_capacity);
  // Runs what is queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` dropped) when the queue is full or the pool stopped.
  bool TrySubmit(std::function<void()> task);

  // Tasks waiting for a thread, and threads busy with one.
  int queued() const;
  int busy() const;
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void Work();
  bool HasWorkOrStopping() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace coopnet::server

#endif  // COOPNET_COMMON_SERVER_WORKER_POOL_H_
