#include "common/client/call_metrics.h"

#include <grpcpp/create_channel.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace coopnet::client {
namespace {

using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;

// A generic stub streams every method as bidirectional, whatever the method is; its
// descriptor, when linked in, says what it really is, so that the client's series carry
// the grpc_type the server's do.
metrics::GrpcType DeclaredStreamingType(absl::string_view full_method) {
  if (!full_method.empty() && full_method[0] == '/') full_method.remove_prefix(1);
  const size_t slash = full_method.find('/');
  if (slash == absl::string_view::npos) return metrics::GrpcType::kBidiStream;
  const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrCat(full_method.substr(0, slash), ".", full_method.substr(slash + 1)));
  if (method == nullptr) return metrics::GrpcType::kBidiStream;
  if (method->client_streaming() && method->server_streaming()) {
    return metrics::GrpcType::kBidiStream;
  }
  if (method->client_streaming()) return metrics::GrpcType::kClientStream;
  if (method->server_streaming()) return metrics::GrpcType::kServerStream;
  return metrics::GrpcType::kUnary;
}

metrics::GrpcType TypeOf(const ClientRpcInfo& info) {
  switch (info.type()) {
    case ClientRpcInfo::Type::UNARY:
      return metrics::GrpcType::kUnary;
    case ClientRpcInfo::Type::CLIENT_STREAMING:
      return metrics::GrpcType::kClientStream;
    case ClientRpcInfo::Type::SERVER_STREAMING:
      return metrics::GrpcType::kServerStream;
    default:
      return DeclaredStreamingType(info.method() != nullptr ? info.method() : "");
  }
}

class CallMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(ClientRpcInfo* info, metrics::GrpcClientMetrics& metrics)
      : metrics_(metrics.For(info->method() != nullptr ? info->method() : "", TypeOf(*info))),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      metrics_.Started();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      metrics_.MsgSent();
    }
    // A read that found the stream's end comes here too, without a message.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() != nullptr) {
      metrics_.MsgReceived();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS)) {
      const grpc::StatusCode code = methods->GetRecvStatus()->error_code();
      metrics_.Handled(metrics::GoCodeName(static_cast<absl::StatusCode>(code)),
                       absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  metrics::GrpcMetrics::Method& metrics_;
  const absl::Time start_;
};

}  // namespace

grpc::experimental::Interceptor* CallMetricsInterceptorFactory::CreateClientInterceptor(
    ClientRpcInfo* info) {
  return new CallMetricsInterceptor(info, metrics_);
}

std::shared_ptr<grpc::Channel> MeasuredChannel(
    const std::string& target, const grpc::ChannelArguments& arguments,
    metrics::GrpcClientMetrics& metrics, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallMetricsInterceptorFactory>(metrics));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials ? std::move(credentials) : grpc::InsecureChannelCredentials(), arguments,
      std::move(factories));
}

}  // namespace coopnet::client
