// coopnet::gateway::Forwarder — the backends' side of every call through the gateway,
// whichever protocol it came in by.
//
// A call goes to the backend serving its method's package, as the bytes it came in as,
// with the caller's deadline (unary calls at most `call_timeout`), the metadata the
// front passes on, and the verified caller as the signed Principal. A backend that cannot
// be reached answers UNAVAILABLE with reason BACKEND_UNAVAILABLE, naming it. Every call
// in flight is known, so that a drain can cancel what is left.
//
//   Upstream upstream{.caller = *caller, .metadata = {{"accept-language", "da"}}};
//   forwarder.Prepare(method, upstream, context);
//   forwarder.Unary(method, &context, &request, &response, [](grpc::Status s) { ... });
#ifndef COOPNET_SERVICES_GATEWAY_FORWARDER_H_
#define COOPNET_SERVICES_GATEWAY_FORWARDER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/client/byte_buffer.h"
#include "common/principal/principal.h"
#include "google/protobuf/message.h"
#include "services/gateway/answer_cache.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/backends.h"

namespace coopnet::gateway {

// What goes to the backend with a request, besides its bytes.
struct Upstream {
  principal::Principal caller;
  // Passed on as they are: `accept-language`, `traceparent`, ...
  std::vector<std::pair<std::string, std::string>> metadata;
  absl::Time deadline = absl::InfiniteFuture();
};

class Forwarder {
 public:
  // `backends` must outlive this. `answers` keeps answers to anonymous public reads.
  Forwarder(Backends& backends, principal::Signer signer, absl::Duration call_timeout,
            AnswerCache::Options answers = {});
  // Waits until no call is in flight.
  ~Forwarder();

  // Sets the deadline, the metadata and the signed principal of a call of `method`.
  void Prepare(const ApiMethod& method, const Upstream& upstream,
               grpc::ClientContext& context) const;

  // Prepares and sends a unary call; `done` gets the backend's status (see Answer), on a
  // gRPC thread. An anonymous public read asked again within the answer cache's time is
  // answered from it instead, and `done` runs at once, on this thread. `request` and
  // `response` must live until `done`.
  void Unary(const ApiMethod& method, const Upstream& upstream,
             std::shared_ptr<grpc::ClientContext> context, const grpc::ByteBuffer* request,
             grpc::ByteBuffer* response, std::function<void(grpc::Status)> done);

  // The answer cache's key for a call: empty when its answer may not be kept (the cache
  // is off, the caller is not anonymous, the method is not a public read, or the request
  // carries fields its method does not know).
  std::string AnswerKey(const ApiMethod& method, const Upstream& upstream,
                        const grpc::ByteBuffer& request) const;
  const AnswerCache::Options& answer_options() const { return answers_.options(); }
  const AnswerCache& answers() const { return answers_; }

  // Ties a streaming call of `method` to `reactor`, which then starts it (StartCall) and
  // must call Finished(context) from its OnDone, after its last use of anything of the
  // gateway's (the forwarder, the front, an HTTP exchange): once no call is in flight
  // the gateway may be torn down.
  void PrepareStream(const ApiMethod& method, const std::shared_ptr<grpc::ClientContext>& context,
                     grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* reactor);
  void Finished(grpc::ClientContext* context);

  // What the caller is told of a backend's `status`: as it is, except that a failure of
  // the connection (UNAVAILABLE without details) names the backend.
  grpc::Status Answer(const ApiMethod& method, const grpc::Status& status) const;

  // Cancels every call still in flight, which then ends on its own, and every call
  // started from now on: the end of a drain.
  void CancelAll();

  // Waits until no call is in flight or `deadline` passes; true when none is.
  bool WaitUntilIdle(absl::Time deadline);

 private:
  void Track(const std::shared_ptr<grpc::ClientContext>& context);

  Backends& backends_;
  const principal::Signer signer_;
  const absl::Duration call_timeout_;
  AnswerCache answers_;
  absl::Mutex mu_;
  // Weak, so that CancelAll can hold a call's context alive without holding mu_ while
  // gRPC runs the call's reactions.
  absl::flat_hash_map<grpc::ClientContext*, std::weak_ptr<grpc::ClientContext>> in_flight_
      ABSL_GUARDED_BY(mu_);
  bool cancelling_ ABSL_GUARDED_BY(mu_) = false;
};

using client::FromBuffer;
using client::ToBuffer;

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_FORWARDER_H_
