#include "services/registrations/registration_desk.h"

#include <algorithm>
#include <map>

#include "common/deadline/deadline.h"
#include "common/status/status.h"

namespace coopnet::registrations {

RegistrationDesk::RegistrationDesk(RegistrationStore& store, DeskOptions options)
    : store_(store), options_(options) {}

bool RegistrationDesk::Takeable(const Waiting* w) const {
  const std::optional<request::RequestKey>& key = w->application->key;
  return !w->serving && events_at_store_.count(w->application->event_id) == 0 &&
         (!key || keys_at_store_.count({key->scope, key->request_id}) == 0);
}

void RegistrationDesk::Serve(Waiting* w) {
  w->serving = true;
  events_at_store_.insert(w->application->event_id);
}

std::vector<RegistrationDesk::Waiting*> RegistrationDesk::TakeBatch(Waiting* leader) {
  std::set<std::string> events = {leader->application->event_id};
  std::vector<Waiting*> batch;
  for (auto it = line_.begin();
       it != line_.end() && static_cast<int>(batch.size()) < options_.max_batch;) {
    Waiting* w = *it;
    const std::string& event = w->application->event_id;
    const std::optional<request::RequestKey>& key = w->application->key;
    const bool joins =
        w == leader ||
        (!w->serving && (events.count(event) > 0 || events_at_store_.count(event) == 0) &&
         (!key || keys_at_store_.count({key->scope, key->request_id}) == 0));
    if (!joins) {
      ++it;
      continue;
    }
    if (key) keys_at_store_.emplace(key->scope, key->request_id);
    if (events.insert(event).second) events_at_store_.insert(event);
    batch.push_back(w);
    it = line_.erase(it);
  }
  return batch;
}

void RegistrationDesk::HandOver() {
  for (Waiting* w : line_) {
    if (Takeable(w)) {
      Serve(w);
      return;
    }
  }
  // Those still waiting are of events or keys at the store: those batches hand over.
  --serving_;
}

absl::Status RegistrationDesk::Admit(absl::Span<const Application* const> batch,
                                     std::vector<absl::StatusOr<Registration>>& results) {
  std::map<std::string, LedgerSnapshot> snapshots;
  bool known = true;
  {
    absl::MutexLock lock(&mu_);
    for (const Application* application : batch) {
      const auto found = snapshots_.find(application->event_id);
      if (found == snapshots_.end()) {
        known = false;
        break;
      }
      snapshots.emplace(found->first, found->second);
    }
  }
  const bool keyed = std::any_of(batch.begin(), batch.end(),
                                 [](const Application* a) { return a->key.has_value(); });
  if (known && !keyed) {
    absl::StatusOr<bool> applied = store_.AdmitOnSnapshots(snapshots, batch, results);
    if (applied.ok() && *applied) {
      Remember(snapshots);
      return absl::OkStatus();
    }
  }
  snapshots.clear();
  const absl::Status s = store_.Admit(batch, results, &snapshots);
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    for (const Application* application : batch) snapshots_.erase(application->event_id);
    return s;
  }
  Remember(snapshots);
  return absl::OkStatus();
}

void RegistrationDesk::Remember(std::map<std::string, LedgerSnapshot>& snapshots) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(snapshots_.size() + snapshots.size()) > options_.snapshots) {
    snapshots_.clear();
  }
  for (auto& [event, snapshot] : snapshots) {
    snapshots_.insert_or_assign(event, std::move(snapshot));
  }
}

absl::StatusOr<Registration> RegistrationDesk::Register(const Application& application) {
  Waiting me;
  me.application = &application;
  absl::MutexLock lock(&mu_);
  line_.push_back(&me);
  if (serving_ < options_.counters && Takeable(&me)) {
    ++serving_;
    Serve(&me);
  }
  const absl::Condition ready(
      +[](Waiting* w) { return w->result.has_value() || w->serving; }, &me);
  if (!mu_.AwaitWithDeadline(ready, deadline::Current())) {
    // Still in line: leave it, the caller has gone. Taken into a batch already: its
    // answer is on the way, and the batch writes it here.
    const auto queued = std::find(line_.begin(), line_.end(), &me);
    if (queued != line_.end()) {
      line_.erase(queued);
      return status::Error(absl::StatusCode::kDeadlineExceeded, "CALL_DEADLINE_EXCEEDED",
                           "the call's deadline passed while it waited for its turn");
    }
    mu_.Await(ready);
  }
  if (me.result) return *std::move(me.result);

  me.serving = false;
  std::vector<Waiting*> batch = TakeBatch(&me);
  std::vector<const Application*> applications;
  applications.reserve(batch.size());
  for (const Waiting* w : batch) applications.push_back(w->application);
  std::vector<absl::StatusOr<Registration>> results;
  mu_.Unlock();
  const absl::Status s = Admit(applications, results);
  mu_.Lock();
  for (const Application* a : applications) events_at_store_.erase(a->event_id);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = s.ok() ? std::move(results[i]) : absl::StatusOr<Registration>(s);
    if (const auto& key = batch[i]->application->key) {
      keys_at_store_.erase({key->scope, key->request_id});
    }
  }
  ++batches_;
  registrations_ += static_cast<int64_t>(batch.size());
  HandOver();
  return *std::move(me.result);
}

int64_t RegistrationDesk::batches() const {
  absl::MutexLock lock(&mu_);
  return batches_;
}

int64_t RegistrationDesk::registrations() const {
  absl::MutexLock lock(&mu_);
  return registrations_;
}

}  // namespace coopnet::registrations
