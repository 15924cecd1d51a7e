#include "services/gateway/api_comments.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::SourceLocation;

// protoc keeps a comment's text after the `//`, with its leading space and final newline.
std::string Clean(absl::string_view comment) {
  std::vector<absl::string_view> lines = absl::StrSplit(absl::StripSuffix(comment, "\n"), '\n');
  for (absl::string_view& line : lines) line = absl::StripPrefix(line, " ");
  return absl::StrJoin(lines, "\n");
}

template <typename Element>
std::string LeadingComment(const Element* element) {
  SourceLocation location;
  if (element == nullptr || !element->GetSourceLocation(&location)) return "";
  return Clean(location.leading_comments);
}

}  // namespace

const ApiComments& ApiComments::Embedded() {
  static const ApiComments* const comments = new ApiComments(ApiDescriptorSet());
  return *comments;
}

ApiComments::ApiComments(absl::string_view descriptor_set)
    : compiled_(*google::protobuf::DescriptorPool::generated_pool()),
      merged_(&set_, &compiled_),
      pool_(&merged_) {
  google::protobuf::FileDescriptorSet files;
  bool valid = files.ParseFromArray(descriptor_set.data(), static_cast<int>(descriptor_set.size()));
  for (const google::protobuf::FileDescriptorProto& file : files.file()) {
    valid = valid && set_.Add(file);
  }
  // The build made it from the very protos compiled into the binary: this is a bug.
  if (!valid) {
    std::fprintf(stderr, "coopnet::gateway::ApiComments: the embedded descriptor set is broken\n");
    std::abort();
  }
}

std::string ApiComments::Of(const google::protobuf::ServiceDescriptor& service) const {
  return LeadingComment(pool_.FindServiceByName(service.full_name()));
}

std::string ApiComments::Of(const google::protobuf::MethodDescriptor& method) const {
  return LeadingComment(pool_.FindMethodByName(method.full_name()));
}

std::string ApiComments::Of(const google::protobuf::Descriptor& message) const {
  return LeadingComment(pool_.FindMessageTypeByName(message.full_name()));
}

std::string ApiComments::Of(const FieldDescriptor& field) const {
  return LeadingComment(pool_.FindFieldByName(field.full_name()));
}

std::string ApiComments::Of(const google::protobuf::EnumDescriptor& enumeration) const {
  return LeadingComment(pool_.FindEnumTypeByName(enumeration.full_name()));
}

std::string ApiComments::Of(const google::protobuf::EnumValueDescriptor& value) const {
  return LeadingComment(pool_.FindEnumValueByName(value.full_name()));
}

std::string ApiComments::OfGroup(const FieldDescriptor& field) const {
  const FieldDescriptor* member = pool_.FindFieldByName(field.full_name());
  SourceLocation here;
  if (member == nullptr || !member->GetSourceLocation(&here)) return "";
  // Fields are kept in declaration order; a blank line or any comment ends a group.
  for (int i = member->index(); i > 0; --i) {
    if (!here.leading_comments.empty() || !here.leading_detached_comments.empty()) break;
    SourceLocation above;
    if (!member->containing_type()->field(i - 1)->GetSourceLocation(&above) ||
        above.end_line + 1 != here.start_line) {
      break;
    }
    here = above;
  }
  return Clean(here.leading_comments);
}

}  // namespace coopnet::gateway
