#include "services/gateway/access.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace coopnet::gateway {
namespace {

using principal::Principal;

absl::Status RateLimited(absl::string_view who, const Admission& admission) {
  const int64_t seconds = RetryAfterSeconds(admission.retry_after);
  return status::Error(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                       absl::StrCat("too many calls from ", who, "; retry after ", seconds, " s"),
                       {{"retry_after_seconds", absl::StrCat(seconds)}});
}

}  // namespace

absl::Status Authorise(const api::v1::MethodPolicy& policy, const Principal& caller) {
  // Methods open to anonymous callers are open to everybody; what each may see is the
  // service's business.
  if (policy.anonymous()) return absl::OkStatus();
  if (caller.kind() == Principal::ANONYMOUS) {
    return status::Error(absl::StatusCode::kUnauthenticated, "API_KEY_REQUIRED",
                         "this method needs an API key: send `Authorization: Bearer cnk_...`");
  }
  if (policy.scope() == type::v1::SCOPE_UNSPECIFIED ||
      principal::HasScope(caller, policy.scope())) {
    return absl::OkStatus();
  }
  return status::Error(absl::StatusCode::kPermissionDenied, "SCOPE_MISSING",
                       absl::StrCat("the API key lacks the scope this method needs, ",
                                    type::v1::Scope_Name(policy.scope())),
                       {{"scope", type::v1::Scope_Name(policy.scope())}});
}

int64_t RetryAfterOf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kResourceExhausted) return 0;
  const auto info = status::GetErrorInfo(status);
  if (!info) return 0;
  auto it = info->metadata().find("retry_after_seconds");
  int64_t seconds = 0;
  if (it == info->metadata().end() || !absl::SimpleAtoi(it->second, &seconds)) return 0;
  return seconds;
}

Access::Access(KeyAuthenticator& authenticator, RateLimiter& limiter, Limits limits)
    : authenticator_(authenticator), limiter_(limiter), limits_(limits) {}

Access::~Access() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::atomic<int>* admitting) { return admitting->load() == 0; }, &admitting_));
}

void Access::Admit(const ApiMethod& method, const Credentials& credentials, Done answer) {
  ++admitting_;
  Done done = [this, answer = std::move(answer)](absl::StatusOr<Principal> caller) {
    answer(std::move(caller));
    // The last one takes the lock so that a waiting destructor looks again.
    if (--admitting_ == 0) {
      absl::MutexLock lock(&mu_);
    }
  };
  if (auto known = authenticator_.Lookup(credentials.authorization, credentials.client_address)) {
    Limit(method.policy, *std::move(known), std::move(done));
    return;
  }
  const std::string address = BucketAddress(credentials.client_address);
  if (guessing_.Find(address)) {
    done(RateLimited(credentials.client_address, Admission{false, absl::Seconds(1)}));
    return;
  }
  authenticator_.Ask(credentials.authorization, credentials.client_address,
                     [this, &method, address = credentials.client_address,
                      done = std::move(done)](absl::StatusOr<Principal> caller) mutable {
                       const auto info =
                           caller.ok() ? std::nullopt : status::GetErrorInfo(caller.status());
                       if (info && info->reason() == "API_KEY_INVALID") {
                         ChargeRefusedKey(address, caller.status(), std::move(done));
                         return;
                       }
                       Limit(method.policy, std::move(caller), std::move(done));
                     });
}

void Access::ChargeRefusedKey(const std::string& client_address, absl::Status refusal, Done done) {
  const std::string address = BucketAddress(client_address);
  limiter_.Take(absl::StrCat("address:", address), limits_.address,
                [this, client_address, address, refusal = std::move(refusal),
                 done = std::move(done)](Admission admission) {
                  if (admission.allowed) {
                    done(refusal);
                    return;
                  }
                  guessing_.Keep(address, true, 0, absl::Now() + admission.retry_after);
                  done(RateLimited(client_address, admission));
                });
}

void Access::Limit(const api::v1::MethodPolicy& policy, absl::StatusOr<Principal> caller,
                   Done done) {
  if (!caller.ok()) {
    done(caller.status());
    return;
  }
  if (absl::Status allowed = Authorise(policy, *caller); !allowed.ok()) {
    done(allowed);
    return;
  }
  std::string bucket, who;
  const BucketPolicy* limit = nullptr;
  switch (caller->kind()) {
    case Principal::ANONYMOUS:
      bucket = absl::StrCat("address:", BucketAddress(caller->client_address()));
      who = caller->client_address();
      limit = &limits_.address;
      break;
    case Principal::API_KEY:
      bucket = absl::StrCat("key:", caller->api_key());
      who = "this API key";
      limit = &limits_.key;
      break;
    default:  // operators
      done(std::move(caller));
      return;
  }
  limiter_.Take(bucket, *limit,
                [caller = *std::move(caller), who, done = std::move(done)](Admission admission) {
                  if (admission.allowed) {
                    done(caller);
                  } else {
                    done(RateLimited(who, admission));
                  }
                });
}

}  // namespace coopnet::gateway
