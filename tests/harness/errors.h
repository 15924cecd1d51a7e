// What a test reads off a refused call: the fields its BadRequest names and the reason
// of its ErrorInfo.
#ifndef COOPNET_TESTS_HARNESS_ERRORS_H_
#define COOPNET_TESTS_HARNESS_ERRORS_H_

#include <string>
#include <vector>

#include "common/status/status.h"
#include "grpcpp/grpcpp.h"

namespace coopnet::testing {

// The field of each violation in the status's BadRequest, in order; none without one.
inline std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}
inline std::vector<std::string> FieldsOf(const grpc::Status& s) {
  return FieldsOf(status::FromGrpc(s));
}

// The ErrorInfo reason (e.g. ETAG_MISMATCH); empty without one.
inline std::string ReasonOf(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason() : "";
}
inline std::string ReasonOf(const grpc::Status& s) { return ReasonOf(status::FromGrpc(s)); }

// The value of `name` in the ErrorInfo's metadata; empty without it.
inline std::string MetadataOf(const absl::Status& s, const std::string& name) {
  auto info = status::GetErrorInfo(s);
  if (!info || !info->metadata().contains(name)) return "";
  return info->metadata().at(name);
}
inline std::string MetadataOf(const grpc::Status& s, const std::string& name) {
  return MetadataOf(status::FromGrpc(s), name);
}

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_ERRORS_H_
