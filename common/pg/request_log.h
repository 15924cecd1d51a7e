// coopnet::pg request log — making a mutating RPC idempotent with its request_id.
//
// A client that retries a request (a timeout, a lost reply) sends the same request_id;
// it must get the first attempt's reply, not a second organisation. Inside the
// transaction that does the work:
//
//   absl::Status s = pool.InTransaction([&](pg::Transaction& tx) -> absl::Status {
//     COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
//         pg::ClaimRequest(tx, "organisations.CreateOrganisation", req.request_id(),
//                          Sha256(req.SerializeAsString())));
//     if (earlier.has_value()) return Parse(*earlier, &reply);  // done before
//     COOPNET_RETURN_IF_ERROR(Insert(tx, req, &reply));
//     return pg::RecordResponse(tx, "organisations.CreateOrganisation",
//                               req.request_id(), reply.SerializeAsString());
//   });
//
// Only successes are remembered: a failed attempt rolls its claim back, so the retry
// runs afresh. The table (request_log) is created by Migrate.
#ifndef COOPNET_COMMON_PG_REQUEST_LOG_H_
#define COOPNET_COMMON_PG_REQUEST_LOG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"

namespace coopnet::pg {

// Claims `request_id` within `scope` (the RPC's full name) for this transaction.
// nullopt: the request is new and the caller acts, then calls RecordResponse. A value:
// the response recorded by the earlier request with the same id and `request_hash`,
// which the caller returns instead of acting. ALREADY_EXISTS (reason REQUEST_ID_REUSED,
// metadata request_id) when the earlier request had a different hash. A concurrent
// first attempt makes this wait until it commits (its response is returned) or rolls
// back (this one acts). INVALID_ARGUMENT for an empty request_id.
absl::StatusOr<std::optional<std::string>> ClaimRequest(Transaction& tx, absl::string_view scope,
                                                        absl::string_view request_id,
                                                        absl::string_view request_hash);

// Stores the response to a request this transaction claimed; FAILED_PRECONDITION when it
// did not claim it or already recorded one.
absl::Status RecordResponse(Transaction& tx, absl::string_view scope, absl::string_view request_id,
                            absl::string_view response);

// Forgets requests older than `created_before`, after which their ids act anew; for a
// periodic clean-up job. Returns how many were forgotten.
absl::StatusOr<int64_t> ForgetRequests(Pool& pool, absl::Time created_before);

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_REQUEST_LOG_H_
