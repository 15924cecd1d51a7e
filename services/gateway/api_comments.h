// coopnet::gateway::ApiComments — the comments written in proto/coopnet, for the OpenAPI
// document. The descriptors compiled into the binary carry none, so the build has protoc
// write a descriptor set with its source info (proto/CMakeLists.txt), the gateway embeds it
// (ApiDescriptorSet) and elements are found there by full name.
//
//   const ApiComments& comments = ApiComments::Embedded();
//   std::string text = comments.Of(*events::v1::Event::descriptor());
//   // "What happens where and when: ..."; "" for an element without a comment.
#ifndef COOPNET_SERVICES_GATEWAY_API_COMMENTS_H_
#define COOPNET_SERVICES_GATEWAY_API_COMMENTS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"

namespace coopnet::gateway {

// The serialized FileDescriptorSet of proto/coopnet with source info, as protoc wrote it
// at build time (the generated api_descriptor_set.cc).
absl::string_view ApiDescriptorSet();

class ApiComments {
 public:
  // The comments of ApiDescriptorSet(), made on first use and kept for the process; the
  // files it imports but does not hold are taken from the compiled descriptors.
  static const ApiComments& Embedded();

  ApiComments(const ApiComments&) = delete;
  ApiComments& operator=(const ApiComments&) = delete;

  // The leading comment of the element with the same full name, without the `//` and the
  // space after them, lines joined by '\n'; "" when it has none or is not in the set.
  std::string Of(const google::protobuf::ServiceDescriptor& service) const;
  std::string Of(const google::protobuf::MethodDescriptor& method) const;
  std::string Of(const google::protobuf::Descriptor& message) const;
  std::string Of(const google::protobuf::FieldDescriptor& field) const;
  std::string Of(const google::protobuf::EnumDescriptor& enumeration) const;
  std::string Of(const google::protobuf::EnumValueDescriptor& value) const;

  // The comment that speaks for `field`: its own, or, when it has none, that of the field
  // it is declared right under, line after line, as in
  //
  //   // Output only.
  //   string etag = 26;
  //   google.protobuf.Timestamp create_time = 27;
  //   google.protobuf.Timestamp update_time = 28;
  //
  // where create_time and update_time are output only too.
  std::string OfGroup(const google::protobuf::FieldDescriptor& field) const;

 private:
  explicit ApiComments(absl::string_view descriptor_set);

  google::protobuf::SimpleDescriptorDatabase set_;
  google::protobuf::DescriptorPoolDatabase compiled_;
  google::protobuf::MergedDescriptorDatabase merged_;
  google::protobuf::DescriptorPool pool_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_API_COMMENTS_H_
