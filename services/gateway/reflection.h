// coopnet::gateway::Reflection — gRPC server reflection for the services behind the
// gateway, so that grpcurl, Postman and `coopnet list` see what integrators may call.
//
// gRPC's own reflection service lists only services registered with the server, and the
// gateway registers none: every call comes through one generic service. This one lists
// the routed services (and health and reflection) and answers file and symbol questions
// from the descriptors compiled into the binary. Both the v1alpha and v1 methods are
// answered; their messages are the same. The messages are those libgrpc++_reflection
// registers, read through protobuf reflection, so no copy of reflection.proto is needed.
//
//   if (Reflection::Handles(context->method())) return reflection.NewReactor();
#ifndef COOPNET_SERVICES_GATEWAY_REFLECTION_H_
#define COOPNET_SERVICES_GATEWAY_REFLECTION_H_

#include <grpcpp/generic/async_generic_service.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace coopnet::gateway {

class Reflection {
 public:
  // `services`: full names of the services to list. INTERNAL when the reflection
  // messages are not linked in.
  static absl::StatusOr<Reflection> Create(std::vector<std::string> services);

  // True for the reflection methods (v1alpha and v1).
  static bool Handles(absl::string_view method);

  // A reactor answering one reflection stream; deletes itself when done.
  grpc::ServerGenericBidiReactor* NewReactor() const;

  // The serialised ServerReflectionResponse to a serialised ServerReflectionRequest;
  // INVALID_ARGUMENT when the request does not parse.
  absl::StatusOr<std::string> Answer(absl::string_view request) const;

 private:
  explicit Reflection(std::vector<std::string> services) : services_(std::move(services)) {}

  std::vector<std::string> services_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_REFLECTION_H_
