// coopnet::gateway::ApiCatalog — the methods the gateway routes, read from the descriptors
// compiled into the binary.
//
// Every method of every service in a package some backend serves, with its access policy
// (the coopnet.api.v1.policy option) and the backend that answers it. Internal methods
// (policy `internal`, such as AuthenticateApiKey) are left out: from outside they do not
// exist. Built once at start and read-only afterwards, so every thread may share it.
//
//   COOPNET_ASSIGN_OR_RETURN(ApiCatalog catalog,
//                            ApiCatalog::Build({"coopnet.organisations.v1", "coopnet.events.v1"}));
//   const ApiMethod* get = catalog.Find("/coopnet.events.v1.EventService/GetEvent");
//   if (get == nullptr) ...  // UNIMPLEMENTED
#ifndef COOPNET_SERVICES_GATEWAY_API_CATALOG_H_
#define COOPNET_SERVICES_GATEWAY_API_CATALOG_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "coopnet/api/v1/annotations.pb.h"
#include "google/protobuf/descriptor.h"

namespace coopnet::gateway {

struct ApiMethod {
  // gRPC's name for it: `/coopnet.events.v1.EventService/GetEvent`.
  std::string path;
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  api::v1::MethodPolicy policy;
  // Which backend answers: the index of the method's package in the list given to Build.
  int backend = 0;
  // The request's int32 `page_size`, when it has one, so that the gateway can cap it.
  const google::protobuf::FieldDescriptor* page_size = nullptr;
};

class ApiCatalog {
 public:
  // The catalog of `packages`, in that order. INVALID_ARGUMENT when a package has no
  // service among the compiled descriptors: a typo in the configuration, or a gateway
  // older than the backend.
  static absl::StatusOr<ApiCatalog> Build(const std::vector<std::string>& packages);

  // The method at `path`, or null when it is unknown, internal or of no served package.
  const ApiMethod* Find(absl::string_view path) const;

  // Every routed method, by package, then service, then method as declared.
  const std::vector<ApiMethod>& methods() const { return methods_; }

  // The services with at least one routed method: what reflection lists.
  const std::vector<const google::protobuf::ServiceDescriptor*>& services() const {
    return services_;
  }

 private:
  std::vector<ApiMethod> methods_;
  std::vector<const google::protobuf::ServiceDescriptor*> services_;
  absl::flat_hash_map<std::string, size_t> by_path_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_API_CATALOG_H_
