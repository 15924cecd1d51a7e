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
inline std::vector<std::string> FieldsOf(const grpc::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(status::FromGrpc(s))) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

// The ErrorInfo reason (e.g. ETAG_MISMATCH); empty without one.
inline std::string ReasonOf(const grpc::Status& s) {
  auto info = status::GetErrorInfo(status::FromGrpc(s));
  return info ? info->reason() : "";
}

}  // namespace coopnet::testing

#endif  // COOPNET_TESTS_HARNESS_ERRORS_H_
