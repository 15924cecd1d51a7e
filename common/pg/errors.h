// coopnet::pg errors — what a PostgreSQL error means to a caller, as an absl::Status.
//
// Every error from the pool carries an ErrorInfo reason (UNIQUE_VIOLATION, ...) and, when
// the server gave them, the SQLSTATE and the violated constraint's name as payloads that
// stay inside the process (status::ToGrpc does not send them). Store code uses the
// constraint to say which field is at fault:
//
//   absl::Status s = pool.Exec(kInsertOrganisation, name, vat_id).status();
//   if (s.code() == absl::StatusCode::kAlreadyExists &&
//       pg::ConstraintOf(s) == "organisations_vat_id_key") {
//     return status::Error(absl::StatusCode::kAlreadyExists, "VAT_ID_TAKEN", "...");
//   }
//
//   SQLSTATE                                   code                 reason
//   23505 unique_violation                     ALREADY_EXISTS       UNIQUE_VIOLATION
//   23503 foreign_key_violation                FAILED_PRECONDITION  FOREIGN_KEY_VIOLATION
//   23514 check_violation                      INVALID_ARGUMENT     CHECK_VIOLATION
//   23502 not_null_violation                   INVALID_ARGUMENT     NOT_NULL_VIOLATION
//   22xxx data exceptions                      INVALID_ARGUMENT     DATA_EXCEPTION
//   40001 serialization_failure                ABORTED              SERIALIZATION_FAILURE
//   40P01 deadlock_detected                    ABORTED              DEADLOCK_DETECTED
//   57014 query_canceled (statement_timeout)   DEADLINE_EXCEEDED    QUERY_CANCELED
//   08xxx, 57P01-57P03, a lost connection      UNAVAILABLE          DATABASE_UNAVAILABLE
//   53xxx insufficient resources               RESOURCE_EXHAUSTED   INSUFFICIENT_RESOURCES
//   anything else                              INTERNAL             DATABASE_ERROR
#ifndef COOPNET_COMMON_PG_ERRORS_H_
#define COOPNET_COMMON_PG_ERRORS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace coopnet::pg {

// The status for a server error with `sqlstate`, per the table above, carrying the
// SQLSTATE and (when not empty) the constraint name. The message is
// "<message> (SQLSTATE <sqlstate>)".
absl::Status SqlError(absl::string_view sqlstate, absl::string_view message,
                      absl::string_view constraint = "");

// The SQLSTATE of an error from the server ("23505"); nullopt for other statuses,
// including a connection lost without a word from the server.
std::optional<std::string> SqlStateOf(const absl::Status& status);

// The constraint an integrity error violated ("organisations_vat_id_key"), if any.
std::optional<std::string> ConstraintOf(const absl::Status& status);

// True for the errors PostgreSQL expects a client to answer by running the transaction
// again: serialization_failure (40001) and deadlock_detected (40P01).
bool IsRetryable(const absl::Status& status);

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_ERRORS_H_
