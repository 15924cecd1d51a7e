#include "common/redis/client.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace coopnet::redis {
namespace {

Reply FromHiredis(const redisReply& raw) {
  switch (raw.type) {
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(raw.integer);
    case REDIS_REPLY_STRING:
      return Reply::String(absl::string_view(raw.str, raw.len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(absl::string_view(raw.str, raw.len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(absl::string_view(raw.str, raw.len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(raw.elements);
      for (size_t i = 0; i < raw.elements; ++i) elements.push_back(FromHiredis(*raw.element[i]));
      return Reply::Array(std::move(elements));
    }
    default:
      return Reply::Nil();
  }
}

// Redis refusing for a while (loading its data, running a long script, failing over)
// is worth a retry; any other error reply is a mistake in the command or the data.
absl::Status ReplyErrorStatus(const Reply& reply) {
  for (absl::string_view transient : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"}) {
    if (absl::StartsWith(reply.str, transient)) {
      return absl::UnavailableError(absl::StrCat("redis: ", reply.str));
    }
  }
  return absl::InternalError(absl::StrCat("redis: ", reply.str));
}

// An error reply that says our credentials are wrong or missing.
bool IsRefusedCredentials(absl::string_view error) {
  return absl::StartsWith(error, "WRONGPASS") || absl::StartsWith(error, "NOAUTH") ||
         absl::StartsWith(error, "ERR invalid password") ||
         absl::StartsWith(error, "ERR AUTH <password> called without any password");
}

absl::Status ParseAddress(absl::string_view address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), port) || *port <= 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address must be host:port, got \"", address, "\""));
  }
  absl::string_view name = address.substr(0, colon);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  *host = std::string(name);
  return absl::OkStatus();
}

// True while the peer has sent nothing on an idle connection, i.e. has not closed it.
// Checking costs one syscall and spares the caller a failed call after Redis restarted.
bool StillOpen(const redisContext& context) {
  char byte;
  const ssize_t n = recv(context.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// hiredis writes with write(2), so writing to a connection Redis has reset raises
// SIGPIPE, whose default action kills the service. Like libpq, we block it in this
// thread for the duration of the I/O and swallow one we caused, rather than change the
// whole process's disposition behind its back.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_) == 0;
  }
  ~ScopedSigpipeBlock() {
    if (!blocked_) return;
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait{};
        sigtimedwait(&sigpipe_, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t previous_;
  bool was_pending_ = false;
  bool blocked_ = false;
};

}  // namespace

struct Client::Lease {
  ContextPtr context;
  uint64_t epoch = 0;
};

void Client::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

std::unique_ptr<Client> Client::Create(ClientOptions options) {
  options.pool_size = std::max(options.pool_size, 1);
  options.breaker.failure_threshold = std::max(options.breaker.failure_threshold, 1);
  std::string host;
  int port = 0;
  absl::Status address_status = ParseAddress(options.address, &host, &port);
  return std::unique_ptr<Client>(
      new Client(std::move(options), std::move(host), port, std::move(address_status)));
}

Client::Client(ClientOptions options, std::string host, int port, absl::Status address_status)
    : options_(std::move(options)),
      host_(std::move(host)),
      port_(port),
      address_status_(std::move(address_status)),
      unopened_(options_.pool_size) {}

Client::~Client() = default;

absl::StatusOr<Reply> Client::Command(std::vector<std::string> args) {
  if (args.empty()) return absl::InvalidArgumentError("redis: empty command");
  std::vector<std::vector<std::string>> commands;
  commands.push_back(std::move(args));
  absl::StatusOr<std::vector<Reply>> replies = Execute(commands);
  if (!replies.ok()) return replies.status();
  Reply& reply = replies->front();
  if (reply.is_error()) return ReplyErrorStatus(reply);
  return std::move(reply);
}

absl::StatusOr<std::vector<Reply>> Client::Pipeline(
    std::vector<std::vector<std::string>> commands) {
  if (commands.empty()) return std::vector<Reply>();
  for (const std::vector<std::string>& args : commands) {
    if (args.empty()) return absl::InvalidArgumentError("redis: empty command in pipeline");
  }
  return Execute(commands);
}

ClientStats Client::stats() const {
  absl::MutexLock lock(&mu_);
  return ClientStats{.breaker_state = state_,
                     .consecutive_failures = consecutive_failures_,
                     .failures = failures_,
                     .calls_rejected = calls_rejected_,
                     .connects = connects_};
}

absl::StatusOr<std::vector<Reply>> Client::Execute(
    const std::vector<std::vector<std::string>>& commands) {
  if (!address_status_.ok()) return address_status_;
  bool probe = false;
  if (absl::Status admitted = Admit(&probe); !admitted.ok()) return admitted;

  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) {
    // Refused credentials count as a failure too: the breaker then spares Redis a new
    // connection and AUTH for every call until they are fixed.
    if (absl::IsUnavailable(lease.status()) || absl::IsUnauthenticated(lease.status())) {
      RecordOutcome(probe, lease.status());
    } else {
      AbandonProbe(probe);
    }
    return lease.status();
  }

  absl::StatusOr<std::vector<Reply>> replies = Exchange(*lease->context, commands);
  Release(*std::move(lease), replies.ok());
  RecordOutcome(probe, replies.status());
  return replies;
}

absl::Status Client::Admit(bool* probe) {
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case BreakerState::kClosed:
      return absl::OkStatus();
    case BreakerState::kOpen:
      if (absl::Now() >= probe_at_) {
        state_ = BreakerState::kHalfOpen;
        *probe = true;
        return absl::OkStatus();
      }
      break;
    case BreakerState::kHalfOpen:
      break;
  }
  ++calls_rejected_;
  return absl::UnavailableError(
      absl::StrCat("redis ", options_.address,
                   ": circuit breaker open after I/O failures; last: ", last_failure_));
}

