#include "common/outbox/relay.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::outbox {
namespace {

// "coopnout": one relay at a time per database, whichever replica gets there first.
constexpr int64_t kRelayLockKey = 0x636f6f706e6f7574;

const pg::Statement kTryLock{"SELECT pg_try_advisory_xact_lock($1::bigint)"};

const pg::Statement kOldest{
    "SELECT id, stream, type, payload FROM outbox WHERE relay_time IS NULL ORDER BY id"
    " LIMIT $1 FOR UPDATE SKIP LOCKED"};

const pg::Statement kMarkRelayed{
    "UPDATE outbox SET relay_time = now() WHERE id = ANY($1::bigint[])"};

// Once per process: what went where before it started.
const pg::Statement kGiven{
    "SELECT stream, max(id) FROM outbox WHERE relay_time IS NOT NULL GROUP BY stream"};

const pg::Statement kKeptAfter{
    "SELECT id, stream, type, payload FROM outbox"
    " WHERE stream = $1 AND id > $2 AND relay_time IS NOT NULL ORDER BY id LIMIT $3"};

const pg::Statement kPrune{"DELETE FROM outbox WHERE relay_time < now() - $1::interval"};

// The key holding the newest outbox id `stream` was given.
std::string GivenKey(absl::string_view stream) { return absl::StrCat(stream, ":relayed"); }

// Raises KEYS[1] to ARGV[1], never lowers it: a row committed late is relayed after a
// newer one, and must not make Redis look as if it lost the newer one.
constexpr char kRaise[] =
    "local held = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if tonumber(ARGV[1]) > held then redis.call('SET', KEYS[1], ARGV[1]) end "
    "return 0";

// Trims stream KEYS[1] to the entries some consumer group has yet to handle and those
// newer than ARGV[1] (Unix milliseconds), which Watch cursors may still resume from: an
// entry goes once it is older than every group's oldest pending entry (or than the entry
// after its last delivered one, with none pending) and than ARGV[1]. Returns how many went.
constexpr char kTrimHandled[] = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local floor_ms, floor_seq = tonumber(ARGV[1]), 0
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local ms, seq
  if tonumber(info['pending']) > 0 then
    ms, seq = parse(redis.call('XPENDING', KEYS[1], info['name'])[2])
  else
    ms, seq = parse(info['last-delivered-id'])
    seq = seq + 1
  end
  if ms < floor_ms or (ms == floor_ms and seq < floor_seq) then
    floor_ms, floor_seq = ms, seq
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-%d', floor_ms, floor_seq))
)lua";

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
  absl::MutexLock pass(&pass_mu_);
  // Rows given to Redis in this pass, new ones or kept ones again; and the new ones.
  int given = 0;
  int fresh = 0;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    given = fresh = 0;
    COOPNET_ASSIGN_OR_RETURN(pg::Result locked, tx.Exec(kTryLock, kRelayLockKey));
    if (!locked.GetBool(0, 0)) return absl::OkStatus();
    COOPNET_RETURN_IF_ERROR(Prune(tx));
    COOPNET_ASSIGN_OR_RETURN(auto lost, Lost(tx));
    if (lost) {
      COOPNET_ASSIGN_OR_RETURN(pg::Result kept, tx.Exec(kKeptAfter, lost->first, lost->second,
                                                        static_cast<int32_t>(options_.batch_size)));
      if (republishing_.insert(lost->first).second) {
        log::Warn("Redis lacks changes it was given; publishing them again from the outbox",
                  {{"stream", lost->first}, {"after_outbox_id", absl::StrCat(lost->second)}});
      }
      if (kept.rows() == 0) {
        // Pruned or never kept: nothing more to give; Redis starts from what it has.
        (*given_)[lost->first] = lost->second;
      } else {
        COOPNET_RETURN_IF_ERROR(Publish(kept));
        given = kept.rows();
      }
      if (kept.rows() < options_.batch_size) {
        log::Info("published the kept changes again", {{"stream", lost->first}});
        republishing_.erase(lost->first);
      }
      return absl::OkStatus();
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result rows,
                             tx.Exec(kOldest, static_cast<int32_t>(options_.batch_size)));
    if (rows.rows() == 0) return absl::OkStatus();
    COOPNET_RETURN_IF_ERROR(Publish(rows));
    std::vector<int64_t> ids;
    ids.reserve(rows.rows());
    for (int row = 0; row < rows.rows(); ++row) ids.push_back(rows.GetInt64(row, 0));
    COOPNET_RETURN_IF_ERROR(tx.Exec(kMarkRelayed, ids).status());
    given = fresh = static_cast<int>(ids.size());
    return absl::OkStatus();
  }));
  relayed_.fetch_add(fresh, std::memory_order_relaxed);
  republished_.fetch_add(given - fresh, std::memory_order_relaxed);
  return given;
}

