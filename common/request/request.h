// What every handler does with a request before acting:
// check the caller's scope, make a write safe to retry with its request_id, and tie a
// list's page tokens to its filters.
//
//   COOPNET_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
//   COOPNET_RETURN_IF_ERROR(RequireScope(call.principal, type::v1::SCOPE_WRITE));
//   std::optional<RequestKey> key =
//       RequestKeyOf(call.principal, "CreateNetwork", request.request_id(), request);
//   const std::string fingerprint = ListFingerprint(list_request);
#ifndef COOPNET_COMMON_REQUEST_REQUEST_H_
#define COOPNET_COMMON_REQUEST_REQUEST_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"
#include "common/status/status.h"
#include "coopnet/type/v1/principal.pb.h"
#include "google/protobuf/message.h"

namespace coopnet::request {

// Makes a write safe to retry: the caller's scope, its request id and a hash of the
// request (see pg::ClaimRequest).
struct RequestKey {
  std::string scope;
  std::string request_id;
  std::string request_hash;
};

// PERMISSION_DENIED (reason SCOPE_MISSING) unless `caller` holds `scope` (see
// principal::HasScope).
absl::Status RequireScope(const type::v1::Principal& caller, type::v1::Scope scope);

// PERMISSION_DENIED (reason NOT_OWNER, "the caller may not change <what>") unless
// `caller` holds the write scope and acts for `organisation` (see principal::ActsFor).
absl::Status RequireActsFor(const type::v1::Principal& caller, absl::string_view organisation,
                            absl::string_view what);

// The same, where a delegation of `scope` from `organisation` also lets the caller act.
absl::Status RequireActsFor(const type::v1::Principal& caller, absl::string_view organisation,
                            type::v1::DelegationScope scope, absl::string_view what);

// OK for an empty request_id (the write is not retry-safe) or 1 to 64 letters, digits,
// '-' or '_'; INVALID_ARGUMENT naming request_id otherwise.
absl::Status ValidateRequestId(absl::string_view request_id);

// The key that remembers `request` of `method` by `caller` under `request_id`, so that a
// retry by the same caller finds the first answer; nullopt when request_id is empty.
// Anonymous callers are told apart by their client address (Principal.client_address,
// set by the gateway): a retry must come from the same address.
std::optional<RequestKey> RequestKeyOf(const type::v1::Principal& caller, absl::string_view method,
                                       absl::string_view request_id,
                                       const google::protobuf::Message& request);

// pg::ClaimRequest under `key` in `tx`: the earlier response when the request was made
// before, nullopt when it is new or has no key (then it is not remembered, and `tx` is
// not run again after a lost COMMIT: see pg::Transaction::MarkUnclaimedWrite).
absl::StatusOr<std::optional<std::string>> ClaimRequest(pg::Transaction& tx,
                                                        const std::optional<RequestKey>& key);

// pg::RecordResponse of `response` under `key`, which this transaction claimed; nothing
// without a key.
absl::Status RecordResponse(pg::Transaction& tx, const std::optional<RequestKey>& key,
                            const google::protobuf::Message& response);

// Runs `body` as the one response of `key`'s request, when there is a key: a repeat gets
// the first response (parsed into `response`) without running the body again.
template <typename Message>
absl::Status Idempotent(pg::Transaction& tx, const std::optional<RequestKey>& key,
                        Message& response, const std::function<absl::Status()>& body) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier, ClaimRequest(tx, key));
  if (earlier) {
    if (!response.ParseFromString(*earlier)) {
      return absl::InternalError("stored response unreadable");
    }
    return absl::OkStatus();
  }
  COOPNET_RETURN_IF_ERROR(body());
  return RecordResponse(tx, key, response);
}

// The SHA-256 digest of `bytes`, 32 raw bytes.
std::string Sha256(absl::string_view bytes);

// The filters of a list request (every field but page_size and page_token), in one
// string: a page token is only good for these.
std::string ListFingerprint(const google::protobuf::Message& request);

// Trims `found`, read with a limit of page_size + 1, to one page; true when another
// page follows.
template <typename T>
bool TrimToPage(std::vector<T>& found, int page_size) {
  if (static_cast<int>(found.size()) <= page_size) return false;
  found.resize(page_size);
  return true;
}

}  // namespace coopnet::request

#endif  // COOPNET_COMMON_REQUEST_REQUEST_H_
