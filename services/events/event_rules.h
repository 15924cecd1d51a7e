// The rules of events and series as pure functions: what a valid event is, how its
// state may move, who sees and who edits it, how an update mask applies and what
// changed. No I/O and no clock (the time is an argument), so every rule has a unit test
// and the handlers only string them together.
//
//   COOPNET_RETURN_IF_ERROR(ValidateEvent(request.event()));
//   COOPNET_ASSIGN_OR_RETURN(Event::State next,
//                            NextState(EffectiveState(stored, absl::Now()), Action::kPublish));
#ifndef COOPNET_SERVICES_EVENTS_EVENT_RULES_H_
#define COOPNET_SERVICES_EVENTS_EVENT_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/principal/principal.h"
#include "coopnet/events/v1/events.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace coopnet::events {

using v1::AgendaItem;
using v1::Event;
using v1::Series;
using v1::Venue;

inline constexpr size_t kMaxTitle = 300;
inline constexpr size_t kMaxSummary = 1000;
inline constexpr size_t kMaxDescription = 20000;
inline constexpr size_t kMaxReason = 1000;
inline constexpr int kMaxCoOrganisers = 20;
inline constexpr int kMaxAgendaItems = 100;
inline constexpr int kMaxListEntries = 30;
// The longest event: a study visit of a few weeks fits, a typo in the year does not.
inline constexpr absl::Duration kMaxDuration = absl::Hours(24 * 92);

// Every writable field of `event` keeps its rule; the error names each broken one under
// `prefix` (`event.end_time must be after start_time`). Output-only fields are not
// looked at. VISIBILITY_UNSPECIFIED is fine: it is stored as PUBLIC.
absl::Status ValidateEvent(const Event& event, absl::string_view prefix = "event");

// The times of an event: both set, end after start and at most kMaxDuration later, and
// `time_zone` an IANA zone; fields named `<prefix>start_time` etc.
absl::Status ValidateSchedule(const google::protobuf::Timestamp& start,
                              const google::protobuf::Timestamp& end, absl::string_view time_zone,
                              absl::string_view prefix);

// Whether the event's times are only a month or a season (date_precision MONTH, SEASON).
bool IsTentative(const Event& event);

// A tentative event's times set to the whole month or season its start_time falls in,
// in its time zone; an exact event, or one whose start_time or time zone is not valid
// (validation names them), is left as it is.
void SpanTentativeDates(Event& event);

// How people read a tentative event's date: "June 2027", "autumn 2027", "winter
// 2027/28"; "" for an exact one.
std::string TentativeDate(const Event& event);

// Every writable field of `series` keeps its rule, named under `prefix`.
absl::Status ValidateSeries(const Series& series, absl::string_view prefix = "series");

// What a caller asks to do to an event.
enum class Action { kUpdate, kPublish, kCancel, kReschedule, kDelete };

// The state an event in state `from` reaches by `action`, or FAILED_PRECONDITION (reason
// EVENT_STATE) saying why not. Publishing a published event and cancelling a cancelled
// one leave it as it is; a cancelled or completed event no longer changes; only drafts
// are deleted (a published event is cancelled instead).
absl::StatusOr<Event::State> NextState(Event::State from, Action action);

// The state callers see: a published event whose end has passed at `now` is COMPLETED.
Event::State EffectiveState(const Event& event, absl::Time now);

// Whether a change in `stored_state` is one calendars must pick up (SEQUENCE grows):
// every change after publication, none while a draft nobody has seen.
bool ChangeIsPublic(Event::State stored_state);

// What the service has found out about the caller and one event.
struct Relation {
  // An administrator or a coopnet service: sees everything.
  bool privileged = false;
  // Acts for the organiser or a co-organiser.
  bool organiser = false;
  // Acts for the coordinator of the event's network (in any placement: it sees a
  // proposed event to decide, and edits only an accepted one).
  bool coordinator = false;
  // Its organisation is a member of the event's network.
  bool member = false;
  // Acts for an organisation proposed as co-organiser: may see the event to decide.
  bool proposed = false;
};

