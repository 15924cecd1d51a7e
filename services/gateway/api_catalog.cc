#include "services/gateway/api_catalog.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/gateway/api_files.h"

namespace coopnet::gateway {

using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

absl::StatusOr<ApiCatalog> ApiCatalog::Build(const std::vector<std::string>& packages) {
  std::vector<const FileDescriptor*> files;
  for (const std::string& name : ApiProtoFiles()) {
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    // Every listed file is compiled into coopnet::proto, which the gateway links whole.
    if (file == nullptr) return absl::InternalError(absl::StrCat(name, " is not linked in"));
    files.push_back(file);
  }

  ApiCatalog catalog;
  std::vector<std::string> empty_packages;
  for (size_t backend = 0; backend < packages.size(); ++backend) {
    const size_t before = catalog.methods_.size();
    for (const FileDescriptor* file : files) {
      if (file->package() != packages[backend]) continue;
      for (int s = 0; s < file->service_count(); ++s) {
        const google::protobuf::ServiceDescriptor* service = file->service(s);
        bool routed = false;
        for (int m = 0; m < service->method_count(); ++m) {
          const google::protobuf::MethodDescriptor* descriptor = service->method(m);
          ApiMethod method;
          method.policy = descriptor->options().GetExtension(api::v1::policy);
          if (method.policy.internal()) continue;
          method.path = absl::StrCat("/", service->full_name(), "/", descriptor->name());
          method.descriptor = descriptor;
          method.backend = static_cast<int>(backend);
          const FieldDescriptor* page_size = descriptor->input_type()->FindFieldByName("page_size");
          if (page_size != nullptr && page_size->type() == FieldDescriptor::TYPE_INT32 &&
              !page_size->is_repeated()) {
            method.page_size = page_size;
          }
          catalog.by_path_[method.path] = catalog.methods_.size();
          catalog.methods_.push_back(std::move(method));
          routed = true;
        }
        if (routed) catalog.services_.push_back(service);
      }
    }
    if (catalog.methods_.size() == before) empty_packages.push_back(packages[backend]);
  }
  if (!empty_packages.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no service of package ",
                                                   absl::StrJoin(empty_packages, ", "),
                                                   " is compiled into the gateway"));
  }
  return catalog;
}

const ApiMethod* ApiCatalog::Find(absl::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &methods_[it->second];
}

}  // namespace coopnet::gateway
