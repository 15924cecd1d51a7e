// coopnet — the command-line client for coopnet's gRPC services.
//
//   coopnet health 127.0.0.1:50051 [SERVICE]       SERVING / NOT_SERVING (exit 0 if serving)
//   coopnet wait 127.0.0.1:50051 [SECONDS]         waits until SERVING (default 60 s)
//   coopnet list 127.0.0.1:50051                   services, through server reflection
//   coopnet call 127.0.0.1:50051 pkg.Service/Method '{"json": "request"}'
//
// `call` through the gateway sends COOPNET_API_KEY, when set, as `authorization: Bearer`
// (the gateway checks it and signs the caller), or nothing with COOPNET_CALLER=anonymous
// (an anonymous caller). Straight to a service, `call` signs its
// principal for that service with the first key of COOPNET_PRINCIPAL_KEYS, as that key's
// issuer: an administrator, or with
// COOPNET_CALLER=anonymous | organisations/{id} (an API key of that organisation with
// the read and write scopes). COOPNET_TRACEPARENT, when set, is sent as the W3C
// `traceparent` so the call can be found in the service's logs. Answers and errors
// (google.rpc.Status with its details) are printed as JSON. COOPNET_TLS_CA_FILE turns TLS
// on (see coopnet::cli::Connect).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/sync_stream.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/cli/call.h"

namespace {

using coopnet::cli::FromBuffer;
using coopnet::cli::ToBuffer;
using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

constexpr char kUsage[] =
    "usage: coopnet health ADDRESS [SERVICE]\n"
    "       coopnet wait ADDRESS [SECONDS]\n"
    "       coopnet list ADDRESS\n"
    "       coopnet call ADDRESS package.Service/Method JSON\n";

using coopnet::cli::Connect;

int PrintError(const grpc::Status& status) {
  std::cerr << coopnet::cli::DescribeError(status);
  return 1;
}

grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& address,
                                                            const std::string& service,
                                                            grpc::Status* status) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  *status =
      grpc::health::v1::Health::NewStub(Connect(address))->Check(&context, request, &response);
  return response.status();
}

int HealthCommand(const std::string& address, const std::string& service) {
  grpc::Status status;
  auto serving = Health(address, service, &status);
  if (!status.ok()) return PrintError(status);
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(serving) << "\n";
  return serving == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

int WaitCommand(const std::string& address, int seconds) {
  const absl::Time deadline = absl::Now() + absl::Seconds(seconds);
  auto channel = Connect(address);
  while (absl::Now() < deadline) {
    grpc::Status status;
    if (Health(address, "", &status) == grpc::health::v1::HealthCheckResponse::SERVING) {
      std::cout << "SERVING\n";
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::cerr << address << " was not SERVING within " << seconds << " s\n";
  return 1;
}

// Server reflection through the descriptors that libgrpc++_reflection registers, so no
// copy of reflection.proto is needed.
int ListCommand(const std::string& address) {
  const auto* pool = DescriptorPool::generated_pool();
  const auto* request_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const auto* response_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  if (request_type == nullptr || response_type == nullptr) {
    std::cerr << "reflection descriptors are not linked in\n";
    return 1;
  }
  std::unique_ptr<Message> request(
      MessageFactory::generated_factory()->GetPrototype(request_type)->New());
  std::unique_ptr<Message> response(
      MessageFactory::generated_factory()->GetPrototype(response_type)->New());
  request->GetReflection()->SetString(request.get(), request_type->FindFieldByName("list_services"),
                                      "*");

  auto channel = Connect(address);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::internal::RpcMethod method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   grpc::internal::RpcMethod::BIDI_STREAMING);
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(), method, &context));
  stream->Write(ToBuffer(*request));
  stream->WritesDone();
  grpc::ByteBuffer buffer;
  const bool got = stream->Read(&buffer);
  grpc::Status status = stream->Finish();
  if (!got || !status.ok()) return PrintError(status);
  if (!FromBuffer(buffer, *response))
    return PrintError(grpc::Status(grpc::StatusCode::INTERNAL, "bad reply"));
  const auto* list_field = response_type->FindFieldByName("list_services_response");
  const Message& list = response->GetReflection()->GetMessage(*response, list_field);
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const Message& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    std::cout << service.GetReflection()->GetString(
                     service, service.GetDescriptor()->FindFieldByName("name"))
              << "\n";
  }
  return 0;
}

int CallCommand(const std::string& address, const std::string& method, const std::string& json) {
  const coopnet::cli::CallResult result = coopnet::cli::CallJson(*Connect(address), method, json);
  if (!result.sent) {
    std::cerr << result.status.error_message() << "\n";
    return 2;
  }
  if (!result.status.ok()) return PrintError(result.status);
  std::cout << result.json;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Keeps libgrpc++_reflection (and the descriptors `list` needs) linked.
  (void)&grpc::reflection::InitProtoReflectionServerBuilderPlugin;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "health")
    return HealthCommand(args[1], args.size() > 2 ? args[2] : "");
  if (args.size() >= 2 && args[0] == "wait") {
    int seconds = 60;
    if (args.size() > 2 && !absl::SimpleAtoi(args[2], &seconds)) {
      std::cerr << kUsage;
      return 2;
    }
    return WaitCommand(args[1], seconds);
  }
  if (args.size() == 2 && args[0] == "list") return ListCommand(args[1]);
  if (args.size() == 4 && args[0] == "call") return CallCommand(args[1], args[2], args[3]);
  std::cerr << kUsage;
  return 2;
}
