#include "common/pg/request_log.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace coopnet::pg {
namespace {

const Statement kClaim{
    "INSERT INTO request_log (scope, request_id, request_hash) VALUES ($1, $2, $3) "
    "ON CONFLICT (scope, request_id) DO NOTHING"};
const Statement kEarlier{
    "SELECT request_hash, response FROM request_log WHERE scope = $1 AND request_id = $2"};
const Statement kRecord{
    "UPDATE request_log SET response = $3 "
    "WHERE scope = $1 AND request_id = $2 AND response IS NULL"};
const Statement kForget{"DELETE FROM request_log WHERE create_time < $1"};

}  // namespace

absl::StatusOr<std::optional<std::string>> ClaimRequest(Transaction& tx, absl::string_view scope,
                                                        absl::string_view request_id,
                                                        absl::string_view request_hash) {
  if (request_id.empty()) return status::InvalidField("request_id", "must not be empty");
  // The earlier row can vanish between our two statements only through ForgetRequests;
  // then claiming again succeeds. Twice is more than enough.
  for (int round = 0; round < 3; ++round) {
    // ON CONFLICT waits for an uncommitted conflicting row, so a concurrent first
    // attempt is either committed (we read its response below) or gone (we insert).
    COOPNET_ASSIGN_OR_RETURN(Result claim, tx.Exec(kClaim, scope, request_id, Bytes(request_hash)));
    if (claim.affected_rows() == 1) {
      tx.MarkClaimedRequest();
      return std::nullopt;
    }
    COOPNET_ASSIGN_OR_RETURN(Result earlier, tx.Exec(kEarlier, scope, request_id));
    if (earlier.rows() == 0) continue;
    if (earlier.GetBytes(0, 0) != request_hash) {
      return status::Error(
          absl::StatusCode::kAlreadyExists, "REQUEST_ID_REUSED",
          absl::StrCat("request_id \"", request_id, "\" was already used for a different request"),
          {{"request_id", std::string(request_id)}});
    }
    if (earlier.IsNull(0, 1)) {
      return status::Error(absl::StatusCode::kInternal, "REQUEST_WITHOUT_RESPONSE",
                           absl::StrCat("request ", request_id, " in ", scope,
                                        " was claimed and committed without a response"));
    }
    return earlier.GetBytes(0, 1);
  }
  return status::Error(absl::StatusCode::kAborted, "REQUEST_LOG_CHURN",
                       absl::StrCat("request ", request_id, " in ", scope,
                                    " kept disappearing while being claimed"));
}

absl::Status RecordResponse(Transaction& tx, absl::string_view scope, absl::string_view request_id,
                            absl::string_view response) {
  COOPNET_ASSIGN_OR_RETURN(Result r, tx.Exec(kRecord, scope, request_id, Bytes(response)));
  if (r.affected_rows() != 1) {
    return status::Error(absl::StatusCode::kFailedPrecondition, "REQUEST_NOT_CLAIMED",
                         absl::StrCat("request ", request_id, " in ", scope,
                                      " was not claimed in this transaction or already has "
                                      "a response"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ForgetRequests(Pool& pool, absl::Time created_before) {
  COOPNET_ASSIGN_OR_RETURN(Result r, pool.Exec(kForget, created_before));
  return r.affected_rows();
}

}  // namespace coopnet::pg
