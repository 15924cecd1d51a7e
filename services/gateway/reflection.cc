#include "services/gateway/reflection.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/client/byte_buffer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/message.h"
#include "services/gateway/forwarder.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;

constexpr char kRequestType[] = "grpc.reflection.v1alpha.ServerReflectionRequest";
constexpr char kResponseType[] = "grpc.reflection.v1alpha.ServerReflectionResponse";
constexpr char kV1Alpha[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
constexpr char kV1[] = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

std::unique_ptr<Message> New(const char* type) {
  const Descriptor* descriptor = DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (descriptor == nullptr) return nullptr;
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
}

const FieldDescriptor* Field(const Message& message, const char* name) {
  return message.GetDescriptor()->FindFieldByName(name);
}

// Adds `file` and every file it depends on, each once, to a FileDescriptorResponse.
void AddFiles(const FileDescriptor* file, Message& files,
              absl::flat_hash_set<const FileDescriptor*>& added) {
  if (!added.insert(file).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  file->CopyJsonNameTo(&proto);
  files.GetReflection()->AddString(&files, Field(files, "file_descriptor_proto"),
                                   proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) AddFiles(file->dependency(i), files, added);
}

// One reflection stream: each request gets one response, in order.
class ReflectionReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit ReflectionReactor(const Reflection& reflection) : reflection_(reflection) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    const std::optional<std::string> request = client::BytesOf(request_);
    if (!request) {
      Finish(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read the request"));
      return;
    }
    absl::StatusOr<std::string> answer = reflection_.Answer(*request);
    if (!answer.ok()) {
      Finish(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(answer.status().message())));
      return;
    }
    grpc::Slice out(*std::move(answer));
    response_ = grpc::ByteBuffer(&out, 1);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (ok) {
      StartRead(&request_);
    } else {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
  }

  void OnDone() override { delete this; }

 private:
  const Reflection& reflection_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

}  // namespace

absl::StatusOr<Reflection> Reflection::Create(std::vector<std::string> services) {
  // Keeps libgrpc++_reflection, whose messages are looked up by name, linked.
  (void)&grpc::reflection::InitProtoReflectionServerBuilderPlugin;
  if (New(kRequestType) == nullptr || New(kResponseType) == nullptr) {
    return absl::InternalError("the reflection messages of libgrpc++_reflection are not linked in");
  }
  services.push_back("grpc.health.v1.Health");
  services.push_back("grpc.reflection.v1alpha.ServerReflection");
  return Reflection(std::move(services));
}

bool Reflection::Handles(absl::string_view method) { return method == kV1Alpha || method == kV1; }

grpc::ServerGenericBidiReactor* Reflection::NewReactor() const {
  return new ReflectionReactor(*this);
}

absl::StatusOr<std::string> Reflection::Answer(absl::string_view serialized) const {
  std::unique_ptr<Message> request = New(kRequestType);
  std::unique_ptr<Message> response = New(kResponseType);
  if (!request->ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return absl::InvalidArgumentError("the reflection request does not parse");
  }
  const google::protobuf::Reflection& in = *request->GetReflection();
  const google::protobuf::Reflection& out = *response->GetReflection();
  out.SetString(response.get(), Field(*response, "valid_host"),
                in.GetString(*request, Field(*request, "host")));
  out.MutableMessage(response.get(), Field(*response, "original_request"))->CopyFrom(*request);

  const DescriptorPool& pool = *DescriptorPool::generated_pool();
  auto not_found = [&](absl::string_view what) {
    Message* error = out.MutableMessage(response.get(), Field(*response, "error_response"));
    error->GetReflection()->SetInt32(error, Field(*error, "error_code"),
                                     static_cast<int>(grpc::StatusCode::NOT_FOUND));
    error->GetReflection()->SetString(error, Field(*error, "error_message"),
                                      absl::StrCat(what, " not found"));
  };
  auto files = [&](const FileDescriptor* file) {
    Message* reply =
        out.MutableMessage(response.get(), Field(*response, "file_descriptor_response"));
    absl::flat_hash_set<const FileDescriptor*> added;
    AddFiles(file, *reply, added);
  };

  const FieldDescriptor* asked = in.GetOneofFieldDescriptor(
      *request, request->GetDescriptor()->FindOneofByName("message_request"));
  const std::string what = asked == nullptr ? "" : asked->name();
  if (what == "list_services") {
    Message* reply = out.MutableMessage(response.get(), Field(*response, "list_services_response"));
    for (const std::string& name : services_) {
      Message* service = reply->GetReflection()->AddMessage(reply, Field(*reply, "service"));
      service->GetReflection()->SetString(service, Field(*service, "name"), name);
    }
  } else if (what == "file_by_filename" || what == "file_containing_symbol") {
    const std::string name = in.GetString(*request, asked);
    const FileDescriptor* file = what == "file_by_filename" ? pool.FindFileByName(name)
                                                            : pool.FindFileContainingSymbol(name);
    if (file == nullptr) {
      not_found(name);
    } else {
      files(file);
    }
  } else if (what == "file_containing_extension") {
    const Message& extension = in.GetMessage(*request, asked);
    const std::string type =
        extension.GetReflection()->GetString(extension, Field(extension, "containing_type"));
    const int number =
        extension.GetReflection()->GetInt32(extension, Field(extension, "extension_number"));
    const Descriptor* extended = pool.FindMessageTypeByName(type);
    const FieldDescriptor* found =
        extended == nullptr ? nullptr : pool.FindExtensionByNumber(extended, number);
    if (found == nullptr) {
      not_found(absl::StrCat("extension ", number, " of ", type));
    } else {
      files(found->file());
    }
  } else if (what == "all_extension_numbers_of_type") {
    const std::string type = in.GetString(*request, asked);
    const Descriptor* extended = pool.FindMessageTypeByName(type);
    if (extended == nullptr) {
      not_found(type);
    } else {
      Message* reply =
          out.MutableMessage(response.get(), Field(*response, "all_extension_numbers_response"));
      reply->GetReflection()->SetString(reply, Field(*reply, "base_type_name"), type);
      std::vector<const FieldDescriptor*> extensions;
      pool.FindAllExtensions(extended, &extensions);
      for (const FieldDescriptor* extension : extensions) {
        reply->GetReflection()->AddInt32(reply, Field(*reply, "extension_number"),
                                         extension->number());
      }
    }
  } else {
    Message* error = out.MutableMessage(response.get(), Field(*response, "error_response"));
    error->GetReflection()->SetInt32(error, Field(*error, "error_code"),
                                     static_cast<int>(grpc::StatusCode::UNIMPLEMENTED));
    error->GetReflection()->SetString(error, Field(*error, "error_message"),
                                      "the request asks for nothing this server answers");
  }
  return response->SerializeAsString();
}

}  // namespace coopnet::gateway
