// The rules of registrations as pure functions: what a valid policy and registration
// are, when an event takes registrations, where a group goes (seats, waitlist, approval),
// who is promoted when seats free up, how a state may move and who may see what. No I/O
// and no clock (the time is an argument), so every rule has a unit test and the store
// and handlers only string them together.
//
//   COOPNET_RETURN_IF_ERROR(ValidateRegistration(request.registration()));
//   COOPNET_RETURN_IF_ERROR(CheckAgainstPolicy(policy, registration));
//   COOPNET_ASSIGN_OR_RETURN(Admission admission,
//                            Admit(policy, ledger, PoolOf(policy, registration), size,
//                                  AwaitsApproval(policy, registration)));
#ifndef COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_RULES_H_
#define COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_RULES_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal/principal.h"
#include "coopnet/events/v1/events.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "coopnet/registrations/v1/registrations.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace coopnet::registrations {

using v1::Registration;
using v1::RegistrationPolicy;
using OrganisationKind = organisations::v1::Organisation::Kind;

inline constexpr int kDefaultMaxGroupSize = 10;
inline constexpr int kLargestMaxGroupSize = 100;
inline constexpr int kMaxQuestions = 30;
inline constexpr int kMaxOptions = 50;
inline constexpr size_t kMaxTextAnswer = 2000;
inline constexpr size_t kMaxReason = 1000;
inline constexpr absl::Duration kDefaultRetention = absl::Hours(24 * 365);
inline constexpr absl::Duration kLongestRetention = absl::Hours(24 * 3653);
// A pool's seats when nothing limits them.
inline constexpr int kUnlimited = -1;

// What the registrations service needs to know of an event (asked of the events service).
struct EventFacts {
  // `events/{id}`.
  std::string name;
  events::v1::Event::State state = events::v1::Event::STATE_UNSPECIFIED;
  absl::Time start_time;
  absl::Time end_time;
  std::string time_zone;
  // `organisations/{id}` of the organiser, then of every co-organiser.
  std::vector<std::string> organisers;
  // NETWORK: only the members of the event's network may see it, and so register.
  events::v1::Event::Visibility visibility = events::v1::Event::VISIBILITY_UNSPECIFIED;
  // False while the event is announced for a month or a season only: nobody registers
  // before its exact times are set.
  bool dated = true;
};

// ---- Policy. ----

// Every writable field of `policy` keeps its rule; the error names each broken one
// under `prefix` (`policy.quotas[1].organisation_kinds[0] NGO is already in quotas[0]`).
absl::Status ValidatePolicy(const RegistrationPolicy& policy, absl::string_view prefix = "policy");

// `stored` with the fields named in `mask` taken from `patch` ("*": every writable
// field). INVALID_ARGUMENT naming update_mask for an empty mask, an unknown field or an
// output-only one. The result is not validated.
absl::StatusOr<RegistrationPolicy> ApplyPolicyMask(const RegistrationPolicy& stored,
                                                   const RegistrationPolicy& patch,
                                                   const google::protobuf::FieldMask& mask);

// The policy's self_declared_kind in force: an unspecified one is NEEDS_APPROVAL once
// the policy has quotas.
RegistrationPolicy::SelfDeclaredKind SelfDeclaredKindOf(const RegistrationPolicy& policy);

// Sets the policy's self_declared_kind to the one in force, so that what is stored and
// shown says what applies (and adding quotas later does not change it).
void SettleSelfDeclaredKind(RegistrationPolicy& policy);

// How long after the event participants' personal data is kept.
absl::Duration RetentionOf(const RegistrationPolicy& policy);

// The largest group one registration may bring.
int MaxGroupSize(const RegistrationPolicy& policy);

// ---- Seats. ----

// Seats are counted in pools: pool 0 holds the seats no quota reserves, pool i (from 1)
// the seats of the policy's quotas[i - 1].
// The seats of each pool (kUnlimited when nothing limits them).
std::vector<int> PoolSeats(const RegistrationPolicy& policy);

// The pool whose seats participants of an organisation of `kind` take.
int PoolOf(const RegistrationPolicy& policy, OrganisationKind kind);

// The pool whose seats the registration's participants take: its organisation's kind's,
// except that a free-text organisation's self-declared kind is no kind under IGNORED.
int PoolOf(const RegistrationPolicy& policy, const Registration& registration);

// Whether a new registration waits for the organiser's approval: every one when the
// policy requires approval; else a free-text organisation's whose self-declared kind
// falls in a quota while the policy's self_declared_kind is NEEDS_APPROVAL.
bool AwaitsApproval(const RegistrationPolicy& policy, const Registration& registration);

// The seat ledger of one event: what the store reads under the event's row lock and
// writes back in the same transaction.
struct Ledger {
  std::vector<int> seats;      // per pool; kUnlimited for no limit
  std::vector<int> confirmed;  // participants per pool
  int waitlisted_participants = 0;
  int waitlisted_registrations = 0;
  // The line number the next waitlisted registration gets: lower numbers are older.
  int64_t next_waitlist_number = 1;

