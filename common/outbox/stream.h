// coopnet::outbox::StreamReader — reading what a Relay published, from a cursor on.
//
// XREAD BLOCK holds its connection until an entry comes, so a reader has a connection
// of its own instead of borrowing one from the process's pool:
//
//   outbox::StreamReader reader({.address = redis_address}, "coopnet:events:stream");
//   COOPNET_ASSIGN_OR_RETURN(std::string cursor, reader.LastId());
//   while (watching) {
//     COOPNET_ASSIGN_OR_RETURN(auto entries, reader.Read(cursor, absl::Seconds(1), 100));
//     for (const outbox::StreamEntry& e : entries) { Handle(e); cursor = e.id; }
//   }
#ifndef COOPNET_COMMON_OUTBOX_STREAM_H_
#define COOPNET_COMMON_OUTBOX_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis/client.h"

namespace coopnet::outbox {

// One relayed outbox row.
struct StreamEntry {
  // The stream's id of the entry ("1700000000000-0"): the cursor to read on from.
  std::string id;
  // The payload's protobuf type name.
  std::string type;
  std::string payload;
  // The outbox row's id: the same for every delivery of the same row.
  int64_t outbox_id = 0;
  // False for an entry no relay wrote: no type, or an outbox_id that is not a number.
  bool well_formed = true;
};

// True for a stream id a reader may start after: "0", "<ms>" or "<ms>-<seq>".
bool IsStreamId(absl::string_view id);

// The entries of an XRANGE reply, or of one stream of an XREAD reply; INTERNAL when
// Redis answered something else. A malformed entry is kept, marked not well_formed, so
// that a consumer can set it aside instead of stopping at it.
absl::StatusOr<std::vector<StreamEntry>> ParseEntries(const redis::Reply& entries);

// Not thread-safe: one reader per consumer.
class StreamReader {
 public:
  // Opens (lazily) one connection to Redis as `connection` says (address, credentials);
  // its pool size and timeout are the reader's own.
  StreamReader(redis::ClientOptions connection, std::string stream);

  // Up to `count` entries after `after`, waiting up to `block` for the first; none when
  // nothing came in time. UNAVAILABLE when Redis cannot be reached.
  absl::StatusOr<std::vector<StreamEntry>> Read(absl::string_view after, absl::Duration block,
                                                int count);

  // The id of the newest entry, "0-0" for an empty or missing stream: a cursor that
  // reads only what comes next.
  absl::StatusOr<std::string> LastId();

 private:
  const std::string stream_;
  std::unique_ptr<redis::Client> redis_;
};

}  // namespace coopnet::outbox

#endif  // COOPNET_COMMON_OUTBOX_STREAM_H_
