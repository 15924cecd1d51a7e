// Where CreateRegistration calls queue. Every registration changes its event's seat
// ledger row, so registrations of one event take turns however many arrive, and each
// round trip to PostgreSQL costs as much as what it carries; the desk serves the line in
// batches instead, the way a registration desk does: the first caller in line takes
// everyone waiting into one batch, and when it is done hands the desk to the next in
// line. A few batches run side by side, never two with the same event.
//
// The desk remembers each event's ledger as its last batch left it (a LedgerSnapshot),
// so a batch is usually decided without reading anything and written in one statement
// that applies only if the ledgers are still as remembered
// (RegistrationStore::AdmitOnSnapshots): one round trip for the whole batch. When a
// ledger changed meanwhile (a cancellation, another replica), a request id must be
// claimed, or an application would be refused, the batch goes the careful way instead:
// a transaction that locks the ledgers and reads them (RegistrationStore::Admit).
//
//   RegistrationDesk desk(store);
//   COOPNET_ASSIGN_OR_RETURN(Registration made, desk.Register(application));
#ifndef COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_DESK_H_
#define COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_DESK_H_

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "services/registrations/registration_store.h"

namespace coopnet::registrations {

struct DeskOptions {
  // Registrations in one batch at most.
  int max_batch = 64;
  // Batches at the store at once.
  int counters = 2;
  // Events whose ledgers are remembered at most; beyond, they are read again.
  int snapshots = 10000;
};

class RegistrationDesk {
 public:
  RegistrationDesk(RegistrationStore& store, DeskOptions options);
  RegistrationDesk(const RegistrationDesk&) = delete;
  RegistrationDesk& operator=(const RegistrationDesk&) = delete;

  // Admits `application` (see RegistrationStore::Admit) with whoever else is waiting,
  // and returns its own result. Blocks the calling thread until its batch is done.
  absl::StatusOr<Registration> Register(const Application& application);

  // Transactions run and registrations they decided since construction, for the
  // benchmark.
  int64_t batches() const;
  int64_t registrations() const;

 private:
  struct Waiting {
    const Application* application = nullptr;
    std::optional<absl::StatusOr<Registration>> result;
    // Its turn to take a batch to the store.
    bool serving = false;
  };
  using Key = std::pair<std::string, std::string>;

  // Whether `w` may serve a batch now: it does not already, no batch of its event is
  // being served (one at a time per event: a second would only wait for the ledger row
  // the first holds, and better joins the next batch), and its request key is not at the
  // store (the store answers a repeat from the first's record once that has committed,
  // while two claims of one key in flight would wait for each other).
  bool Takeable(const Waiting* w) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Makes `w` serve the next batch of its event.
  void Serve(Waiting* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Takes `leader` and the ones waiting behind it whose events no other batch serves and
  // whose keys are not at the store out of the line, up to max_batch, and marks their
  // events and keys as served.
  std::vector<Waiting*> TakeBatch(Waiting* leader) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // After a batch: the desk goes to the first takeable one in line, if any.
  void HandOver() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Admits `batch` on the remembered ledgers when it can, under the locks otherwise, and
  // remembers the ledgers as the batch left them.
  absl::Status Admit(absl::Span<const Application* const> batch,
                     std::vector<absl::StatusOr<Registration>>& results) ABSL_LOCKS_EXCLUDED(mu_);

  // Keeps `snapshots` (moved from) as the ledgers' latest.
  void Remember(std::map<std::string, LedgerSnapshot>& snapshots) ABSL_LOCKS_EXCLUDED(mu_);

  RegistrationStore& store_;
  const DeskOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Waiting*> line_ ABSL_GUARDED_BY(mu_);
  // Batches being served, and their events.
  int serving_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> events_at_store_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, LedgerSnapshot> snapshots_ ABSL_GUARDED_BY(mu_);
  std::set<Key> keys_at_store_ ABSL_GUARDED_BY(mu_);
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t registrations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_DESK_H_