  friend bool operator==(const Ledger&, const Ledger&) = default;
};

// Where a registration went.
struct Admission {
  Registration::State state = Registration::STATE_UNSPECIFIED;
  // Its line number while WAITLISTED (see Ledger::next_waitlist_number), else 0.
  int64_t waitlist_number = 0;
  // 1 for the first in line while WAITLISTED, else 0.
  int waitlist_position = 0;
};

// Takes a place for a group of `size` in `pool`: PENDING_APPROVAL (no seat) when it
// `awaits_approval` (see AwaitsApproval; false once approved); else CONFIRMED when the
// pool has the seats, else WAITLISTED when the waitlist is on and has room. Updates
// `ledger` accordingly. FAILED_PRECONDITION (EVENT_FULL) changing nothing when neither
// seats nor the waitlist have room.
absl::StatusOr<Admission> Admit(const RegistrationPolicy& policy, Ledger& ledger, int pool,
                                int size, bool awaits_approval);

// Gives back what a registration in `state` held: its seats (CONFIRMED) or its place in
// line (WAITLISTED); nothing for the other states.
void Release(Ledger& ledger, Registration::State state, int pool, int size);

// A waitlisted registration, as promotion sees it.
struct WaitingGroup {
  std::string id;
  int pool = 0;
  int size = 0;
};

// Promotes, oldest first, every waitlisted registration of `line` (in line order) whose
// group fits the seats its pool has free, moving it from the waitlist to the confirmed
// seats of `ledger`. Returns the ids promoted, in line order. Never confirms more than
// the free seats.
std::vector<std::string> Promote(Ledger& ledger, const std::vector<WaitingGroup>& line);

// The ledger under `policy` (new seats per pool) for registrations already confirmed:
// `confirmed_by_kind` maps an organisation kind to its confirmed participants.
// FAILED_PRECONDITION (SEATS_BELOW_CONFIRMED), naming policy.capacity or
// policy.quotas[i], when a pool would hold fewer seats than its confirmed participants.
absl::StatusOr<Ledger> Reseat(
    const RegistrationPolicy& policy, const Ledger& before,
    const std::vector<std::pair<OrganisationKind, int>>& confirmed_by_kind);

// Seats taken and free, for the policy's `seats` and the statistics.
v1::SeatSummary SummaryOf(const RegistrationPolicy& policy, const Ledger& ledger);

// ---- Registrations. ----

// The request's registration by itself: one or more participants with names and valid,
// distinct e-mails, an organisation either named (`organisations/{id}`) or given by name
// and country, valid languages; fields named under `prefix`.
absl::Status ValidateRegistration(const Registration& registration,
                                  absl::string_view prefix = "registration");

// The registration against the event's policy: group size, answers (every required
// question answered, no unknown question, values of the question's kind), consent to
// the current privacy notice. INVALID_ARGUMENT naming each field.
absl::Status CheckAgainstPolicy(const RegistrationPolicy& policy, const Registration& registration,
                                absl::string_view prefix = "registration");

// OK while the event takes registrations at `now`: PUBLISHED, not cancelled, and within
// the policy's window (closing at the event's start unless the policy says otherwise).
// FAILED_PRECONDITION saying when registration opens or closed, in the event's zone.
absl::Status CheckOpen(const RegistrationPolicy& policy, const EventFacts& event, absl::Time now);

// How an e-mail address is compared: ASCII letters in lower case.
std::string EmailKey(absl::string_view email);

// ALREADY_EXISTS (EMAIL_ALREADY_REGISTERED) naming the first participant whose e-mail
// key is in `taken`.
absl::Status CheckEmailsFree(const Registration& registration, const std::set<std::string>& taken,
                             absl::string_view event_name);

// What happens to a registration.
enum class Action { kCancel, kApprove, kReject, kCheckIn };

// OK when a registration in `from` may undergo `action`; FAILED_PRECONDITION
// (REGISTRATION_STATE) saying why not. Cancelling a cancelled registration is OK (it
// stays as it is).
absl::Status CheckTransition(Registration::State from, Action action);

// Whether the state holds a place (seats, a place in line, or a pending decision): such
// a registration's e-mails cannot register again for the event.
bool IsLive(Registration::State state);

// The participants `ids` name (every one when empty), as indexes; INVALID_ARGUMENT
// naming participant_ids[i] for an id the registration does not have.
absl::StatusOr<std::vector<int>> ParticipantsToCheckIn(
    const Registration& registration, const google::protobuf::RepeatedPtrField<std::string>& ids);

// The registration with its free text removed: participants' names, e-mails, job titles
// and languages, and TEXT answers. Kinds, countries, states and check-ins stay.
void Anonymise(Registration& registration);

// ---- Who may do what. ----

// Whether `caller` acts for the event's organisers: an organiser's or co-organiser's
// key, an administrator, or a coopnet service.
bool IsOrganiser(const principal::Principal& caller, const std::vector<std::string>& organisers);

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_RULES_H_
