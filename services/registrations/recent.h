// coopnet::registrations::Recent — answers of other processes kept in this one for a
// short while (Directory's first level, before Redis).
//
//   const uint64_t epoch = recent.Epoch();   // before asking
//   ... ask the events service ...
//   recent.Keep(name, facts, epoch);         // dropped if a Forget came in between
//
// A Forget while an answer is on its way makes that answer stale: Keep refuses answers
// asked for before the latest Forget (of any name: a forget is rare, and the next call
// asks again).
#ifndef COOPNET_SERVICES_REGISTRATIONS_RECENT_H_
#define COOPNET_SERVICES_REGISTRATIONS_RECENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::registrations {

// Thread-safe.
template <typename Facts>
class Recent {
 public:
  // Entries live `ttl`; at most `capacity` are kept (all are dropped when it is reached:
  // what was dropped is asked again).
  explicit Recent(absl::Duration ttl, size_t capacity = 10000) : ttl_(ttl), capacity_(capacity) {}

  std::optional<Facts> Find(const std::string& name, absl::Time now = absl::Now()) const {
    absl::MutexLock lock(&mu_);
    const auto found = entries_.find(name);
    if (found == entries_.end() || found->second.first < now) return std::nullopt;
    return found->second.second;
  }

  // Take before asking; give to Keep.
  uint64_t Epoch() const {
    absl::MutexLock lock(&mu_);
    return forgets_;
  }

  // Keeps `facts` unless a Forget came after `epoch` was taken.
  void Keep(const std::string& name, Facts facts, uint64_t epoch, absl::Time now = absl::Now()) {
    absl::MutexLock lock(&mu_);
    if (epoch != forgets_) return;
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert_or_assign(name, std::make_pair(now + ttl_, std::move(facts)));
  }

  void Forget(const std::string& name) {
    absl::MutexLock lock(&mu_);
    ++forgets_;
    entries_.erase(name);
  }

 private:
  const absl::Duration ttl_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  uint64_t forgets_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::pair<absl::Time, Facts>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_RECENT_H_
