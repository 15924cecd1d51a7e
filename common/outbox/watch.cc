#include "common/outbox/watch.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/principal/principal.h"

namespace coopnet::outbox {
namespace {

constexpr int kEntriesPerRead = 100;

absl::Status Unavailable(const absl::Status& cause, absl::string_view cursor) {
  log::Warn("watch cannot read the change stream", {{"error", std::string(cause.message())}});
  return status::Error(absl::StatusCode::kUnavailable, "STREAM_UNAVAILABLE",
                       absl::StrCat("the change stream cannot be read now; resume from cursor ",
                                    cursor.empty() ? "(none)" : cursor));
}

}  // namespace

WatchRegistry::WatchRegistry(server::Server& server, WatchOptions options)
    : server_(server), options_(std::move(options)) {}

WatchRegistry::~WatchRegistry() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  mu_.Await(absl::Condition(
      +[](int* active) { return *active == 0; }, &active_));
}

absl::StatusOr<server::Call> WatchRegistry::Admit(grpc::CallbackServerContext* context,
                                                  absl::string_view cursor) {
  absl::StatusOr<principal::Principal> caller = server_.Authenticate(*context);
  if (!caller.ok()) return caller.status();
  if (!principal::HasScope(*caller, type::v1::SCOPE_READ)) {
    return status::Error(absl::StatusCode::kPermissionDenied, "SCOPE_MISSING",
                         "watching changes needs a key with the read scope");
  }
  if (!cursor.empty() && !IsStreamId(cursor)) {
    return status::InvalidField("cursor", "must be a cursor from an earlier change, or 0");
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || active_ >= options_.max_watchers) {
      return status::Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_WATCHERS",
                           "too many watches are open; retry with backoff");
    }
    ++active_;
  }
  server::Call call;
  call.principal = *std::move(caller);
  call.deadline = absl::FromChrono(context->deadline());
  call.context = context;
  return call;
}

void WatchRegistry::Leave() {
  absl::MutexLock lock(&mu_);
  --active_;
}

bool WatchRegistry::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Status WatchRegistry::Pump(std::string& cursor, const std::function<bool()>& cancelled,
                                 const std::function<bool(const StreamEntry&)>& deliver) {
  StreamReader reader(options_.redis, options_.stream);
  if (cursor.empty()) {
    absl::StatusOr<std::string> newest = reader.LastId();
    if (!newest.ok()) return Unavailable(newest.status(), cursor);
    cursor = *newest;
  }
  while (!cancelled()) {
    if (stopping()) {
      return status::Error(absl::StatusCode::kUnavailable, "SERVER_STOPPING",
                           absl::StrCat("the server is stopping; resume from cursor ", cursor));
    }
    absl::StatusOr<std::vector<StreamEntry>> entries =
        reader.Read(cursor, options_.block, kEntriesPerRead);
    if (!entries.ok()) return Unavailable(entries.status(), cursor);
    for (const StreamEntry& entry : *entries) {
      cursor = entry.id;
      if (!deliver(entry)) return absl::CancelledError("the caller ended the watch");
    }
  }
  return absl::CancelledError("the caller ended the watch");
}

}  // namespace coopnet::outbox
