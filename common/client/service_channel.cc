#include "common/client/service_channel.h"

#include "absl/strings/str_cat.h"
#include "common/client/call_metrics.h"
#include "common/status/status.h"

namespace coopnet::client {

ServiceChannel::ServiceChannel(ChannelOptions options, principal::Signer signer,
                               metrics::GrpcClientMetrics& metrics)
    : options_(std::move(options)), signer_(std::move(signer)) {
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  // Notice a dead peer (a pod gone without a goodbye) before a call has to.
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  options_.transport.NamePeer(options_.callee, arguments);
  channel_ = MeasuredChannel(options_.address, arguments, metrics,
                             options_.transport.ChannelCredentials(options_.callee));
}

void ServiceChannel::Prepare(grpc::ClientContext& context, absl::Time call_deadline) const {
  PrepareOnBehalfOf(context, principal::Service(options_.caller), call_deadline);
}

void ServiceChannel::PrepareOnBehalfOf(grpc::ClientContext& context,
                                       const principal::Principal& caller,
                                       absl::Time call_deadline) const {
  const absl::Time deadline = std::min(absl::Now() + options_.deadline, call_deadline);
  context.set_deadline(absl::ToChronoTime(deadline));
  // Sealed for this peer and this call only: the peer refuses it from anyone else, later
  // or a second time, and every call, retries included, gets here with a new context.
  signer_.Attach(caller, options_.callee, context);
}

absl::Status ServiceChannel::Failure(const grpc::Status& status, absl::string_view method) const {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::ABORTED:
      return status::Error(
          absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
          absl::StrCat("the ", options_.callee, " service cannot answer ", method, " now (",
                       status::CodeName(static_cast<absl::StatusCode>(status.error_code())),
                       "); retry later"),
          {{"service", options_.callee}, {"method", std::string(method)}});
    default:
      return status::FromGrpc(status);
  }
}

}  // namespace coopnet::client
