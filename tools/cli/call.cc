#include "tools/cli/call.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "common/tls/tls.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"

namespace coopnet::cli {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

std::string Json(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

principal::Principal Caller() {
  const char* caller = std::getenv("COOPNET_CALLER");
  if (caller == nullptr || std::string(caller) == "admin") return principal::Admin();
  if (std::string(caller) == "anonymous") return principal::Anonymous("cli");
  return principal::ApiKey(caller, "", {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

}  // namespace

std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                       const grpc::ChannelArguments& arguments) {
  absl::StatusOr<tls::ClientTransport> transport = tls::ClientTransport::FromEnvironment();
  if (!transport.ok()) {
    std::cerr << transport.status().message() << "\n";
    std::exit(2);
  }
  return transport->Connect(address, arguments);
}

bool AttachCaller(grpc::ClientContext& context, absl::string_view method) {
  if (const char* key = std::getenv("COOPNET_API_KEY"); key != nullptr && *key != '\0') {
    context.AddMetadata("authorization", std::string("Bearer ") + key);
  } else if (const char* text = std::getenv("COOPNET_PRINCIPAL_KEYS")) {
    absl::StatusOr<principal::KeySet> keys = principal::KeySet::Parse(text);
    if (!keys.ok()) {
      std::cerr << "COOPNET_PRINCIPAL_KEYS " << keys.status().message() << "\n";
      return false;
    }
    const principal::Key& key = keys->keys().front();
    principal::Signer(key, key.issuer).Attach(Caller(), principal::AudienceOf(method), context);
  } else if (const char* caller = std::getenv("COOPNET_CALLER");
             caller != nullptr && std::string(caller) == "anonymous") {
    // Through the gateway with no key: it signs an anonymous principal itself.
  } else {
    std::cerr << "set COOPNET_API_KEY (through the gateway) or COOPNET_PRINCIPAL_KEYS (straight"
                 " to a service) to call, or COOPNET_CALLER=anonymous to call the gateway with"
                 " no key\n";
    return false;
  }
  if (const char* traceparent = std::getenv("COOPNET_TRACEPARENT")) {
    context.AddMetadata("traceparent", traceparent);
  }
  return true;
}

CallResult CallJson(grpc::Channel& channel, const std::string& method_name,
                    const std::string& json_request, absl::Duration timeout) {
  std::string name = method_name;
  if (absl::StartsWith(name, "/")) name.erase(0, 1);
  const size_t slash = name.find('/');
  const auto* service =
      slash == std::string::npos
          ? nullptr
          : DescriptorPool::generated_pool()->FindServiceByName(name.substr(0, slash));
  const auto* method =
      service == nullptr ? nullptr : service->FindMethodByName(name.substr(slash + 1));
  if (method == nullptr) {
    return {grpc::Status(
                grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("unknown method ", method_name, " (expected package.Service/Method)")),
            "", false};
  }
  std::unique_ptr<Message> request(
      MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
  std::unique_ptr<Message> response(
      MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  if (auto s = google::protobuf::util::JsonStringToMessage(json_request, request.get()); !s.ok()) {
    return {grpc::Status(
                grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrCat("request is not valid JSON for ", method->input_type()->full_name(),
                             ": ", std::string(s.message()))),
            "", false};
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!AttachCaller(context, name)) {
    return {grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no credentials to call with"), "",
            false};
  }
  grpc::ByteBuffer reply;
  grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      &channel,
      grpc::internal::RpcMethod(
          absl::StrCat("/", service->full_name(), "/", method->name()).c_str(),
          grpc::internal::RpcMethod::NORMAL_RPC),
      &context, ToBuffer(*request), &reply);
  if (!status.ok()) return {status, ""};
  if (!FromBuffer(reply, *response)) {
    return {grpc::Status(grpc::StatusCode::INTERNAL, "the answer does not parse"), ""};
  }
  return {status, Json(*response)};
}

std::string DescribeError(const grpc::Status& status) {
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details())) {
    return Json(details);
  }
  return absl::StrCat(status::CodeName(static_cast<absl::StatusCode>(status.error_code())), ": ",
                      status.error_message(), "\n");
}

}  // namespace coopnet::cli
