// coopnet::status — errors as values, and how they cross the wire.
//
// Every fallible call returns absl::Status or absl::StatusOr<T>. Errors the caller can
// act on carry a google.rpc.ErrorInfo (a stable UPPER_SNAKE reason) and, for bad input,
// a google.rpc.BadRequest naming each field and the rule it broke. ToGrpc() turns such a
// status into a grpc::Status whose binary details hold the google.rpc.Status, as
// Google's APIs do; FromGrpc() reverses it for service-to-service calls.
//
//   absl::Status ValidateName(const Organisation& o) {
//     if (o.display_name().empty())
//       return status::InvalidField("organisation.display_name", "must not be empty");
//     return absl::OkStatus();
//   }
//   COOPNET_RETURN_IF_ERROR(ValidateName(org));
//   COOPNET_ASSIGN_OR_RETURN(Organisation stored, store.Get(name));
#ifndef COOPNET_COMMON_STATUS_STATUS_H_
#define COOPNET_COMMON_STATUS_STATUS_H_

#include <grpcpp/support/status.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"

namespace coopnet::status {

// One broken rule of one field: `organisation.country` / `must be an ISO 3166-1 alpha-2
// code, got "XX"`.
struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT with a BadRequest listing every violation and the message
// "<field> <description>; ..." (reason INVALID_ARGUMENT). `violations` must not be empty.
absl::Status InvalidArgument(std::vector<FieldViolation> violations);

// INVALID_ARGUMENT for one field.
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// An error with an ErrorInfo reason (UPPER_SNAKE, e.g. `ETAG_MISMATCH`) and optional
// metadata the caller can read without parsing the message.
absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   std::map<std::string, std::string> metadata = {});

// The ErrorInfo / BadRequest attached to `status`, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);

// Converts for the wire. Every non-OK result carries a google.rpc.Status with an
// ErrorInfo whose domain is `domain` (e.g. `organisations.coopnet`) and whose reason
// defaults to the code's name. INTERNAL and UNKNOWN keep their text out of the reply:
// the caller sees "internal error"; the server logs the rest.
grpc::Status ToGrpc(const absl::Status& status, absl::string_view domain);

// The reverse of ToGrpc, keeping ErrorInfo and BadRequest.
absl::Status FromGrpc(const grpc::Status& status);

// "INVALID_ARGUMENT", "NOT_FOUND", ...: the canonical name of a code.
std::string CodeName(absl::StatusCode code);

}  // namespace coopnet::status

#define COOPNET_STATUS_CONCAT_INNER_(a, b) a##b
#define COOPNET_STATUS_CONCAT_(a, b) COOPNET_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (an absl::Status) is not OK.
#define COOPNET_RETURN_IF_ERROR(expr)                                     \
  do {                                                                    \
    if (::absl::Status coopnet_status_ = (expr); !coopnet_status_.ok()) { \
      return coopnet_status_;                                             \
    }                                                                     \
  } while (false)

// `COOPNET_ASSIGN_OR_RETURN(T value, StatusOrExpr());` declares or assigns `value` from
// an absl::StatusOr, returning its status from the current function when not OK.
#define COOPNET_ASSIGN_OR_RETURN(lhs, rexpr) \
  COOPNET_ASSIGN_OR_RETURN_IMPL_(COOPNET_STATUS_CONCAT_(coopnet_statusor_, __LINE__), lhs, rexpr)

#define COOPNET_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // COOPNET_COMMON_STATUS_STATUS_H_
