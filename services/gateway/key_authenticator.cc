#include "services/gateway/key_authenticator.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::gateway {
namespace {

using principal::Principal;

std::string Digest(absl::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

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
      stub_(organisations::v1::ApiKeyService::NewStub(organisations.channel())) {}

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
  absl::MutexLock lock(&mu_);
  auto it = answers_.find(digest);
  if (it == answers_.end()) return std::nullopt;
  if (absl::Now() >= it->second.until) {
    answers_.erase(it);
    return std::nullopt;
  }
  return Stamped(it->second.caller, client_address);
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
  {
    absl::MutexLock lock(&mu_);
    std::vector<Waiter>& waiters = waiting_[call->digest];
    waiters.push_back({std::string(client_address), std::move(done)});
    // Somebody asked about this key already: its answer serves this caller too.
    if (waiters.size() > 1) return;
    ++calls_in_flight_;
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
  Answer answer{InvalidKey(), now + options_.cache_time};
  bool keep = true;
  if (status.ok()) {
    answer.caller = call->response.principal();
    if (call->response.has_expire_time()) {
      const google::protobuf::Timestamp& expiry = call->response.expire_time();
      answer.until = std::min(answer.until, absl::FromUnixSeconds(expiry.seconds()) +
                                                absl::Nanoseconds(expiry.nanos()));
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
      answer.caller = status::Error(absl::StatusCode::kUnavailable, "AUTHENTICATION_UNAVAILABLE",
                                    "API keys cannot be checked right now; retry with backoff");
    }
  }

  std::vector<Waiter> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(call->digest);
    waiters = std::move(it->second);
    waiting_.erase(it);
    if (keep && answers_.size() >= options_.max_entries) {
      absl::erase_if(answers_, [now](const auto& entry) { return entry.second.until <= now; });
    }
    if (keep && answers_.size() < options_.max_entries) answers_[call->digest] = answer;
  }
  for (Waiter& waiter : waiters) waiter.done(Stamped(answer.caller, waiter.client_address));
  absl::MutexLock lock(&mu_);
  --calls_in_flight_;
}

}  // namespace coopnet::gateway
