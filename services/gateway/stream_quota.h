// coopnet::gateway::StreamQuota — how many streams (Watch methods) a caller may hold
// open at once.
//
// A stream costs the gateway and its backend for as long as it is open, however few calls
// it took to open: the rate limits do not bound it. An API key may hold `per_key`
// streams at once, an anonymous caller `per_address` per address (an IPv6 address per
// /64); operators are not limited. One more is RESOURCE_EXHAUSTED (STREAMS_EXHAUSTED).
//
//   COOPNET_ASSIGN_OR_RETURN(StreamQuota::Slot slot, quota.Open(caller));
//   ...  // the slot goes back when `slot` is destroyed, with the stream
#ifndef COOPNET_SERVICES_GATEWAY_STREAM_QUOTA_H_
#define COOPNET_SERVICES_GATEWAY_STREAM_QUOTA_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/principal/principal.h"

namespace coopnet::gateway {

class StreamQuota {
 public:
  struct Options {
    // Streams open at once per API key, and per address of anonymous callers; 0: no limit.
    int per_key = 32;
    int per_address = 8;
  };

  // One open stream's place; given back on destruction.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

   private:
    friend class StreamQuota;
    Slot(StreamQuota* quota, std::string holder) : quota_(quota), holder_(std::move(holder)) {}
    StreamQuota* quota_ = nullptr;
    std::string holder_;
  };

  explicit StreamQuota(Options options) : options_(options) {}

  // A place for one more stream of `caller`, or RESOURCE_EXHAUSTED when it holds its
  // limit already. Slots must not outlive the quota.
  absl::StatusOr<Slot> Open(const principal::Principal& caller);

  // Streams open now, of every caller.
  int open() const;

 private:
  void Close(const std::string& holder);

  const Options options_;
  mutable absl::Mutex mu_;
  // Holders with a stream open, and how many; none with zero.
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
  int total_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_STREAM_QUOTA_H_
