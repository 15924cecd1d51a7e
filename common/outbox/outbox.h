// coopnet::outbox — domain events that leave the service exactly when the change that
// caused them commits, and never otherwise.
//
// A service writes each domain event to its `outbox` table inside the transaction of
// the change, so that both commit or neither does:
//
//   COOPNET_RETURN_IF_ERROR(pool.InTransaction([&](pg::Transaction& tx) -> absl::Status {
//     COOPNET_RETURN_IF_ERROR(tx.Exec(kCancelEvent, id, reason).status());
//     return outbox::Append(tx, "coopnet:events:stream", cancelled);  // EventCancelled
//   }));
//
// and runs one outbox::Relay per process (relay.h), which moves committed rows to Redis
// streams; consumers read them with stream.h. The table is the service's own: its
// migrations create it with the DDL of kTableSql.
#ifndef COOPNET_COMMON_OUTBOX_OUTBOX_H_
#define COOPNET_COMMON_OUTBOX_OUTBOX_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"
#include "google/protobuf/message.h"

namespace coopnet::outbox {

// The table Append writes and Relay publishes from: rows wait with no relay_time, then
// are kept for the relay's retention. A service copies it into a migration of its own
// (released migrations never change, whatever this constant becomes).
inline constexpr char kTableSql[] = R"sql(
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  stream      text NOT NULL,
  type        text NOT NULL,
  payload     bytea NOT NULL,
  create_time timestamptz NOT NULL DEFAULT now(),
  relay_time  timestamptz
);
CREATE INDEX outbox_waiting ON outbox (id) WHERE relay_time IS NULL;
CREATE INDEX outbox_relayed ON outbox (relay_time) WHERE relay_time IS NOT NULL;
)sql";

// Records `event` for the Redis stream `stream` as part of `tx`: its full protobuf
// type name (`coopnet.events.v1.EventCancelled`) and its serialized bytes.
absl::Status Append(pg::Transaction& tx, absl::string_view stream,
                    const google::protobuf::Message& event);

// Append for a payload serialized already.
absl::Status Append(pg::Transaction& tx, absl::string_view stream, absl::string_view type,
                    absl::string_view payload);

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_OUTBOX_H_
