// Reads a server-streaming Watch call on a thread of its own, so that a test can make
// changes meanwhile and then wait for them to arrive.
//
//   testing::Watcher<v1::EventChange> watcher(caller, [&](grpc::ClientContext* context) {
//     v1::WatchEventsRequest request;
//     request.set_cursor("0");
//     return stub->WatchEvents(context, request);
//   });
//   std::vector<v1::EventChange> changes = watcher.Await(2);
#ifndef COOPNET_TESTS_HARNESS_WATCHER_H_
#define COOPNET_TESTS_HARNESS_WATCHER_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tests/harness/organisations_stack.h"

namespace coopnet::testing {

template <typename Change>
class Watcher {
 public:
  using Open =
      std::function<std::unique_ptr<grpc::ClientReader<Change>>(grpc::ClientContext* context)>;

  // Opens the watch as `caller` (signed, 60 s deadline) and starts reading.
  Watcher(const principal::Principal& caller, const Open& open) {
    OrganisationsStack::Sign(context_, caller);
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    reader_ = open(&context_);
    thread_ = std::thread([this] {
      Change change;
      while (reader_->Read(&change)) {
        absl::MutexLock lock(&mu_);
        changes_.push_back(change);
      }
    });
  }

  ~Watcher() {
    context_.TryCancel();
    Finish();
  }

  // The changes received so far, once there are `count` or `timeout` passed.
  std::vector<Change> Await(size_t count, absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return changes_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return changes_;
  }

  // How the watch ended, once it has.
  grpc::Status Finish() {
    if (thread_.joinable()) thread_.join();
    if (!finished_) status_ = reader_->Finish();
    finished_ = true;
    return status_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Change>> reader_;
  std::thread thread_;
  bool finished_ = false;
  grpc::Status status_;
  absl::Mutex mu_;
  std::vector<Change> changes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_WATCHER_H_
