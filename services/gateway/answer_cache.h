// coopnet::gateway::AnswerCache — answers to anonymous reads, kept for a moment.
//
// Public data (events, calls, organisations) is what portals ask for most, the same
// question from many visitors in the same second. An answer given to an anonymous caller
// for a public read is kept, by method, Accept-Language and the request, for `ttl`
// (default 1 s), and given to the same question again without asking the backend: an
// anonymous reader may see a change up to `ttl` late. Callers with a key are always
// answered by the backend (what they see depends on who they are). Thread-safe.
//
// Anonymous callers choose the questions, so what it keeps is bounded in bytes
// (`max_bytes`, keys included), questions are kept as SHA-256 digests of their
// canonical form (the request as the method's message, serialised again), and a request
// carrying fields its method does not know is never kept: padding a question with
// unknown fields cannot make it new.
//
//   AnswerCache cache({.ttl = absl::Seconds(1)});
//   std::optional<std::string> request = CanonicalRequest(prototype, bytes);
//   const std::string key = AnswerCache::KeyOf({method, language, *request});
//   if (std::optional<std::string> answer = cache.Find(key)) { ...answer with *answer... }
//   cache.Keep(key, answer);
#ifndef COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_
#define COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "services/gateway/expiring_lru.h"

namespace coopnet::gateway {

class AnswerCache {
 public:
  struct Options {
    // How long an answer is given again; zero keeps none.
    absl::Duration ttl = absl::Seconds(1);
    // The most it keeps, in bytes (answers, keys and bookkeeping); past it the least
    // recently asked go.
    size_t max_bytes = 32 << 20;
    // The largest answer kept, in bytes: exports and long pages are not worth it.
    size_t max_answer_bytes = 64 * 1024;
  };

  explicit AnswerCache(Options options);

  // The key of a question made of `parts` (method, language, canonical request, ...).
  static std::string KeyOf(std::initializer_list<absl::string_view> parts);

  bool enabled() const { return options_.ttl > absl::ZeroDuration(); }
  const Options& options() const { return options_; }
  // What it keeps now, in bytes: at most options().max_bytes.
  size_t bytes() const { return answers_.bytes(); }

  // The answer kept for `key` (a KeyOf), while fresh at `now`.
  std::optional<std::string> Find(absl::string_view key, absl::Time now = absl::Now());

  // Keeps `answer` for `key` until `now` + ttl (unless it is too large).
  void Keep(absl::string_view key, std::string answer, absl::Time now = absl::Now());

 private:
  const Options options_;
  ExpiringLru<std::string> answers_;
};

// `bytes` as a request of `prototype`'s type, serialised again deterministically: the
// request part of an answer's key. nullopt when it does not parse or carries fields the
// type does not know, at any depth: such a request's answer is not kept.
std::optional<std::string> CanonicalRequest(const google::protobuf::Message& prototype,
                                            absl::string_view bytes);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_ANSWER_CACHE_H_
