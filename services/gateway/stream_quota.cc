#include "services/gateway/stream_quota.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/gateway/client_address.h"

namespace coopnet::gateway {

using principal::Principal;

StreamQuota::Slot::Slot(Slot&& other) noexcept
    : quota_(std::exchange(other.quota_, nullptr)), holder_(std::move(other.holder_)) {}

StreamQuota::Slot& StreamQuota::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (quota_ != nullptr) quota_->Close(holder_);
    quota_ = std::exchange(other.quota_, nullptr);
    holder_ = std::move(other.holder_);
  }
  return *this;
}

StreamQuota::Slot::~Slot() {
  if (quota_ != nullptr) quota_->Close(holder_);
}

absl::StatusOr<StreamQuota::Slot> StreamQuota::Open(const Principal& caller) {
  std::string holder, who;
  int limit = 0;
  switch (caller.kind()) {
    case Principal::ANONYMOUS:
      holder = absl::StrCat("address:", BucketAddress(caller.client_address()));
      who = caller.client_address();
      limit = options_.per_address;
      break;
    case Principal::API_KEY:
      holder = absl::StrCat("key:", caller.api_key());
      who = "this API key";
      limit = options_.per_key;
      break;
    default:  // operators
      break;
  }
  absl::MutexLock lock(&mu_);
  if (limit > 0) {
    int& open = open_[holder];
    if (open >= limit) {
      return status::Error(absl::StatusCode::kResourceExhausted, "STREAMS_EXHAUSTED",
                           absl::StrCat("too many streams open from ", who, " (at most ", limit,
                                        "); close one first"),
                           {{"limit", absl::StrCat(limit)}});
    }
    ++open;
  } else {
    holder.clear();
  }
  ++total_;
  return Slot(this, std::move(holder));
}

int StreamQuota::open() const {
  absl::MutexLock lock(&mu_);
  return total_;
}

void StreamQuota::Close(const std::string& holder) {
  absl::MutexLock lock(&mu_);
  --total_;
  if (holder.empty()) return;
  auto it = open_.find(holder);
  if (--it->second == 0) open_.erase(it);
}

}  // namespace coopnet::gateway
