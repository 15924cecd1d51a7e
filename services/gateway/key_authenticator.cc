#include "services/gateway/key_authenticator.h"

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::gateway {
namespace {

using principal::Principal;

std::string Digest(absl::string_view key) { return Sha256(key); }

bool SameDigest(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::Status InvalidKey() {
  return status::Error(absl::StatusCode::kUnauthenticated, "API_KEY_INVALID",
                       "the API key is not valid (unknown, revoked or expired)");
}

// The key in `Bearer <key>`, or UNAUTHENTICATED for any other header.
absl::StatusOr<absl::string_view> BearerKey(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return status::Error(absl::StatusCode::kUnauthenticated, "AUTHORIZATION_MALFORMED",
                         "the Authorization header must be `Bearer <API key>`");
  }
  return absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
}

absl::StatusOr<Principal> Stamped(const absl::StatusOr<Principal>& caller,
                                  absl::string_view client_address) {
  if (!caller.ok()) return caller.status();
  Principal stamped = *caller;
  stamped.set_client_address(std::string(client_address));
  return stamped;
}

}  // namespace

struct KeyAuthenticator::Call {
  std::string digest;
  grpc::ClientContext context;
  organisations::v1::AuthenticateApiKeyRequest request;
  organisations::v1::AuthenticateApiKeyResponse response;
};

KeyAuthenticator::KeyAuthenticator(const client::ServiceChannel& organisations, Options options)
    : organisations_(organisations),
      options_(std::move(options)),
      admin_digest_(options_.admin_key.empty() ? "" : Digest(options_.admin_key)),
      stub_(organisations::v1::ApiKeyService::NewStub(organisations.channel())),
      answers_(options_.max_bytes) {}

KeyAuthenticator::~KeyAuthenticator() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* calls) { return *calls == 0; }, &calls_in_flight_));
}

std::optional<absl::StatusOr<Principal>> KeyAuthenticator::Lookup(
    absl::string_view authorization, absl::string_view client_address) {
  if (absl::StripAsciiWhitespace(authorization).empty()) {
    return principal::Anonymous(client_address);
  }
  absl::StatusOr<absl::string_view> key = BearerKey(authorization);
  if (!key.ok()) return key.status();
  const std::string digest = Digest(*key);
  if (!admin_digest_.empty() && SameDigest(digest, admin_digest_)) {
    return Stamped(principal::Admin(), client_address);
  }
  std::optional<absl::StatusOr<Principal>> known = answers_.Find(digest);
  if (!known) return std::nullopt;
  return Stamped(*known, client_address);
}

void KeyAuthenticator::Ask(absl::string_view authorization, absl::string_view client_address,
                           Done done) {
  absl::StatusOr<absl::string_view> key = BearerKey(authorization);
  if (!key.ok()) {
    done(key.status());
    return;
  }
  auto call = std::make_unique<Call>();
  call->digest = Digest(*key);
  bool busy = false;
  {
    absl::MutexLock lock(&mu_);
    std::vector<Waiter>& waiters = waiting_[call->digest];
    waiters.push_back({std::string(client_address), std::move(done)});
    // Somebody asked about this key already: its answer serves this caller too.
    if (waiters.size() > 1) return;
    busy = calls_in_flight_ >= options_.max_checks;
    if (busy) {
      done = std::move(waiters.front().done);
      waiting_.erase(call->digest);
    } else {
      ++calls_in_flight_;
    }
  }
  if (busy) {
    done(status::Error(absl::StatusCode::kUnavailable, "AUTHENTICATION_BUSY",
                       "too many API keys are being checked right now; retry with backoff"));
    return;
  }
  call->request.set_key(std::string(*key));
  organisations_.Prepare(call->context);
  Call* raw = call.release();
  stub_->async()->AuthenticateApiKey(&raw->context, &raw->request, &raw->response,
                                     [this, raw](grpc::Status status) { Answered(raw, status); });
}

void KeyAuthenticator::Answered(Call* raw, const grpc::Status& status) {
  std::unique_ptr<Call> call(raw);
  const absl::Time now = absl::Now();
  absl::StatusOr<Principal> caller = InvalidKey();
  absl::Time until = now + options_.cache_time;
  bool keep = true;
  if (status.ok()) {
    caller = call->response.principal();
    if (call->response.has_expire_time()) {
      const google::protobuf::Timestamp& expiry = call->response.expire_time();
      until = std::min(until,
                       absl::FromUnixSeconds(expiry.seconds()) + absl::Nanoseconds(expiry.nanos()));
    }
  } else {
    const absl::Status failure = organisations_.Failure(status, "AuthenticateApiKey");
    const auto info = status::GetErrorInfo(failure);
    if (!(failure.code() == absl::StatusCode::kUnauthenticated && info &&
          info->reason() == "API_KEY_INVALID")) {
      keep = false;
      if (failure.code() != absl::StatusCode::kUnavailable) {
        // Organisations refused the gateway itself: a deployment mistake, not the caller's.
        log::Error("organisations refuses to authenticate keys for the gateway",
                   {{"code", status::CodeName(failure.code())},
                    {"error", std::string(failure.message())}});
      }
      caller = status::Error(absl::StatusCode::kUnavailable, "AUTHENTICATION_UNAVAILABLE",
                             "API keys cannot be checked right now; retry with backoff");
    }
  }

  if (keep) {
    const size_t bytes = caller.ok() ? caller->ByteSizeLong() : caller.status().message().size();
    answers_.Keep(call->digest, caller, bytes, until);
  }
  std::vector<Waiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(call->digest);
    waiters = std::move(it->second);
    waiting_.erase(it);
  }
  for (Waiter& waiter : waiters) waiter.done(Stamped(caller, waiter.client_address));
  // What the callers' callbacks held goes before the call counts as over: the destructor
  // may return as soon as none is in flight.
  waiters.clear();
  call.reset();
  absl::MutexLock lock(&mu_);
  --calls_in_flight_;
}

}  // namespace coopnet::gateway
