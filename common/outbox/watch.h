// coopnet::outbox::Watchers — a server-streaming Watch method over a service's change
// stream: each caller gets the changes relayed after its cursor, as they come.
//
//   outbox::Watchers<v1::EventChange> watchers_(server, {.redis = ..., .stream = ...},
//                                               DecodeChange, CanSee);
//   grpc::ServerWriteReactor<v1::EventChange>* WatchEvents(
//       grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) override {
//     return watchers_.Start(context, request->cursor());
//   }
//
// Each watch has a thread and a Redis connection of its own (XREAD BLOCK holds it), so
// their number is bounded by max_watchers.
#ifndef COOPNET_COMMON_OUTBOX_WATCH_H_
#define COOPNET_COMMON_OUTBOX_WATCH_H_

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/outbox/stream.h"
#include "common/server/server.h"
#include "common/status/status.h"

namespace coopnet::outbox {

struct WatchOptions {
  // The Redis of the streams, and how to connect to it (each watch has a connection).
  redis::ClientOptions redis = {};
  std::string stream = "";
  // Watches at once; one more is RESOURCE_EXHAUSTED.
  int max_watchers = 64;
  // How long one XREAD waits: also how soon a cancelled watch notices.
  absl::Duration block = absl::Seconds(1);
};

// What every Watchers<Change> shares whatever it streams: who may watch, how many watch,
// and reading the stream. Thread-safe; destruction ends every watch and waits for it.
class WatchRegistry {
 public:
  WatchRegistry(server::Server& server, WatchOptions options);
  ~WatchRegistry();
  WatchRegistry(const WatchRegistry&) = delete;
  WatchRegistry& operator=(const WatchRegistry&) = delete;

  // Verifies the caller (UNAUTHENTICATED, or PERMISSION_DENIED without the read scope),
  // the cursor (INVALID_ARGUMENT) and the number of watches (RESOURCE_EXHAUSTED). On OK
  // the watch is counted until Leave.
  absl::StatusOr<server::Call> Admit(grpc::CallbackServerContext* context,
                                     absl::string_view cursor);
  void Leave();

  // Reads the stream after `cursor` (empty: after its newest entry) and hands each entry
  // to `deliver`, moving `cursor` past it, until `deliver` returns false or `cancelled`
  // does not; the status to end the call with (UNAVAILABLE naming the cursor to resume
  // from when Redis fails or the server stops).
  absl::Status Pump(std::string& cursor, const std::function<bool()>& cancelled,
                    const std::function<bool(const StreamEntry&)>& deliver);

  const std::string& error_domain() const { return server_.options().error_domain; }

 private:
  bool stopping() const;

  server::Server& server_;
  const WatchOptions options_;

  mutable absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// Streams the `Change` messages `decode` makes of the stream's entries (nullopt skips an
// entry: a type this version does not know, or another kind of change) that `may_see`
// lets the caller see.
template <typename Change>
class Watchers {
 public:
  using Decode = std::function<std::optional<Change>(const StreamEntry&)>;
  using Filter = std::function<bool(const server::Call&, const Change&)>;

  Watchers(server::Server& server, WatchOptions options, Decode decode, Filter may_see)
      : decode_(std::move(decode)),
        may_see_(std::move(may_see)),
        registry_(server, std::move(options)) {}

  grpc::ServerWriteReactor<Change>* Start(grpc::CallbackServerContext* context,
                                          const std::string& cursor) {
    absl::StatusOr<server::Call> call = registry_.Admit(context, cursor);
    if (!call.ok()) return new Reactor(call.status(), registry_.error_domain());
    auto* reactor = new Reactor(*this, *std::move(call), cursor);
    std::thread([reactor] { reactor->Run(); }).detach();
    return reactor;
  }

 private:
  // One watch. The gRPC library calls OnWriteDone, OnCancel and OnDone; the watch's own
  // thread reads the stream and writes, one message at a time. The thread touches the
  // reactor for the last time when it calls Finish; OnDone (which deletes it) comes after.
  class Reactor : public grpc::ServerWriteReactor<Change> {
   public:
    // A watch refused before it starts.
    Reactor(const absl::Status& refusal, const std::string& domain) {
      this->Finish(status::ToGrpc(refusal, domain));
    }

    Reactor(Watchers& owner, server::Call call, std::string cursor)
        : owner_(&owner), call_(std::move(call)), cursor_(std::move(cursor)) {}

    void Run() {
      WatchRegistry& registry = owner_->registry_;
      const absl::Status end = registry.Pump(
          cursor_, [this] { return Cancelled(); },
          [this](const StreamEntry& entry) {
            std::optional<Change> change = owner_->decode_(entry);
            if (!change || !owner_->may_see_(call_, *change)) return true;
            return Send(*change);
          });
      this->Finish(status::ToGrpc(end, registry.error_domain()));
      registry.Leave();
    }

    void OnWriteDone(bool ok) override {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;
    }

    void OnCancel() override {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }

    void OnDone() override { delete this; }

   private:
    bool Cancelled() {
      absl::MutexLock lock(&mu_);
      return cancelled_;
    }

    // Writes `change` and waits until it is sent; false when the watch ended meanwhile.
    bool Send(const Change& change) {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return false;
      writing_ = true;
      message_ = change;
      this->StartWrite(&message_);
      mu_.Await(absl::Condition(
          +[](bool* writing) { return !*writing; }, &writing_));
      return !cancelled_;
    }

    Watchers* owner_ = nullptr;
    server::Call call_;
    std::string cursor_;
    Change message_;

    absl::Mutex mu_;
    bool writing_ ABSL_GUARDED_BY(mu_) = false;
    bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  };

  const Decode decode_;
  const Filter may_see_;
  // Last, so that it is destroyed first: it waits for the watches, which use the above.
  WatchRegistry registry_;
};

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_WATCH_H_
