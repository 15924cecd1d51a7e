#include "common/outbox/stream.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace coopnet::outbox {
namespace {

// How much longer than the BLOCK time a read may take before the connection is given up.
constexpr absl::Duration kReplyMargin = absl::Seconds(2);
constexpr absl::Duration kLongestBlock = absl::Seconds(30);

absl::Status Unexpected(const redis::Reply& reply) {
  return absl::InternalError(absl::StrCat("unexpected stream reply: ", reply.DebugString()));
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && s.size() <= 20 &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

bool IsStreamId(absl::string_view id) {
  std::vector<absl::string_view> parts = absl::StrSplit(id, '-');
  if (parts.size() == 1) return AllDigits(parts[0]);
  return parts.size() == 2 && AllDigits(parts[0]) && AllDigits(parts[1]);
}

absl::StatusOr<std::vector<StreamEntry>> ParseEntries(const redis::Reply& entries) {
  if (entries.type != redis::Reply::Type::kArray) return Unexpected(entries);
  std::vector<StreamEntry> parsed;
  parsed.reserve(entries.elements.size());
  for (const redis::Reply& entry : entries.elements) {
    if (entry.elements.size() != 2 || entry.elements[1].type != redis::Reply::Type::kArray) {
      return Unexpected(entry);
    }
    StreamEntry e;
    e.id = entry.elements[0].str;
    const std::vector<redis::Reply>& fields = entry.elements[1].elements;
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      const std::string& name = fields[i].str;
      const std::string& value = fields[i + 1].str;
      if (name == "type") {
        e.type = value;
      } else if (name == "payload") {
        e.payload = value;
      } else if (name == "outbox_id" && !absl::SimpleAtoi(value, &e.outbox_id)) {
        e.well_formed = false;
      }
    }
    if (e.type.empty()) e.well_formed = false;
    parsed.push_back(std::move(e));
  }
  return parsed;
}

StreamReader::StreamReader(redis::ClientOptions options, std::string stream)
    : stream_(std::move(stream)) {
  options.pool_size = 1;
  options.command_timeout = kLongestBlock + kReplyMargin;
  redis_ = redis::Client::Create(std::move(options));
}

absl::StatusOr<std::vector<StreamEntry>> StreamReader::Read(absl::string_view after,
                                                            absl::Duration block, int count) {
  block = std::clamp(block, absl::Milliseconds(1), kLongestBlock);
  absl::StatusOr<redis::Reply> reply = redis_->Command(
      {"XREAD", "COUNT", absl::StrCat(count), "BLOCK",
       absl::StrCat(absl::ToInt64Milliseconds(block)), "STREAMS", stream_, std::string(after)});
  if (!reply.ok()) return reply.status();
  // Nil: nothing came within `block`.
  if (reply->is_nil()) return std::vector<StreamEntry>();
  // [[stream, [entries...]]]
  if (reply->elements.size() != 1 || reply->elements[0].elements.size() != 2) {
    return Unexpected(*reply);
  }
  return ParseEntries(reply->elements[0].elements[1]);
}

absl::StatusOr<std::string> StreamReader::LastId() {
  absl::StatusOr<redis::Reply> reply =
      redis_->Command({"XREVRANGE", stream_, "+", "-", "COUNT", "1"});
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::vector<StreamEntry>> newest = ParseEntries(*reply);
  if (!newest.ok()) return newest.status();
  return newest->empty() ? std::string("0-0") : newest->front().id;
}

}  // namespace coopnet::outbox
