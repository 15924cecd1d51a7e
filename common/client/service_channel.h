// coopnet::client — calling another coopnet service the way every service should: a
// channel balanced over the peer's replicas, a deadline on every call (never later than
// the deadline of the call being served), our own SERVICE principal sealed for the peer
// and the call, every call counted in grpc_client_* (call_metrics.h), and the peer's
// failures turned into what our caller should see.
//
//   client::ServiceChannel organisations({.address = "127.0.0.1:50051",
//                                         .caller = "events", .callee = "organisations"},
//                                        *server.signer());
//   auto stub = organisations::v1::OrganisationService::NewStub(organisations.channel());
//   grpc::ClientContext context;
//   organisations.Prepare(context, call.deadline);
//   grpc::Status s = stub->GetOrganisation(&context, request, &organisation);
//   if (!s.ok()) return organisations.Failure(s, "GetOrganisation");
#ifndef COOPNET_COMMON_CLIENT_SERVICE_CHANNEL_H_
#define COOPNET_COMMON_CLIENT_SERVICE_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "common/principal/principal.h"
#include "common/tls/tls.h"

namespace coopnet::client {

// Where a peer process is and the longest a call to it may take: what a service's
// settings say of each peer it calls (`<peer>_address`, `<peer>_deadline`).
struct Peer {
  // gRPC target: "host:port", or "dns:///name:port" for every replica behind a headless
  // Kubernetes Service (calls are spread round robin).
  std::string address = "";
  absl::Duration deadline = absl::Seconds(2);
};

struct ChannelOptions {
  // gRPC target: "host:port", or "dns:///name:port" for every replica behind a headless
  // Kubernetes Service (calls are spread round robin).
  std::string address = "";
  // Our own name, signed as the SERVICE principal: `events`.
  std::string caller = "";
  // The peer's name: the audience of our principals, and for errors and logs:
  // `organisations`.
  std::string callee = "";
  // The longest a call may take.
  absl::Duration deadline = absl::Seconds(2);
  // What the channel connects with: over TLS, the peer's certificate must name `callee`.
  tls::Transport transport = tls::Transport();
};

// One channel to one peer service. Thread-safe; connects lazily, so a peer that is down
// at start costs nothing until it is called.
class ServiceChannel {
 public:
  // `metrics` must outlive the channel.
  ServiceChannel(ChannelOptions options, principal::Signer signer,
                 metrics::GrpcClientMetrics& metrics = metrics::GrpcClientMetrics::Shared());

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const ChannelOptions& options() const { return options_; }

  // Sets the deadline (options.deadline from now, or `call_deadline` when sooner: the
  // call we serve is of no use to anybody after it) and attaches our principal, sealed
  // for this one call: a context is never used twice.
  void Prepare(grpc::ClientContext& context,
               absl::Time call_deadline = absl::InfiniteFuture()) const;

  // The same, signed as `caller` (the verified principal of the call we serve) instead
  // of as ourselves: the peer then applies its own rules about what that caller may see.
  void PrepareOnBehalfOf(grpc::ClientContext& context, const principal::Principal& caller,
                         absl::Time call_deadline = absl::InfiniteFuture()) const;

  // What a failed call to the peer means for our caller. When the peer could not answer
  // (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, CANCELLED,
  // ABORTED), UNAVAILABLE with reason DEPENDENCY_UNAVAILABLE naming the peer and
  // `method`: the request may succeed later, and it was not the caller's fault. Any other
  // answer is returned as the peer gave it (status::FromGrpc), for the calling code to
  // interpret: a NOT_FOUND usually means something about our caller's input.
  absl::Status Failure(const grpc::Status& status, absl::string_view method) const;

 private:
  const ChannelOptions options_;
  const principal::Signer signer_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace coopnet::client

#endif  // COOPNET_COMMON_CLIENT_SERVICE_CHANNEL_H_
