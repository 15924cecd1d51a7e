// Where policies, seat ledgers, registrations and participants live in PostgreSQL, and
// where their domain events enter the outbox. The only file of the service with SQL in
// it besides personal_data_store.cc.
//
// Every change of seats locks the event's ledger row (event_ledgers) first and writes it
// back in the same transaction, or (AdmitOnSnapshots) writes it in one statement only if
// the row is still as the decision read it; either way no interleaving of requests
// overbooks an event, and a CHECK on the row refuses any write that would. The decisions
// themselves are the pure rules of registration_rules.h.
#ifndef COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_STORE_H_
#define COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/registrations/v1/registrations.pb.h"
#include "services/registrations/registration_rules.h"

namespace coopnet::registrations {

// The service's schema, from migrations/NNNN_*.sql, embedded at build time.
const std::vector<pg::Migration>& Migrations();

// An event's policy with its ledger, as stored.
struct PolicyRecord {
  // With name, seats, etag and times filled in.
  RegistrationPolicy policy;
  Ledger ledger;
  int64_t revision = 0;
  // The events service cancelled the event.
  bool event_cancelled = false;
};

// One CreateRegistration, checked already by itself (ValidateRegistration), with its
// organisation's name, country and kind filled in from the directory.
struct Application {
  // The event's id (of `events/{id}`).
  std::string event_id;
  Registration registration;
  // The event as the events service described it.
  EventFacts event;
  std::optional<request::RequestKey> key;
};

// What a batch last knew of an event's ledger: its policy and seats, and the version of
// its row (PostgreSQL's xmin), which every change of the row changes.
struct LedgerSnapshot {
  PolicyRecord record;
  std::string version;
};

// What ListRegistrations, ListOrganisationRegistrations and the export read.
struct RegistrationQuery {
  // Empty (with `organisation` set) for every event.
  std::string event_id;
  // State names; empty for every state.
  std::vector<std::string> states;
  // `organisations/{id}`; empty for every organisation.
  std::string organisation;
  // Keyset: only registrations with a larger id (created later); across events, with a
  // larger (id, event id) than (after_id, after_event_id).
  std::string after_id;
  std::string after_event_id;
  int limit = 50;
};

// A registration as an edit sees it: read under the ledger's lock, with the ledger.
struct StoredRegistration {
  Registration registration;
  Ledger ledger;
  // Its seat pool and, while WAITLISTED, its line number.
  int pool = 0;
  int64_t waitlist_number = 0;
};

// A registration change worked out inside the store's transaction: changes `stored`
// (state, reason, check-ins, line number, ledger) from what the policy allows; an error
// changes nothing, and leaving it as it was writes nothing.
using RegistrationEdit =
    std::function<absl::Status(const RegistrationPolicy& policy, StoredRegistration& stored)>;

class RegistrationStore {
 public:
  // Domain events go to the Redis stream named `stream`.
  RegistrationStore(pg::Pool& pool, std::string stream);

  // NOT_FOUND (POLICY_NOT_FOUND) while the event takes no registrations.
  absl::StatusOr<PolicyRecord> GetPolicy(absl::string_view event_id);

  // Creates the policy of `event` (from an empty one) or changes it, in one transaction
  // with the ledger locked: `change` gives the new policy from the stored one; seats are
  // recounted (FAILED_PRECONDITION when fewer than those confirmed) and waitlisted
  // registrations that now fit are promoted. ABORTED for a stale `expected_revision`.
  absl::StatusOr<PolicyRecord> UpdatePolicy(
      const EventFacts& event, std::optional<int64_t> expected_revision,
      const std::optional<request::RequestKey>& key,
      const std::function<absl::StatusOr<RegistrationPolicy>(const RegistrationPolicy&)>& change);

  // Admits `applications` (for one event or several) in one transaction that locks
  // their events' ledgers in id order, so that batches never deadlock. In order, each is
  // checked against its event's state, window and policy and against the e-mails
  // already registered (those of the applications before it included), then confirmed,
  // waitlisted or left pending per Admit. `results[i]` is the registration made (or the
  // first result of a repeated request), or why applications[i] was refused; a refused
  // application changes nothing. A failed transaction returns its error for all.
  // Applications must have distinct request keys.
  // With `snapshots`, the ledgers of the batch's events as it left them.
  absl::Status Admit(absl::Span<const Application* const> applications,
                     std::vector<absl::StatusOr<Registration>>& results,
                     std::map<std::string, LedgerSnapshot>* snapshots = nullptr);

  // Admits `applications` (none with a request key) as Admit would, but decided on
  // `snapshots` of their events' ledgers, in one statement without a transaction's round
  // trips: it applies only if every ledger row is still at its snapshot's version. True,
  // with the snapshots moved on to the new versions, when it applied; false, changing
  // nothing, when an event has no snapshot, a ledger changed meanwhile, an e-mail turned
  // out to be taken already or an application would be refused: then Admit decides
  // afresh, under the locks.
  absl::StatusOr<bool> AdmitOnSnapshots(std::map<std::string, LedgerSnapshot>& snapshots,
                                        absl::Span<const Application* const> applications,
                                        std::vector<absl::StatusOr<Registration>>& results);

  // NOT_FOUND (REGISTRATION_NOT_FOUND) when there is no such registration.
  absl::StatusOr<Registration> GetRegistration(absl::string_view event_id, absl::string_view id);

  // Up to `query.limit` registrations in id (creation) order.
  absl::StatusOr<std::vector<Registration>> ListRegistrations(const RegistrationQuery& query);

  // Up to `query.limit` registrations of `query.organisation` at every event, in (id,
  // event id) order.
  absl::StatusOr<std::vector<Registration>> ListOrganisationRegistrations(
      const RegistrationQuery& query);

  // Locks the ledger and the registration, checks `expected_revision` (ABORTED when
  // stale), applies `edit`, writes the registration and the ledger, promotes
  // waitlisted registrations when seats were freed, and records the domain events, in
  // one transaction. With `key`, a repeat returns the first result.
  absl::StatusOr<Registration> EditRegistration(absl::string_view event_id, absl::string_view id,
                                                std::optional<int64_t> expected_revision,
                                                const std::optional<request::RequestKey>& key,
                                                const RegistrationEdit& edit);

  // Counts per state, kind of organisation and country, check-ins and seats.
  absl::StatusOr<v1::EventStatistics> Statistics(absl::string_view event_id);

  // The events service cancelled the event (its change `change_id`): every live
  // registration is cancelled with `reason`, seats and waitlist emptied, and the ledger
  // remembers the cancellation. Done once per change_id; false when done before.
  absl::StatusOr<bool> CancelEvent(int64_t change_id, absl::string_view event_id,
                                   absl::string_view reason);

  // The events service moved the event: the ledger learns its new end and an
  // EventRescheduledNotice naming the live registrations is recorded. Once per
  // change_id; false when done before or when the event takes no registrations.
  absl::StatusOr<bool> RescheduleEvent(int64_t change_id, const v1::EventRescheduledNotice& notice,
                                       absl::Time end_time);

  // The event's organisers changed (or were confirmed): the ledger learns them.
  absl::Status UpdateOrganisers(absl::string_view event_id,
                                const std::vector<std::string>& organisers);

 private:
  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_STORE_H_