absl::StatusOr<std::optional<std::pair<std::string, int64_t>>> Relay::Lost(pg::Transaction& tx) {
  if (!given_) {
    COOPNET_ASSIGN_OR_RETURN(pg::Result r, tx.Exec(kGiven));
    given_.emplace();
    for (int row = 0; row < r.rows(); ++row) (*given_)[r.GetString(row, 0)] = r.GetInt64(row, 1);
  }
  if (given_->empty()) return std::nullopt;
  std::vector<std::string> get = {"MGET"};
  for (const auto& [stream, id] : *given_) get.push_back(GivenKey(stream));
  COOPNET_ASSIGN_OR_RETURN(redis::Reply held, redis_.Command(get));
  if (held.elements.size() != given_->size()) {
    return absl::InternalError(absl::StrCat("unexpected MGET reply: ", held.DebugString()));
  }
  auto reply = held.elements.begin();
  for (auto& [stream, given] : *given_) {
    int64_t has = 0;
    if (!reply->is_nil() && !absl::SimpleAtoi(reply->str, &has)) has = 0;
    ++reply;
    // Another replica gave it more.
    if (has >= given) {
      given = has;
      continue;
    }
    return std::make_pair(stream, has);
  }
  return std::nullopt;
}

absl::Status Relay::Publish(const pg::Result& rows) {
  std::vector<std::vector<std::string>> commands;
  std::map<std::string, int64_t> newest;
  commands.reserve(rows.rows() + 1);  // one stream, mostly
  for (int row = 0; row < rows.rows(); ++row) {
    const int64_t id = rows.GetInt64(row, 0);
    std::string stream = rows.GetString(row, 1);
    commands.push_back({"XADD", stream, "MAXLEN", "~", absl::StrCat(options_.max_stream_length),
                        "*", "type", rows.GetString(row, 2), "payload", rows.GetBytes(row, 3),
                        "outbox_id", absl::StrCat(id)});
    int64_t& top = newest[std::move(stream)];
    top = std::max(top, id);
  }
  for (const auto& [stream, id] : newest) {
    commands.push_back({"EVAL", kRaise, "1", GivenKey(stream), absl::StrCat(id)});
  }
  COOPNET_ASSIGN_OR_RETURN(std::vector<redis::Reply> replies, redis_.Pipeline(commands));
  for (const redis::Reply& reply : replies) {
    if (reply.is_error()) {
      return status::Error(absl::StatusCode::kUnavailable, "STREAM_WRITE_FAILED",
                           absl::StrCat("XADD refused: ", reply.str));
    }
  }
  for (const auto& [stream, id] : newest) (*given_)[stream] = std::max((*given_)[stream], id);
  return absl::OkStatus();
}

absl::Status Relay::Prune(pg::Transaction& tx) {
  const absl::Time now = absl::Now();
  if (now < next_prune_) return absl::OkStatus();
  next_prune_ = now + options_.prune_interval;
  if (given_) {
    for (const auto& [stream, id] : *given_) {
      // A stream kept whole a while longer costs memory, not changes: no reason to stop.
      absl::StatusOr<redis::Reply> trimmed =
          redis_.Command({"EVAL", kTrimHandled, "1", stream,
                          absl::StrCat(absl::ToUnixMillis(now - options_.stream_window))});
      if (!trimmed.ok()) {
        log::Warn("could not trim a stream to what its consumer groups have not handled",
                  {{"stream", stream}, {"error", std::string(trimmed.status().message())}});
      }
    }
  }
  return tx
      .Exec(kPrune, absl::StrCat(absl::ToInt64Milliseconds(options_.retention), " milliseconds"))
      .status();
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
