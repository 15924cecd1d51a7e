// coopnet::client — every call a process makes to another counted as go-grpc-prometheus
// counts it (grpc_client_started_total, grpc_client_handled_total{grpc_code}, ...; see
// metrics::GrpcClientMetrics), by a client interceptor on the channel, so that an
// operator sees how a process's peers answer it beside how it answers its own callers.
//
// Every channel of ours is made by MeasuredChannel: ServiceChannel's to peer services and
// the gateway's to its backends.
//
//   grpc::ChannelArguments arguments;
//   arguments.SetLoadBalancingPolicyName("round_robin");
//   std::shared_ptr<grpc::Channel> channel = client::MeasuredChannel("dns:///events:50052",
//                                                                    arguments);
#ifndef COOPNET_COMMON_CLIENT_CALL_METRICS_H_
#define COOPNET_COMMON_CLIENT_CALL_METRICS_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <string>

#include "common/metrics/metrics.h"

namespace coopnet::client {

// Adds to a channel an interceptor that counts each of its calls in `metrics`, which
// must outlive the channel. A call made through a generic stub's bidirectional stream
// is labelled with its method's real type when the method's descriptor is linked in.
class CallMetricsInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit CallMetricsInterceptorFactory(metrics::GrpcClientMetrics& metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override;

 private:
  metrics::GrpcClientMetrics& metrics_;
};

// grpc::CreateCustomChannel with every call counted in `metrics`; plaintext unless
// `credentials` are given (TLS, see common/tls).
std::shared_ptr<grpc::Channel> MeasuredChannel(
    const std::string& target, const grpc::ChannelArguments& arguments,
    metrics::GrpcClientMetrics& metrics = metrics::GrpcClientMetrics::Shared(),
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace coopnet::client

#endif  // COOPNET_COMMON_CLIENT_CALL_METRICS_H_
