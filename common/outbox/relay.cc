#include "common/outbox/relay.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::outbox {
namespace {

// "coopnout": one relay at a time per database, whichever replica gets there first.
constexpr int64_t kRelayLockKey = 0x636f6f706e6f7574;

const pg::Statement kTryLock{"SELECT pg_try_advisory_xact_lock($1::bigint)"};

const pg::Statement kOldest{
    "SELECT id, stream, type, payload FROM outbox ORDER BY id LIMIT $1"
    " FOR UPDATE SKIP LOCKED"};

const pg::Statement kDelete{"DELETE FROM outbox WHERE id = ANY($1::bigint[])"};

}  // namespace

Relay::Relay(pg::Pool& pool, redis::Client& redis, RelayOptions options)
    : pool_(pool), redis_(redis), options_(options) {}

Relay::~Relay() { Stop(); }

void Relay::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Relay::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

absl::StatusOr<int> Relay::RelayBatch() {
  int moved = 0;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    moved = 0;
    COOPNET_ASSIGN_OR_RETURN(pg::Result locked, tx.Exec(kTryLock, kRelayLockKey));
    if (!locked.GetBool(0, 0)) return absl::OkStatus();
    COOPNET_ASSIGN_OR_RETURN(pg::Result rows,
                             tx.Exec(kOldest, static_cast<int32_t>(options_.batch_size)));
    if (rows.rows() == 0) return absl::OkStatus();

    std::vector<std::vector<std::string>> commands;
    std::vector<int64_t> ids;
    commands.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) {
      const int64_t id = rows.GetInt64(row, 0);
      ids.push_back(id);
      commands.push_back({"XADD", rows.GetString(row, 1), "MAXLEN", "~",
                          absl::StrCat(options_.max_stream_length), "*", "type",
                          rows.GetString(row, 2), "payload", rows.GetBytes(row, 3), "outbox_id",
                          absl::StrCat(id)});
    }
    COOPNET_ASSIGN_OR_RETURN(std::vector<redis::Reply> replies, redis_.Pipeline(commands));
    for (const redis::Reply& reply : replies) {
      if (reply.is_error()) {
        return status::Error(absl::StatusCode::kUnavailable, "STREAM_WRITE_FAILED",
                             absl::StrCat("XADD refused: ", reply.str));
      }
    }
    COOPNET_RETURN_IF_ERROR(tx.Exec(kDelete, ids).status());
    moved = static_cast<int>(ids.size());
    return absl::OkStatus();
  }));
  relayed_.fetch_add(moved, std::memory_order_relaxed);
  return moved;
}

void Relay::Loop() {
  absl::Duration backoff = options_.poll_interval;
  bool failing = false;
  while (true) {
    const absl::Time started = absl::Now();
    const absl::StatusOr<int> moved = RelayBatch();
    absl::Duration pause = options_.poll_interval;
    bool backlog = false;
    if (!moved.ok()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      if (!failing) {
        log::Warn("outbox relay failing; rows wait",
                  {{"error", std::string(moved.status().message())}});
      }
      failing = true;
      backoff = std::min(backoff * 2, options_.max_backoff);
      pause = backoff;
    } else {
      if (failing) log::Info("outbox relay recovered", {});
      failing = false;
      backoff = options_.poll_interval;
      // A full batch means more are waiting.
      backlog = *moved == options_.batch_size;
      if (backlog) pause = absl::ZeroDuration();
    }
    absl::MutexLock lock(&mu_);
    auto woken_or_stopping = [this]()
                                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return woken_ || stopping_; };
    // While failing, a wake-up does not cut the backoff short.
    if (failing) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
    } else {
      mu_.AwaitWithTimeout(absl::Condition(&woken_or_stopping), pause);
      const absl::Duration rest = started + options_.min_interval - absl::Now();
      if (!backlog && !stopping_ && rest > absl::ZeroDuration()) {
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), rest);
      }
    }
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace coopnet::outbox