// The Relation facts that cost nothing: privilege and organisers.
Relation DirectRelation(const principal::Principal& caller, const Event& event);

// Whether deciding CanSee needs the caller's networks (a NETWORK event it does not
// organise) and whether deciding CanEdit, seeing a draft or seeing a NETWORK event not
// (yet) the network's needs the network's coordinator.
bool NeedsMembership(const Event& event, const Relation& relation);
bool NeedsCoordinator(const Event& event, const Relation& relation);

// Whether the caller may know the event exists: drafts for those who may edit them and
// the network's coordinator, NETWORK events for members of the network once it accepted
// them (and for its coordinator), the rest for everybody.
bool CanSee(const Event& event, const Relation& relation);

// Whether the caller may change, publish, cancel or reschedule the event: the
// organiser, a co-organiser, the coordinator of a network that accepted it, or an
// administrator.
bool CanEdit(const Event& event, const Relation& relation);

// Where the event's place in its network stands: UNSPECIFIED in none; an event stored in
// a network before placements were agreed is ACTIVE.
Event::Placement PlacementOf(const Event& event);

// Settles `next.placement` after a write that made `next` from `before`: UNSPECIFIED
// without a network; as it was when neither the network nor the series changed; else
// ACTIVE when `for_network` (the caller acts for the network's coordinator or the series'
// organiser), PROPOSED otherwise.
void SettlePlacement(const Event& before, bool for_network, Event& next);

// `stored` with the fields named in `mask` taken from `patch` ("*" takes every field
// Update may write). INVALID_ARGUMENT naming update_mask for an empty mask, an unknown
// field, an output-only one, `organiser` (fixed once created) or the times (changed by
// RescheduleEvent). The result is not validated: call ValidateEvent on it.
absl::StatusOr<Event> ApplyEventMask(const Event& stored, const Event& patch,
                                     const google::protobuf::FieldMask& mask);

// The same for a series: only `title` and `description` are writable.
absl::StatusOr<Series> ApplySeriesMask(const Series& stored, const Series& patch,
                                       const google::protobuf::FieldMask& mask);

// Settles who co-organises `next` after `caller` named `wanted` as its co-organisers,
// the event having been `before`: one accepted before stays accepted, one the caller acts
// for (EVENTS_WRITE) accepts by being named, any other is proposed until it accepts
// (Event.proposed_co_organisers). An accepted one left out is withdrawn; a proposal stays
// until it is accepted or withdrawn (WithdrawCoOrganiser), so that writing back an event
// as read keeps it. INVALID_ARGUMENT naming event.co_organisers when accepted and
// proposed ones together would be more than kMaxCoOrganisers.
absl::Status SettleCoOrganisers(const principal::Principal& caller, const Event& before,
                                const std::vector<std::string>& wanted, Event& next);

// The top-level fields whose values differ between `before` and `after`, in field
// order, leaving out the ones the service maintains (etag, update_time, sequence).
std::vector<std::string> ChangedFields(const Event& before, const Event& after);

// `event` moved to `start`..`end` in `time_zone` (the old zone when empty), the agenda
// shifted by as much as the start moved. The result is not validated.
Event Reschedule(const Event& event, const google::protobuf::Timestamp& start,
                 const google::protobuf::Timestamp& end, absl::string_view time_zone);

// The translation of `text` to show a reader who sent `accept_language` (an HTTP
// Accept-Language value): the first language it names that the text has, by exact tag
// or by primary language (`nb-NO` reads `nb`), else the default language's. Sets
// `language` to the tag chosen; "" for an empty text.
std::string ChooseTranslation(const type::v1::LocalizedText& text,
                              absl::string_view accept_language, std::string* language);

// The words of a free-text query, for matching every one: split at white space and
// punctuation, at most 8 words of at most 64 bytes each.
std::vector<std::string> QueryWords(absl::string_view query);

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_EVENT_RULES_H_
