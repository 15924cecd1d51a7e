#include "services/funding/open_calls.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/time/time.h"
#include "services/funding/funding_rules.h"

namespace coopnet::funding {
namespace {

bool OpenAt(const Call& call, absl::Time now) {
  return call.has_publish_time() && ToTime(call.deadline()) > now;
}

}  // namespace

OpenCalls::OpenCalls(FundingStore& store, Options options) : store_(store), options_(options) {}

void OpenCalls::Changed() {
  absl::MutexLock lock(&mu_);
  changed_ = true;
}

absl::StatusOr<std::shared_ptr<const OpenCalls::Snapshot>> OpenCalls::At(uint64_t generation,
                                                                         absl::Time now) {
  // One reader at a time; the others wait for its answer rather than ask the same.
  absl::MutexLock lock(&mu_);
  if (snapshot_ == nullptr || now - loaded_ >= options_.reload_every) {
    COOPNET_RETURN_IF_ERROR(Reload(now));
  } else if (generation != generation_ || changed_) {
    COOPNET_RETURN_IF_ERROR(ReadChanges(now));
  }
  generation_ = generation;
  return snapshot_;
}

absl::Status OpenCalls::Reload(absl::Time now) {
  // Marked first: a write that commits during the read makes the next question look.
  changed_ = false;
  COOPNET_ASSIGN_OR_RETURN(std::vector<MatchableCall> calls, store_.OpenCallsAt(now));
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->reserve(calls.size());
  for (MatchableCall& call : calls) {
    std::string name = call.call.name();
    snapshot->emplace(std::move(name), std::move(call));
  }
  snapshot_ = std::move(snapshot);
  loaded_ = now;
  settled_ = now - options_.overlap;
  return absl::OkStatus();
}

absl::Status OpenCalls::ReadChanges(absl::Time now) {
  changed_ = false;
  COOPNET_ASSIGN_OR_RETURN(std::vector<MatchableCall> written, store_.CallsWrittenSince(settled_));
  // Most rows read again are the versions held: copy the snapshot only for a difference.
  std::shared_ptr<Snapshot> changed;
  auto edit = [&]() -> Snapshot& {
    if (changed == nullptr) changed = std::make_shared<Snapshot>(*snapshot_);
    return *changed;
  };
  for (MatchableCall& call : written) {
    std::string name = call.call.name();
    auto held = snapshot_->find(name);
    const bool is_held = held != snapshot_->end();
    if (!OpenAt(call.call, now)) {
      if (is_held) edit().erase(name);
    } else if (!is_held || held->second.revision != call.revision) {
      edit().insert_or_assign(std::move(name), std::move(call));
    }
  }
  if (changed != nullptr) snapshot_ = std::move(changed);
  settled_ = std::max(settled_, now - options_.overlap);
  return absl::OkStatus();
}

}  // namespace coopnet::funding
