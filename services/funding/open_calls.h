// coopnet::funding::OpenCalls — the published calls still to close, kept in memory for
// MatchCalls.
//
// Every question judges every open call an organisation could lead; reading thousands
// of rows from PostgreSQL and parsing their eligibility per question is what a match
// used to cost. They are read once and then kept up to date: when the calls' generation
// (cache::Cache, bumped after every commit that changes a call) differs from the last
// one seen, or this replica wrote a call, only the calls written since `overlap` before
// the last read are read again; all of them are read again every
// `reload_every`, whatever the generations say. A call written on another replica
// whose generation bump was lost (Redis down) shows within `reload_every`. Thread-safe.
//
//   OpenCalls open(store, {});
//   auto snapshot = open.At(cache.Generation("calls"), absl::Now());
//   for (const auto& [name, call] : **snapshot) { ...deadline still ahead?... }
#ifndef COOPNET_SERVICES_FUNDING_OPEN_CALLS_H_
#define COOPNET_SERVICES_FUNDING_OPEN_CALLS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/funding/funding_store.h"

namespace coopnet::funding {

class OpenCalls {
 public:
  struct Options {
    // Calls written up to this long before a read are read again by the next: a
    // write's transaction may commit after a later one's, or come from a replica whose
    // clock is behind.
    absl::Duration overlap = absl::Seconds(10);
    // Everything is read again this often.
    absl::Duration reload_every = absl::Minutes(1);
  };
  // By name. A call may have closed since it was read: judge its deadline.
  using Snapshot = absl::flat_hash_map<std::string, MatchableCall>;

  // `store` must outlive this.
  OpenCalls(FundingStore& store, Options options);

  // The open and forthcoming calls as of `generation` of the calls, at `now`.
  absl::StatusOr<std::shared_ptr<const Snapshot>> At(uint64_t generation, absl::Time now);

  // This replica changed a call: the next At reads what changed, whatever the generation.
  void Changed();

 private:
  absl::Status Reload(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReadChanges(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FundingStore& store_;
  const Options options_;
  absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time loaded_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Every call written up to this time has been read: `overlap` before the last read.
  absl::Time settled_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_OPEN_CALLS_H_
