// Internal to common/pg: cancels a statement still running when the deadline of the call
// it serves passes, so the call ends then and its connection is free for the next one.
#ifndef COOPNET_COMMON_PG_CANCELLER_H_
#define COOPNET_COMMON_PG_CANCELLER_H_

#include <libpq-fe.h>

#include "absl/time/time.h"

namespace coopnet::pg::internal {

// While it lives, the statement running on the session `cancel` belongs to is cancelled
// (PQcancel, from a thread of the process's own) once `deadline` passes; the server then
// fails it with query_canceled. Nothing is watched for an infinite deadline. When the
// guard goes, no cancel for it can still be sent, so it never reaches a later statement.
class CancelAtDeadline {
 public:
  CancelAtDeadline(PGcancel* cancel, absl::Time deadline);
  ~CancelAtDeadline();
  CancelAtDeadline(const CancelAtDeadline&) = delete;
  CancelAtDeadline& operator=(const CancelAtDeadline&) = delete;

  // Stops watching (the statement returned); whether the cancel was sent before.
  bool Finish();

  struct Watch;

 private:
  Watch* watch_ = nullptr;
};

}  // namespace coopnet::pg::internal

#endif  // COOPNET_COMMON_PG_CANCELLER_H_