void Client::AbandonProbe(bool probe) {
  if (!probe) return;
  absl::MutexLock lock(&mu_);
  // Nothing was learnt about Redis: let the next call probe.
  if (state_ == BreakerState::kHalfOpen) state_ = BreakerState::kOpen;
}

void Client::RecordOutcome(bool probe, const absl::Status& io_status) {
  std::vector<ContextPtr> stale;
  {
    absl::MutexLock lock(&mu_);
    if (io_status.ok()) {
      consecutive_failures_ = 0;
      if (probe) state_ = BreakerState::kClosed;
      return;
    }
    ++failures_;
    ++consecutive_failures_;
    last_failure_ = std::string(io_status.message());
    if (probe || (state_ == BreakerState::kClosed &&
                  consecutive_failures_ >= options_.breaker.failure_threshold)) {
      state_ = BreakerState::kOpen;
      probe_at_ = absl::Now() + options_.breaker.open_for;
    }
    ++epoch_;
    stale.swap(idle_);
    unopened_ += static_cast<int>(stale.size());
  }
  // `stale` closes its sockets here, outside the lock.
}

bool Client::HasFreeConnection() const { return !idle_.empty() || unopened_ > 0; }

absl::StatusOr<Client::Lease> Client::Acquire() {
  Lease lease;
  std::vector<ContextPtr> closed;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &Client::HasFreeConnection),
                              options_.command_timeout)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "redis ", options_.address, ": all ", options_.pool_size, " connections stayed busy for ",
          absl::FormatDuration(options_.command_timeout)));
    }
    lease.epoch = epoch_;
    while (!idle_.empty() && lease.context == nullptr) {
      ContextPtr context = std::move(idle_.back());
      idle_.pop_back();
      if (StillOpen(*context)) {
        lease.context = std::move(context);
      } else {
        closed.push_back(std::move(context));
        ++unopened_;
      }
    }
    if (lease.context != nullptr) return lease;
    --unopened_;
    ++connects_;
  }
  closed.clear();

  absl::StatusOr<ContextPtr> context = Connect();
  if (!context.ok()) {
    absl::MutexLock lock(&mu_);
    ++unopened_;
    return context.status();
  }
  lease.context = *std::move(context);
  return lease;
}

void Client::Release(Lease lease, bool healthy) {
  absl::MutexLock lock(&mu_);
  if (healthy && lease.epoch == epoch_) {
    idle_.push_back(std::move(lease.context));
  } else {
    ++unopened_;  // the lease closes its socket on return
  }
}

absl::StatusOr<Client::ContextPtr> Client::Connect() {
  ContextPtr context(
      redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(options_.connect_timeout)));
  if (context == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis ", options_.address, ": out of memory"));
  }
  if (context->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.address, ": connect: ", context->errstr));
  }
  if (redisSetTimeout(context.get(), absl::ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.address, ": set timeout: ", context->errstr));
  }
  if (!options_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!options_.username.empty()) auth.push_back(options_.username);
    auth.push_back(options_.password);
    absl::StatusOr<std::vector<Reply>> replies = Exchange(*context, {auth});
    if (!replies.ok()) return replies.status();
    const Reply& reply = replies->front();
    if (reply.type == Reply::Type::kError) {
      // Never the password; Redis's own words name no secret either.
      return absl::UnauthenticatedError(absl::StrCat(
          "redis ", options_.address, " refused AUTH",
          options_.username.empty() ? "" : absl::StrCat(" as user ", options_.username), ": ",
          reply.str));
    }
  }
  return context;
}

absl::Status Client::CheckAccess() {
  absl::StatusOr<Reply> reply = Command({"PING"});
  if (reply.ok()) return absl::OkStatus();
  if (reply.status().code() == absl::StatusCode::kInternal &&
      IsRefusedCredentials(absl::StripPrefix(reply.status().message(), "redis: "))) {
    return absl::UnauthenticatedError(
        absl::StrCat("redis ", options_.address, " wants credentials: ", reply.status().message()));
  }
  return reply.status();
}

absl::StatusOr<std::vector<Reply>> Client::Exchange(
    redisContext& context, const std::vector<std::vector<std::string>>& commands) {
  auto io_error = [&](absl::string_view what) {
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.address, ": ", what, ": ", context.errstr));
  };
  std::vector<const char*> argv;
  std::vector<size_t> argv_len;
  for (const std::vector<std::string>& args : commands) {
    argv.clear();
    argv_len.clear();
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      argv_len.push_back(arg.size());
    }
    if (redisAppendCommandArgv(&context, static_cast<int>(argv.size()), argv.data(),
                               argv_len.data()) != REDIS_OK) {
      return io_error("format");
    }
  }

  ScopedSigpipeBlock no_sigpipe;
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    // The first call writes every appended command, then each reads one reply.
    if (redisGetReply(&context, &raw) != REDIS_OK || raw == nullptr) return io_error("exchange");
    replies.push_back(FromHiredis(*static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

}  // namespace coopnet::redis
