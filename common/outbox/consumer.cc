#include "common/outbox/consumer.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::outbox {
namespace {

constexpr int kEntriesPerRead = 100;
// The dead-letter stream keeps about this many changes, so a flood of bad entries cannot
// grow it without bound.
constexpr int kDeadLettersKept = 10000;
// How much longer than the BLOCK time a read may take before the connection is given up.
constexpr absl::Duration kReplyMargin = absl::Seconds(2);

// The entries of an XREADGROUP reply ([[stream, [entries...]]]); none for nil.
absl::StatusOr<std::vector<StreamEntry>> EntriesOfRead(const redis::Reply& reply) {
  if (reply.is_nil()) return std::vector<StreamEntry>();
  if (reply.elements.size() != 1 || reply.elements[0].elements.size() != 2) {
    return absl::InternalError(absl::StrCat("unexpected XREADGROUP reply: ", reply.DebugString()));
  }
  return ParseEntries(reply.elements[0].elements[1]);
}

}  // namespace

std::string ConsumerName() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return absl::StrCat(host, "-", getpid());
}

Consumer::Consumer(ConsumerOptions options, Handler handle)
    : options_(std::move(options)), handle_(std::move(handle)), loop_([this] { return Round(); }) {
  redis::ClientOptions redis_options = options_.redis;
  redis_options.pool_size = 1;
  redis_options.command_timeout = options_.block + kReplyMargin;
  redis_ = redis::Client::Create(std::move(redis_options));
  absl::StatusOr<metrics::CounterFamily> dead_letters = metrics::CounterFamily::Create(
      "coopnet_stream_dead_letters_total",
      "Changes set aside in a dead-letter stream after they could not be handled",
      {"stream", "group"});
  if (dead_letters.ok()) dead_letters_ = *dead_letters;
}

absl::Duration Consumer::Round() {
  absl::StatusOr<int> handled = HandleNew(options_.block);
  if (handled.ok()) {
    backoff_ = absl::ZeroDuration();
  } else {
    // Redis lost the stream, and the group with it (restarted empty, flushed): make the
    // group again, from the start of what the stream holds now.
    if (absl::StrContains(handled.status().message(), "NOGROUP")) group_ready_ = false;
    log::Warn("handling a stream's changes", {{"stream", options_.stream},
                                              {"group", options_.group},
                                              {"error", std::string(handled.status().message())}});
    backoff_ = std::clamp(backoff_ * 2, absl::Milliseconds(100), absl::Seconds(5));
  }
  return backoff_;
}

absl::Status Consumer::EnsureGroup() {
  if (group_ready_) return absl::OkStatus();
  // From the stream's start: changes made before this service first ran count too.
  absl::StatusOr<redis::Reply> created =
      redis_->Command({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"});
  if (!created.ok() && !absl::StrContains(created.status().message(), "BUSYGROUP")) {
    return created.status();
  }
  group_ready_ = true;
  return absl::OkStatus();
}

absl::StatusOr<int> Consumer::HandleNew(absl::Duration block) {
  COOPNET_RETURN_IF_ERROR(EnsureGroup());
  int handled = 0;
  // Others' changes that stayed unacknowledged: their consumer died.
  COOPNET_ASSIGN_OR_RETURN(
      redis::Reply claimed,
      redis_->Command({"XAUTOCLAIM", options_.stream, options_.group, options_.consumer,
                       absl::StrCat(absl::ToInt64Milliseconds(options_.claim_after)), "0-0",
                       "COUNT", absl::StrCat(kEntriesPerRead)}));
  if (claimed.elements.size() >= 2) {
    COOPNET_ASSIGN_OR_RETURN(std::vector<StreamEntry> entries, ParseEntries(claimed.elements[1]));
    COOPNET_ASSIGN_OR_RETURN(int n, HandleEntries(entries));
    handled += n;
  }
  // Ours that a failed round left unacknowledged, then new ones.
  for (const char* from : {"0", ">"}) {
    const bool fresh = std::string(from) == ">";
    std::vector<std::string> read = {"XREADGROUP",      "GROUP", options_.group,
                                     options_.consumer, "COUNT", absl::StrCat(kEntriesPerRead)};
    if (fresh) {
      read.push_back("BLOCK");
      read.push_back(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(block))));
    }
    read.insert(read.end(), {"STREAMS", options_.stream, from});
    absl::StatusOr<redis::Reply> reply = redis_->Command(read);
    if (!reply.ok()) return reply.status();
    COOPNET_ASSIGN_OR_RETURN(std::vector<StreamEntry> entries, EntriesOfRead(*reply));
    COOPNET_ASSIGN_OR_RETURN(int n, HandleEntries(entries));
    handled += n;
  }
  return handled;
}

absl::StatusOr<int> Consumer::HandleEntries(const std::vector<StreamEntry>& entries) {
  int handled = 0;
  for (const StreamEntry& entry : entries) {
    if (!entry.well_formed) {
      COOPNET_RETURN_IF_ERROR(SetAside(entry,
                                       "malformed: no type, or an outbox_id that is not "
                                       "a number"));
    } else if (absl::Status s = handle_(entry); !s.ok()) {
      COOPNET_ASSIGN_OR_RETURN(int64_t deliveries, Deliveries(entry));
      // Tried again in the next round, until it has had its chances.
      if (deliveries < options_.max_deliveries) return s;
      COOPNET_RETURN_IF_ERROR(
          SetAside(entry, absl::StrCat("failed ", deliveries, " deliveries; last: ", s.message())));
    }
    COOPNET_RETURN_IF_ERROR(
        redis_->Command({"XACK", options_.stream, options_.group, entry.id}).status());
    ++handled;
    handled_.fetch_add(1, std::memory_order_relaxed);
  }
  return handled;
}

absl::StatusOr<int64_t> Consumer::Deliveries(const StreamEntry& entry) {
  // [[id, consumer, idle ms, deliveries]]
  COOPNET_ASSIGN_OR_RETURN(
      redis::Reply pending,
      redis_->Command({"XPENDING", options_.stream, options_.group, entry.id, entry.id, "1"}));
  if (pending.elements.empty() || pending.elements[0].elements.size() < 4) return 1;
  return pending.elements[0].elements[3].integer;
}

absl::Status Consumer::SetAside(const StreamEntry& entry, absl::string_view why) {
  COOPNET_RETURN_IF_ERROR(
      redis_
          ->Command({"XADD", dead_letter_stream(), "MAXLEN", "~", absl::StrCat(kDeadLettersKept),
                     "*", "id", entry.id, "group", options_.group, "type", entry.type, "outbox_id",
                     absl::StrCat(entry.outbox_id), "payload", entry.payload, "reason",
                     std::string(why)})
          .status());
  if (dead_letters_) dead_letters_->With({options_.stream, options_.group}).Increment();
  log::Warn("set a change aside in the dead-letter stream",
            {{"stream", options_.stream},
             {"id", entry.id},
             {"dead_letter_stream", dead_letter_stream()},
             {"reason", std::string(why)}});
  return absl::OkStatus();
}

}  // namespace coopnet::outbox
