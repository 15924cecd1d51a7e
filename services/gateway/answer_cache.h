// coopnet::gateway::AnswerCache — answers to anonymous reads, kept for a moment.
//
// Public data (events, calls, organisations) is what portals ask for most, the same
// question from many visitors in the same second. An answer given to an anonymous caller
// for a public read is kept, by method, Accept-Language and the request's bytes, for
// `ttl` (default 1 s), and given to the same question again without asking the backend:
// an anonymous reader may see a change up to `ttl` late. Callers with a key are always
// answered by the backend (what they see depends on who they are). Thread-safe.
//
//   AnswerCache cache({.ttl = absl::Seconds(1)});
//   if (std::optional<std::string> bytes = cache.Find(key)) { ...answer with *bytes... }
//   cache.Keep(key, bytes);
#ifndef COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_
#define COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_

#include <array>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace coopnet::gateway {

class AnswerCache {
 public:
  struct Options {
    // How long an answer is given again; zero keeps none.
    absl::Duration ttl = absl::Seconds(1);
    // The most answers kept; when full, expired ones go, then all.
    size_t max_entries = 10000;
    // The largest answer kept, in bytes: exports and long pages are not worth it.
    size_t max_answer_bytes = 64 * 1024;
  };

  explicit AnswerCache(Options options);

  bool enabled() const { return options_.ttl > absl::ZeroDuration(); }
  const Options& options() const { return options_; }

  // The answer kept for `key`, while fresh at `now`.
  std::optional<std::string> Find(absl::string_view key, absl::Time now = absl::Now());

  // Keeps `answer` for `key` until `now` + ttl (unless it is too large).
  void Keep(absl::string_view key, std::string answer, absl::Time now = absl::Now());

 private:
  struct Entry {
    absl::Time expires;
    std::string answer;
  };
  // Shards, so that concurrent calls rarely wait for each other.
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;

  Shard& ShardOf(absl::string_view key);

  const Options options_;
  std::array<Shard, kShards> shards_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_
