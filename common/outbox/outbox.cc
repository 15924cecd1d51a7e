#include "common/outbox/outbox.h"

namespace coopnet::outbox {
namespace {

const pg::Statement kInsert{"INSERT INTO outbox (stream, type, payload) VALUES ($1, $2, $3)"};

}  // namespace

absl::Status Append(pg::Transaction& tx, absl::string_view stream,
                    const google::protobuf::Message& event) {
  return Append(tx, stream, event.GetTypeName(), event.SerializeAsString());
}

absl::Status Append(pg::Transaction& tx, absl::string_view stream, absl::string_view type,
                    absl::string_view payload) {
  return tx.Exec(kInsert, stream, type, pg::Bytes(payload)).status();
}

}  // namespace coopnet::outbox
