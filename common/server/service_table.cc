#include "common/server/service_table.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace coopnet::server {
namespace {

// A table that does not match its proto is a bug in the service's code: say which and stop.
[[noreturn]] void Misdeclared(const std::string& what) {
  std::fprintf(stderr, "coopnet::server::ServiceTable: %s\n", what.c_str());
  std::abort();
}

}  // namespace

ServiceTable::ServiceTable(Server& server, absl::string_view full_name)
    : server_(server),
      descriptor_(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(full_name))) {
  if (descriptor_ == nullptr) {
    Misdeclared(absl::StrCat("no proto service named ", full_name, " is linked in"));
  }
  for (int i = 0; i < descriptor_->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = descriptor_->method(i);
    const std::string& path =
        paths_.emplace_back(absl::StrCat("/", descriptor_->full_name(), "/", method->name()));
    const auto type =
        method->server_streaming()
            ? (method->client_streaming() ? grpc::internal::RpcMethod::BIDI_STREAMING
                                          : grpc::internal::RpcMethod::SERVER_STREAMING)
            : (method->client_streaming() ? grpc::internal::RpcMethod::CLIENT_STREAMING
                                          : grpc::internal::RpcMethod::NORMAL_RPC);
    // The handler comes with the table's line for the method (MarkMethodCallback).
    AddMethod(new grpc::internal::RpcServiceMethod(path.c_str(), type, nullptr));
  }
  served_.assign(descriptor_->method_count(), false);
}

int ServiceTable::IndexOf(absl::string_view name, const google::protobuf::Descriptor* request,
                          const google::protobuf::Descriptor* response, bool server_streaming) {
  const google::protobuf::MethodDescriptor* method =
      descriptor_->FindMethodByName(std::string(name));
  if (method == nullptr) {
    Misdeclared(absl::StrCat(descriptor_->full_name(), " has no method ", name));
  }
  if (method->input_type() != request || method->output_type() != response ||
      method->server_streaming() != server_streaming || method->client_streaming()) {
    Misdeclared(absl::StrCat(method->full_name(), " takes ", method->input_type()->full_name(),
                             " and answers ", method->server_streaming() ? "a stream of " : "",
                             method->output_type()->full_name(), "; its handler takes ",
                             request->full_name(), " and answers ",
                             server_streaming ? "a stream of " : "", response->full_name()));
  }
  if (served_[method->index()]) {
    Misdeclared(absl::StrCat(method->full_name(), " is in the table twice"));
  }
  served_[method->index()] = true;
  return method->index();
}

void ServiceTable::CheckComplete() const {
  for (int i = 0; i < descriptor_->method_count(); ++i) {
    if (!served_[i]) {
      Misdeclared(absl::StrCat(descriptor_->method(i)->full_name(), " has no handler"));
    }
  }
}

}  // namespace coopnet::server
