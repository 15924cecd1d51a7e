#include "services/organisations/field_mask.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace coopnet::organisations {

absl::Status ApplyFieldMask(const google::protobuf::Message& patch,
                            const google::protobuf::FieldMask& mask,
                            const std::set<std::string>& output_only,
                            google::protobuf::Message& result) {
  const google::protobuf::Descriptor* descriptor = result.GetDescriptor();
  const google::protobuf::Reflection* reflection = result.GetReflection();
  if (mask.paths().empty()) {
    return status::InvalidField("update_mask", "must name the fields to change, or *");
  }
  // Every path is checked before anything changes, so a refusal leaves `result` alone.
  for (const std::string& path : mask.paths()) {
    if (path == "*") continue;
    if (descriptor->FindFieldByName(path) == nullptr) {
      return status::InvalidField("update_mask",
                                  absl::StrCat("names \"", path.substr(0, 40),
                                               "\", which is not a field of ", descriptor->name()));
    }
    if (output_only.count(path) > 0) {
      return status::InvalidField("update_mask",
                                  absl::StrCat("names ", path, ", which is output only"));
    }
  }
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      std::unique_ptr<google::protobuf::Message> writable(patch.New());
      writable->CopyFrom(patch);
      for (int i = 0; i < descriptor->field_count(); ++i) {
        const google::protobuf::FieldDescriptor* field = descriptor->field(i);
        reflection->ClearField(output_only.count(field->name()) > 0 ? writable.get() : &result,
                               field);
      }
      result.MergeFrom(*writable);
      continue;
    }
    const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(path);
    reflection->ClearField(&result, field);
    if (field->is_repeated() || reflection->HasField(patch, field)) {
      // Copy just this field: swap it out of a scratch copy of the patch.
      std::unique_ptr<google::protobuf::Message> scratch(patch.New());
      scratch->CopyFrom(patch);
      reflection->SwapFields(&result, scratch.get(), {field});
    }
  }
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
