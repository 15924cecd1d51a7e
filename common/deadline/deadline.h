// coopnet::deadline — the deadline of the call a thread is serving, so that every wait
// on its behalf (a database connection, a statement, a batch) ends with the call
// instead of holding resources for nobody.
//
// The server sets it around each handler (Server::Unary); libraries read it where they
// wait, so no store signature has to carry it:
//
//   deadline::Scope scope(call.deadline);   // in the worker, around the handler
//   ...
//   const absl::Time until = std::min(absl::Now() + acquire_timeout, deadline::Current());
#ifndef COOPNET_COMMON_DEADLINE_DEADLINE_H_
#define COOPNET_COMMON_DEADLINE_DEADLINE_H_

#include "absl/time/time.h"

namespace coopnet::deadline {

namespace internal {
inline thread_local absl::Time current = absl::InfiniteFuture();
}  // namespace internal

// The deadline of the call this thread serves; InfiniteFuture when it serves none.
inline absl::Time Current() { return internal::current; }

// Sets Current() for this thread while it lives, then restores the one before.
class Scope {
 public:
  explicit Scope(absl::Time deadline) : previous_(internal::current) {
    internal::current = deadline;
  }
  ~Scope() { internal::current = previous_; }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const absl::Time previous_;
};

}  // namespace coopnet::deadline

#endif  // COOPNET_COMMON_DEADLINE_DEADLINE_H_
