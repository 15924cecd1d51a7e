// coopnet::redis — a small pooled Redis client that a dead Redis cannot slow down.
//
// Services use Redis only as a cache, so an unreachable Redis must cost a request
// nothing. Client connects lazily (Create never fails because Redis is down), bounds
// every socket wait by a timeout, authenticates every connection it opens (AUTH, with
// an ACL user or a password), replaces connections that failed at the I/O level,
// and puts a circuit breaker in front of the pool: after `failure_threshold` I/O
// failures in a row, calls fail at once with UNAVAILABLE for `open_for`; then a single
// probe call is let through and its success closes the breaker again.
//
//   auto redis = redis::Client::Create({.address = "127.0.0.1:6379"});
//   COOPNET_ASSIGN_OR_RETURN(redis::Reply n, redis->Command({"INCR", "coopnet:hits"}));
//   COOPNET_ASSIGN_OR_RETURN(std::vector<redis::Reply> replies,
//                            redis->Pipeline({{"GET", "a"}, {"GET", "b"}}));
#ifndef COOPNET_COMMON_REDIS_CLIENT_H_
#define COOPNET_COMMON_REDIS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/reply.h"

struct redisContext;

namespace coopnet::redis {

struct BreakerOptions {
  // I/O failures in a row (connect refused, timeout, connection lost) that open it.
  int failure_threshold = 5;
  // How long it stays open before one probe call may try Redis again.
  absl::Duration open_for = absl::Seconds(2);
};

struct ClientOptions {
  // "host:port"; the host may be a name or an IPv4/IPv6 address ("[::1]:6379").
  std::string address = "";
  // Every connection, new or reopened, authenticates with AUTH before its first
  // command: as the ACL user `username` with `password`, or with `password` alone
  // (requirepass, the `default` user). Neither: no AUTH.
  std::string username = "";
  std::string password = "";
  // Connections opened at most; a call waits for a free one up to `command_timeout`.
  int pool_size = 4;
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // Bounds each wait on the socket: a Redis that stops answering fails the call after
  // about this long instead of holding the request.
  absl::Duration command_timeout = absl::Milliseconds(200);
  BreakerOptions breaker = {};
};

enum class BreakerState {
  kClosed,    // calls go to Redis
  kOpen,      // calls fail at once; the first call after `open_for` becomes the probe
  kHalfOpen,  // the probe is in flight; other calls fail at once
};

// A consistent snapshot of a Client's health, for metrics and tests.
struct ClientStats {
  BreakerState breaker_state = BreakerState::kClosed;
  // I/O failures since the last call that reached Redis and got its replies.
  int consecutive_failures = 0;
  // Every I/O failure since Create.
  int64_t failures = 0;
  // Calls failed by the breaker without touching the network.
  int64_t calls_rejected = 0;
  // Connection attempts, failed ones included.
  int64_t connects = 0;
};

// Thread-safe; one per process and Redis is enough.
class Client {
 public:
  // Never fails and never touches the network: connections are opened by the calls
  // that need them. A malformed address makes every call fail with INVALID_ARGUMENT.
  static std::unique_ptr<Client> Create(ClientOptions options);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs one command given as its arguments ({"SET", key, value}), so values may hold
  // any bytes. An error reply from Redis (WRONGTYPE, a bad argument) fails the call
  // with INTERNAL carrying Redis's text (UNAVAILABLE for LOADING, BUSY, MASTERDOWN,
  // TRYAGAIN) but says nothing about Redis's health: it keeps the connection and does
  // not count for the breaker. I/O failures and an open breaker give UNAVAILABLE; every
  // connection staying busy for `command_timeout` gives DEADLINE_EXCEEDED.
  // A command that failed at the I/O level is not retried, since it may have run.
  absl::StatusOr<Reply> Command(std::vector<std::string> args);

  // Sends every command before reading any reply, then reads the replies in order:
  // one round trip in all, on one connection. Each command's error reply is its element
  // (Reply::Type::kError); the call fails only as a whole, at the I/O level. Wrap the commands in
  // MULTI/EXEC for atomicity: a pipeline alone is not atomic.
  absl::StatusOr<std::vector<Reply>> Pipeline(std::vector<std::vector<std::string>> commands);

  // Whether Redis takes our credentials: OK once a connection has been opened and has
  // answered PING; UNAUTHENTICATED naming the address when Redis refuses the username or
  // password, or asks for one we were not given; UNAVAILABLE when it cannot be reached.
  // For a start-up check: a wrong password is a deployment mistake to stop on, while a
  // Redis that is down is bypassed.
  absl::Status CheckAccess();

  ClientStats stats() const;
  const ClientOptions& options() const { return options_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  struct Lease;

  Client(ClientOptions options, std::string host, int port, absl::Status address_status);

  absl::StatusOr<std::vector<Reply>> Execute(const std::vector<std::vector<std::string>>& commands);
  // Breaker: whether a call may go ahead, and if so whether it is the half-open probe.
  absl::Status Admit(bool* probe) ABSL_LOCKS_EXCLUDED(mu_);
  void RecordOutcome(bool probe, const absl::Status& io_status) ABSL_LOCKS_EXCLUDED(mu_);
  void AbandonProbe(bool probe) ABSL_LOCKS_EXCLUDED(mu_);
  // Pool.
  absl::StatusOr<Lease> Acquire() ABSL_LOCKS_EXCLUDED(mu_);
  void Release(Lease lease, bool healthy) ABSL_LOCKS_EXCLUDED(mu_);
  bool HasFreeConnection() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<ContextPtr> Connect();
  absl::StatusOr<std::vector<Reply>> Exchange(
      redisContext& context, const std::vector<std::vector<std::string>>& commands);

  const ClientOptions options_;
  const std::string host_;
  const int port_;
  const absl::Status address_status_;

  mutable absl::Mutex mu_;
  // Pool: connected and unused contexts, and how many more may be opened.
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  int unopened_ ABSL_GUARDED_BY(mu_);
  // Bumped by every I/O failure, which also closes the idle contexts: a Redis that
  // failed once has usually restarted or gone, so contexts leased before then are
  // closed on return rather than trusted.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Breaker.
  BreakerState state_ ABSL_GUARDED_BY(mu_) = BreakerState::kClosed;
  absl::Time probe_at_ ABSL_GUARDED_BY(mu_);  // when an open breaker lets a probe by
  std::string last_failure_ ABSL_GUARDED_BY(mu_);
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t calls_rejected_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t connects_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coopnet::redis

#endif  // COOPNET_COMMON_REDIS_CLIENT_H_
