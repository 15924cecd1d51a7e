// coopnet — the command-line client for coopnet's gRPC services.
//
//   coopnet health 127.0.0.1:50051 [SERVICE]       SERVING / NOT_SERVING (exit 0 if serving)
//   coopnet wait 127.0.0.1:50051 [SECONDS]         waits until SERVING (default 60 s)
//   coopnet list 127.0.0.1:50051                   services, through server reflection
//   coopnet call 127.0.0.1:50051 pkg.Service/Method '{"json": "request"}'
//
// `call` through the gateway sends COOPNET_API_KEY, when set, as `authorization: Bearer`
// (the gateway checks it and signs the caller). Straight to a service, `call` signs its
// principal with COOPNET_PRINCIPAL_SECRET: an administrator, or with
// COOPNET_CALLER=anonymous | organisations/{id} (an API key of that organisation with
// the read and write scopes). COOPNET_TRACEPARENT, when set, is sent as the W3C
// `traceparent` so the call can be found in the service's logs. Answers and errors
// (google.rpc.Status with its details) are printed as JSON.
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
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

constexpr char kUsage[] =
    "usage: coopnet health ADDRESS [SERVICE]\n"
    "       coopnet wait ADDRESS [SECONDS]\n"
    "       coopnet list ADDRESS\n"
    "       coopnet call ADDRESS package.Service/Method JSON\n";

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

grpc::ByteBuffer ToBuffer(const Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool FromBuffer(const grpc::ByteBuffer& buffer, Message& message) {
  grpc::Slice slice;
  if (!buffer.TrySingleSlice(&slice).ok() && !buffer.DumpToSingleSlice(&slice).ok()) return false;
  return message.ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

std::string Json(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

int PrintError(const grpc::Status& status) {
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    std::cerr << Json(details);
  } else {
    std::cerr << coopnet::status::CodeName(static_cast<absl::StatusCode>(status.error_code()))
              << ": " << status.error_message() << "\n";
  }
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

coopnet::principal::Principal Caller() {
  const char* caller = std::getenv("COOPNET_CALLER");
  if (caller == nullptr || std::string(caller) == "admin") return coopnet::principal::Admin();
  if (std::string(caller) == "anonymous") return coopnet::principal::Anonymous("cli");
  return coopnet::principal::ApiKey(
      caller, "", {coopnet::type::v1::SCOPE_READ, coopnet::type::v1::SCOPE_WRITE});
}

int CallCommand(const std::string& address, std::string method_name, const std::string& json) {
  if (absl::StartsWith(method_name, "/")) method_name.erase(0, 1);
  const size_t slash = method_name.find('/');
  const auto* service =
      slash == std::string::npos
          ? nullptr
          : DescriptorPool::generated_pool()->FindServiceByName(method_name.substr(0, slash));
  const auto* method =
      service == nullptr ? nullptr : service->FindMethodByName(method_name.substr(slash + 1));
  if (method == nullptr) {
    std::cerr << "unknown method " << method_name << " (expected package.Service/Method)\n";
    return 2;
  }
  std::unique_ptr<Message> request(
      MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
  std::unique_ptr<Message> response(
      MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  if (auto s = google::protobuf::util::JsonStringToMessage(json, request.get()); !s.ok()) {
    std::cerr << "request is not valid JSON for " << method->input_type()->full_name() << ": "
              << s.message() << "\n";
    return 2;
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (const char* key = std::getenv("COOPNET_API_KEY"); key != nullptr && *key != '\0') {
    context.AddMetadata("authorization", std::string("Bearer ") + key);
  } else if (const char* secret = std::getenv("COOPNET_PRINCIPAL_SECRET")) {
    coopnet::principal::Signer(secret).Attach(Caller(), context);
  } else {
    std::cerr << "set COOPNET_API_KEY (through the gateway) or COOPNET_PRINCIPAL_SECRET (straight"
                 " to a service) to call\n";
    return 2;
  }
  if (const char* traceparent = std::getenv("COOPNET_TRACEPARENT")) {
    context.AddMetadata("traceparent", traceparent);
  }
  grpc::ByteBuffer reply;
  auto channel = Connect(address);
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod(
          absl::StrCat("/", service->full_name(), "/", method->name()).c_str(),
          grpc::internal::RpcMethod::NORMAL_RPC),
      &context, ToBuffer(*request), &reply);
  if (!status.ok()) return PrintError(status);
  if (!FromBuffer(reply, *response))
    return PrintError(grpc::Status(grpc::StatusCode::INTERNAL, "bad reply"));
  std::cout << Json(*response);
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
