#include "services/events/event_service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/geo/country_groups.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/time_util.h"
#include "services/events/event_calendar.h"
#include "services/events/icalendar.h"

namespace coopnet::events {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

constexpr char kEvents[] = "events";
constexpr char kSeriesCollection[] = "series";
// The collection whose generation retires every cached list page.
constexpr char kListGeneration[] = "events";
constexpr absl::Duration kEventTtl = absl::Minutes(10);
// "Upcoming" moves with the clock: a cached page may show an event that ended this long.
constexpr absl::Duration kListTtl = absl::Seconds(30);
constexpr int kMaxCalendarEvents = 1000;

absl::Status RequireWrite(const server::Call& call) {
  return request::RequireScope(call.principal, type::v1::SCOPE_WRITE);
}

// OK when the caller may name `organiser` (in `field`) as the one who organises: its
// own key, a delegation of EVENTS_WRITE from it, an operator, or a service.
absl::Status RequireActingFor(const server::Call& call, absl::string_view organiser,
                              absl::string_view field) {
  if (call.principal.kind() == principal::Principal::SERVICE) return absl::OkStatus();
  return principal::MayActFor(call.principal, organiser, type::v1::EVENTS_WRITE, field);
}

// `names` without `name`, in the same order.
void Remove(google::protobuf::RepeatedPtrField<std::string>& names, const std::string& name) {
  names.erase(std::remove(names.begin(), names.end(), name), names.end());
}

// The co-organisers `event` names, as a write asks for them.
std::vector<std::string> NamesOf(const Event& event) {
  return {event.co_organisers().begin(), event.co_organisers().end()};
}

// The domain event of a change to co-organisers: announced once the event is public.
std::unique_ptr<google::protobuf::Message> AnnounceUpdate(const Event& before, const Event& after) {
  if (!ChangeIsPublic(before.state())) return nullptr;
  auto updated = std::make_unique<v1::EventUpdated>();
  *updated->mutable_event() = after;
  for (std::string& field : ChangedFields(before, after)) {
    updated->add_changed_fields(std::move(field));
  }
  return updated;
}

absl::Status NotEditor(absl::string_view name) {
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_ORGANISER",
                       absl::StrCat("only the organiser, a co-organiser or the coordinator "
                                    "of a network that accepted it may change ",
                                    name));
}

absl::Status EventNotFound(absl::string_view name) {
  return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                       absl::StrCat(name, " does not exist"));
}

absl::Status ValidateListFilters(const v1::ListEventsRequest& r, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  validate::Violations v;
  for (const auto& [name, time] :
       {std::pair{"from_time", &r.from_time()}, {"to_time", &r.to_time()}}) {
    if (time->seconds() < -62135596800 || time->seconds() > 253402300799 || time->nanos() < 0 ||
        time->nanos() >= 1000000000) {
      v.Add(f(name), "must be a time between the years 1 and 9999");
    }
  }
  if (r.has_from_time() && r.has_to_time() && ToTime(r.to_time()) <= ToTime(r.from_time())) {
    v.Add(f("to_time"), "must be after from_time");
  }
  for (int i = 0; i < r.countries_size(); ++i) {
    v.Check(geo::CheckPlace(absl::StrCat(f("countries"), "[", i, "]"), r.countries(i)));
  }
  if (!r.nuts_prefix().empty()) v.Check(validate::NutsPrefix(f("nuts_prefix"), r.nuts_prefix()));
  for (int i = 0; i < r.kinds_size(); ++i) {
    if (r.kinds(i) == Event::KIND_UNSPECIFIED || !Event::Kind_IsValid(r.kinds(i))) {
      v.Add(absl::StrCat(f("kinds"), "[", i, "]"), "must be a kind of event");
    }
  }
  for (int i = 0; i < r.attendance_modes_size(); ++i) {
    const int mode = r.attendance_modes(i);
    if (mode == Event::ATTENDANCE_MODE_UNSPECIFIED || !Event::AttendanceMode_IsValid(mode)) {
      v.Add(absl::StrCat(f("attendance_modes"), "[", i, "]"), "must be IN_PERSON, ONLINE or MIXED");
    }
  }
  for (int i = 0; i < r.languages_size(); ++i) {
    v.Check(validate::LanguageTag(absl::StrCat(f("languages"), "[", i, "]"), r.languages(i)));
  }
  resource::CheckNameFilter(v, f("organiser"), r.organiser(), "organisations");
  resource::CheckNameFilter(v, f("network"), r.network(), "networks");
  resource::CheckNameFilter(v, f("series"), r.series(), kSeriesCollection);
  v.Check(validate::Utf8Text(f("query"), r.query(), 0, 200));
  return v.ToStatus();
}

// Keyset page keys: the last event's start (unix microseconds) and id.
std::string PageKey(const Event& last) {
  return absl::StrCat(TimeUtil::TimestampToMicroseconds(last.start_time()), "/",
                      resource::IdOf(last.name()));
}

absl::Status ParsePageKey(absl::string_view key, absl::Time* start, std::string* id) {
  std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('/', 1));
  int64_t micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros)) {
    return status::InvalidField("page_token", "is not a page token of this list");
  }
  *start = absl::FromUnixMicros(micros);
  *id = parts[1];
  return absl::OkStatus();
}

// What a caller sees of a stored event: its state at this moment.
Event Present(Event event) {
  event.set_state(EffectiveState(event, absl::Now()));
  return event;
}

absl::Status ConcurrentChange() {
  return status::Error(absl::StatusCode::kAborted, "CONCURRENT_CHANGE",
                       "who organises the event, or where it is placed, changed meanwhile; read "
                       "it again and retry");
}

// An edit may only apply to the event its authorisation was decided on: a concurrent
// change of who organises it (or of its network) sends the caller round again.
absl::Status SameOwnership(const Event& authorised, const Event& stored) {
  const bool same = authorised.organiser() == stored.organiser() &&
                    std::equal(authorised.co_organisers().begin(), authorised.co_organisers().end(),
                               stored.co_organisers().begin(), stored.co_organisers().end()) &&
                    authorised.network() == stored.network();
  if (same) return absl::OkStatus();
  return ConcurrentChange();
}

}  // namespace

EventService::EventService(server::Server& server, EventStore& store, cache::Cache& cache,
                           cache::Budget list_pages, OrganisationDirectory& directory,
                           outbox::Relay& relay, outbox::WatchOptions watch)
    : store_(store),
      cache_(cache),
      list_pages_(std::move(list_pages)),
      directory_(directory),
      relay_(relay),
      table_(server, kServiceName) {
  table_.Unary("CreateEvent", this, &EventService::CreateEvent)
      .Unary("GetEvent", this, &EventService::GetEvent)
      .Unary("ListEvents", this, &EventService::ListEvents)
      .Unary("UpdateEvent", this, &EventService::UpdateEvent)
      .Unary("DeleteEvent", this, &EventService::DeleteEvent)
      .Unary("AcceptCoOrganiser", this, &EventService::AcceptCoOrganiser)
      .Unary("WithdrawCoOrganiser", this, &EventService::WithdrawCoOrganiser)
      .Unary("AcceptPlacement", this, &EventService::AcceptPlacement)
      .Unary("DeclinePlacement", this, &EventService::DeclinePlacement)
      .Unary("PublishEvent", this, &EventService::PublishEvent)
      .Unary("CancelEvent", this, &EventService::CancelEvent)
      .Unary("RescheduleEvent", this, &EventService::RescheduleEvent)
      .Unary("GetEventCalendar", this, &EventService::GetEventCalendar)
      .Unary("ListEventsCalendar", this, &EventService::ListEventsCalendar)
      .ServerStream("WatchEvents", this, &EventService::WatchEvents)
      .Unary("CreateSeries", this, &EventService::CreateSeries)
      .Unary("GetSeries", this, &EventService::GetSeries)
      .Unary("ListSeries", this, &EventService::ListSeries)
      .Unary("UpdateSeries", this, &EventService::UpdateSeries)
      .Unary("DeleteSeries", this, &EventService::DeleteSeries);
  watchers_ = std::make_unique<outbox::Watchers<v1::EventChange>>(
      server, std::move(watch), DecodeChange,
      [this](const server::Call& call, const v1::EventChange& change) {
        const Event& event = EventOf(change);
        absl::StatusOr<Relation> relation = RelationTo(call, event, /*editing=*/false);
        return relation.ok() && CanSee(event, *relation);
      });
}

grpc::ServerWriteReactor<v1::EventChange>* EventService::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  return watchers_->Start(context, request->cursor());
}

// ---- Shared steps. ----

absl::StatusOr<Event> EventService::LoadEvent(absl::string_view id) {
  cache::LookupResult lookup = cache_.Lookup(id);
  Event event;
  if (lookup.hit && event.ParseFromString(*lookup.value)) return event;
  COOPNET_ASSIGN_OR_RETURN(event, store_.GetEvent(id));
  cache_.Fill(lookup, event.SerializeAsString(), kEventTtl);
  return event;
}

absl::StatusOr<Relation> EventService::RelationTo(const server::Call& call, const Event& event,
                                                  bool editing) {
  Relation relation = DirectRelation(call.principal, event);
  const std::string& organisation = call.principal.organisation();
  if (call.principal.kind() != principal::Principal::API_KEY || organisation.empty()) {
    return relation;
  }
  // A NETWORK event its network has not accepted is seen by the coordinator, to decide.
  const bool undecided =
      event.visibility() == Event::NETWORK && PlacementOf(event) != Event::PLACEMENT_ACTIVE;
  if (NeedsCoordinator(event, relation) &&
      (editing || event.state() == Event::DRAFT || undecided)) {
    COOPNET_ASSIGN_OR_RETURN(std::string coordinator,
                             directory_.CoordinatorOf(event.network(), call.deadline));
    relation.coordinator = !coordinator.empty() &&
                           principal::ActsFor(call.principal, coordinator, type::v1::EVENTS_WRITE);
  }
  if (!relation.coordinator && NeedsMembership(event, relation)) {
    COOPNET_ASSIGN_OR_RETURN(std::vector<std::string> networks,
                             directory_.NetworksOf(organisation, call.deadline));
    relation.member =
        std::find(networks.begin(), networks.end(), event.network()) != networks.end();
  }
  return relation;
}

absl::StatusOr<Event> EventService::VisibleEvent(const server::Call& call, absl::string_view field,
                                                 absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName(field, name, kEvents));
  COOPNET_ASSIGN_OR_RETURN(Event event, LoadEvent(id));
  COOPNET_ASSIGN_OR_RETURN(Relation relation, RelationTo(call, event, /*editing=*/false));
  // Telling "exists but not for you" apart from "does not exist" would leak the first.
  if (!CanSee(event, relation)) return EventNotFound(name);
  return Present(std::move(event));
}

absl::StatusOr<Event> EventService::EditableEvent(const server::Call& call, absl::string_view id) {
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  COOPNET_ASSIGN_OR_RETURN(Event event, store_.GetEvent(id));
  COOPNET_ASSIGN_OR_RETURN(Relation relation, RelationTo(call, event, /*editing=*/true));
  if (!CanSee(event, relation)) return EventNotFound(event.name());
  if (!CanEdit(event, relation)) return NotEditor(event.name());
  return event;
}

absl::StatusOr<bool> EventService::ActsForNetwork(const server::Call& call, const Event& event) {
  if (event.network().empty()) return false;
  COOPNET_ASSIGN_OR_RETURN(std::string coordinator,
                           directory_.CoordinatorOf(event.network(), call.deadline));
  if (!coordinator.empty() &&
      principal::ActsFor(call.principal, coordinator, type::v1::EVENTS_WRITE)) {
    return true;
  }
  if (event.series().empty()) return false;
  absl::StatusOr<Series> series = store_.GetSeries(resource::IdOf(event.series()));
  if (series.status().code() == absl::StatusCode::kNotFound) return false;
  COOPNET_RETURN_IF_ERROR(series.status());
  return principal::ActsFor(call.principal, series->organiser(), type::v1::EVENTS_WRITE);
}

absl::Status EventService::CheckReferences(const server::Call& call, const Event& event,
                                           const Event* before) {
  validate::Violations v;
  if (before == nullptr) {
    v.Check(directory_.RequireOrganisation("event.organiser", event.organiser(), call.deadline));
  }
  for (int i = 0; i < event.co_organisers_size(); ++i) {
    const std::string& name = event.co_organisers(i);
    if (before != nullptr &&
        std::find(before->co_organisers().begin(), before->co_organisers().end(), name) !=
            before->co_organisers().end()) {
      continue;
    }
    v.Check(directory_.RequireOrganisation(absl::StrCat("event.co_organisers[", i, "]"), name,
                                           call.deadline));
  }
  if (!event.network().empty() && (before == nullptr || before->network() != event.network())) {
    v.Check(directory_.RequireNetwork("event.network", event.network(), call.deadline).status());
  }
  if (!event.series().empty() && (before == nullptr || before->series() != event.series() ||
                                  before->network() != event.network())) {
    absl::StatusOr<Series> series = store_.GetSeries(resource::IdOf(event.series()));
    if (series.status().code() == absl::StatusCode::kNotFound) {
      v.Add("event.series", absl::StrCat(event.series(), " does not exist"));
    } else if (!series.ok()) {
      v.Check(series.status());
    } else if (series->network() != event.network()) {
      v.Add("event.network",
            absl::StrCat("must be ", series->network(), ", the network of ", event.series()));
    }
  }
  return v.ToStatus();
}

absl::StatusOr<Event> EventService::Edit(const server::Call& call, absl::string_view id,
                                         absl::string_view etag,
                                         std::optional<request::RequestKey> key,
                                         const EventEdit& edit) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", etag));
  COOPNET_ASSIGN_OR_RETURN(Event authorised, EditableEvent(call, id));
  EventEdit guarded = edit;
  guarded.apply = [&](const Event& stored) -> absl::StatusOr<Event> {
    COOPNET_RETURN_IF_ERROR(SameOwnership(authorised, stored));
    return edit.apply(stored);
  };
  COOPNET_ASSIGN_OR_RETURN(Event edited, store_.EditEvent(id, revision, key, guarded));
  Wrote(id);
  return Present(std::move(edited));
}

void EventService::Wrote(absl::string_view id) {
  cache_.Invalidate(id);
  cache_.BumpGeneration(kListGeneration);
  relay_.Wake();
}

absl::StatusOr<std::vector<Event>> EventService::Find(const server::Call& call,
                                                      const v1::ListEventsRequest& r,
                                                      absl::Time after_start,
                                                      absl::string_view after_id, int limit) {
  EventQuery q;
  if (r.has_from_time()) q.from = ToTime(r.from_time());
  if (r.upcoming()) q.from = std::max(q.from, absl::Now());
  if (r.has_to_time()) q.to = ToTime(r.to_time());
  q.countries = geo::Places(r.countries()).SqlPatterns();
  q.nuts_prefix = r.nuts_prefix();
  q.themes.assign(r.themes().begin(), r.themes().end());
  for (int kind : r.kinds()) q.kinds.push_back(Event::Kind_Name(kind));
  q.organiser = r.organiser();
  q.network = r.network();
  q.series_id = resource::IdOf(r.series());
  for (const std::string& language : r.languages()) {
    q.languages.push_back(absl::AsciiStrToLower(language));
  }
  for (int mode : r.attendance_modes())
    q.attendance_modes.push_back(Event::AttendanceMode_Name(mode));
  q.words = QueryWords(r.query());

  const principal::Principal& caller = call.principal;
  q.viewer_sees_everything =
      principal::IsAdmin(caller) || caller.kind() == principal::Principal::SERVICE;
  if (caller.kind() == principal::Principal::API_KEY && !caller.organisation().empty()) {
    q.viewer_organisation = caller.organisation();
    COOPNET_ASSIGN_OR_RETURN(q.viewer_networks,
                             directory_.NetworksOf(caller.organisation(), call.deadline));
  }
  q.after_start = after_start;
  q.after_id = std::string(after_id);
  q.limit = limit;
  return store_.ListEvents(q);
}

// ---- Events. ----

absl::Status EventService::CreateEvent(const server::Call& call,
                                       const v1::CreateEventRequest& request, Event& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  Event event = request.event();
  SpanTentativeDates(event);
  COOPNET_RETURN_IF_ERROR(ValidateEvent(event));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  event.set_state(Event::DRAFT);
  COOPNET_RETURN_IF_ERROR(RequireActingFor(call, event.organiser(), "event.organiser"));
  COOPNET_RETURN_IF_ERROR(CheckReferences(call, event, nullptr));
  COOPNET_RETURN_IF_ERROR(SettleCoOrganisers(call.principal, Event(), NamesOf(event), event));
  COOPNET_ASSIGN_OR_RETURN(bool for_network, ActsForNetwork(call, event));
  SettlePlacement(Event(), for_network, event);
  COOPNET_ASSIGN_OR_RETURN(
      Event created,
      store_.CreateEvent(event, request::RequestKeyOf(call.principal, "CreateEvent",
                                                      request.request_id(), request)));
  Wrote(resource::IdOf(created.name()));
  response = Present(std::move(created));
  return absl::OkStatus();
}

absl::Status EventService::GetEvent(const server::Call& call, const v1::GetEventRequest& request,
                                    Event& response) {
  COOPNET_ASSIGN_OR_RETURN(response, VisibleEvent(call, "name", request.name()));
  return absl::OkStatus();
}

absl::Status EventService::ListEvents(const server::Call& call,
                                      const v1::ListEventsRequest& request,
                                      v1::ListEventsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateListFilters(request, ""));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  absl::Time after_start = absl::InfinitePast();
  std::string after_id;
  if (!after.empty()) COOPNET_RETURN_IF_ERROR(ParsePageKey(after, &after_start, &after_id));

  // Anonymous callers all see the same pages: the portals' lists come from the cache,
  // within its budget however many filters they try.
  const bool shared_page = call.principal.kind() == principal::Principal::ANONYMOUS;
  cache::LookupResult lookup;
  if (shared_page) {
    lookup = cache_.Lookup(absl::StrCat("list:", cache_.Generation(kListGeneration), ":",
                                        absl::BytesToHexString(request::Sha256(fingerprint)), ":",
                                        page_size, ":", after),
                           list_pages_);
    if (lookup.hit && response.ParseFromString(*lookup.value)) {
      for (Event& event : *response.mutable_events()) event = Present(std::move(event));
      return absl::OkStatus();
    }
    response.Clear();
  }

  // One more than the page shows whether another page follows.
  COOPNET_ASSIGN_OR_RETURN(std::vector<Event> found,
                           Find(call, request, after_start, after_id, page_size + 1));
  const bool more = static_cast<int>(found.size()) > page_size;
  if (more) found.resize(page_size);
  for (Event& event : found) *response.add_events() = std::move(event);
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, PageKey(response.events(page_size - 1))));
  }
  if (shared_page) cache_.Fill(lookup, response.SerializeAsString(), kListTtl, list_pages_);
  for (Event& event : *response.mutable_events()) event = Present(std::move(event));
  return absl::OkStatus();
}

absl::Status EventService::UpdateEvent(const server::Call& call,
                                       const v1::UpdateEventRequest& request, Event& response) {
  const Event& patch = request.event();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("event.name", patch.name(), kEvents));
  // Check the mask before touching anything, so a bad request changes nothing.
  COOPNET_RETURN_IF_ERROR(ApplyEventMask(Event(), patch, request.update_mask()).status());
  COOPNET_ASSIGN_OR_RETURN(Event stored, EditableEvent(call, id));
  COOPNET_ASSIGN_OR_RETURN(Event changed, ApplyEventMask(stored, patch, request.update_mask()));
  COOPNET_RETURN_IF_ERROR(ValidateEvent(changed));
  COOPNET_RETURN_IF_ERROR(CheckReferences(call, changed, &stored));
  COOPNET_ASSIGN_OR_RETURN(bool for_network, ActsForNetwork(call, changed));

  EventEdit edit;
  edit.apply = [&](const Event& current) -> absl::StatusOr<Event> {
    COOPNET_RETURN_IF_ERROR(
        NextState(EffectiveState(current, absl::Now()), Action::kUpdate).status());
    COOPNET_ASSIGN_OR_RETURN(Event next, ApplyEventMask(current, patch, request.update_mask()));
    COOPNET_RETURN_IF_ERROR(ValidateEvent(next));
    COOPNET_RETURN_IF_ERROR(SettleCoOrganisers(call.principal, current, NamesOf(next), next));
    // `for_network` was decided for the place `changed` names; a series moved meanwhile
    // sends the caller round again.
    if (next.series() != changed.series()) return ConcurrentChange();
    SettlePlacement(current, for_network, next);
    return next;
  };
  edit.announce = AnnounceUpdate;
  COOPNET_ASSIGN_OR_RETURN(response, Edit(call, id, patch.etag(), std::nullopt, edit));
  return absl::OkStatus();
}

absl::Status EventService::DeleteEvent(const server::Call& call,
                                       const v1::DeleteEventRequest& request,
                                       google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kEvents));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", request.etag()));
  COOPNET_ASSIGN_OR_RETURN(Event authorised, EditableEvent(call, id));
  COOPNET_RETURN_IF_ERROR(store_.DeleteEvent(id, revision, [&](const Event& stored) {
    COOPNET_RETURN_IF_ERROR(SameOwnership(authorised, stored));
    return NextState(EffectiveState(stored, absl::Now()), Action::kDelete).status();
  }));
  Wrote(id);
  return absl::OkStatus();
}

absl::Status EventService::AcceptCoOrganiser(const server::Call& call,
                                             const v1::AcceptCoOrganiserRequest& request,
                                             Event& response) {
  const std::string& organisation = request.organisation();
  COOPNET_ASSIGN_OR_RETURN(
      response,
      EditCoOrganisers(
          call, {request.name(), organisation, request.etag(), request.request_id()},
          "AcceptCoOrganiser", request,
          // Only one acting for the organisation accepts in its name.
          [&]() { return RequireActingFor(call, organisation, "organisation"); },
          [&](const Event& current) -> absl::StatusOr<Event> {
            const auto& accepted = current.co_organisers();
            const auto& proposed = current.proposed_co_organisers();
            if (std::find(accepted.begin(), accepted.end(), organisation) != accepted.end()) {
              return current;
            }
            if (std::find(proposed.begin(), proposed.end(), organisation) == proposed.end()) {
              // Who may not see the event learns nothing of it, not even that it exists.
              if (!CanSee(current, DirectRelation(call.principal, current))) {
                return EventNotFound(current.name());
              }
              return status::Error(
                  absl::StatusCode::kFailedPrecondition, "NOT_PROPOSED",
                  absl::StrCat(organisation, " is not proposed as a co-organiser of ",
                               current.name(), ": its organiser names it first"));
            }
            Event next = current;
            Remove(*next.mutable_proposed_co_organisers(), organisation);
            next.add_co_organisers(organisation);
            return next;
          }));
  return absl::OkStatus();
}

absl::Status EventService::WithdrawCoOrganiser(const server::Call& call,
                                               const v1::WithdrawCoOrganiserRequest& request,
                                               Event& response) {
  const std::string& organisation = request.organisation();
  COOPNET_ASSIGN_OR_RETURN(
      response,
      EditCoOrganisers(
          call, {request.name(), organisation, request.etag(), request.request_id()},
          "WithdrawCoOrganiser", request,
          // The organisation leaves by itself; anyone else must be the event's editor.
          [&]() -> absl::Status {
            if (principal::ActsFor(call.principal, organisation, type::v1::EVENTS_WRITE)) {
              return absl::OkStatus();
            }
            return EditableEvent(call, resource::IdOf(request.name())).status();
          },
          [&](const Event& current) -> absl::StatusOr<Event> {
            Event next = current;
            Remove(*next.mutable_co_organisers(), organisation);
            Remove(*next.mutable_proposed_co_organisers(), organisation);
            return next;
          }));
  return absl::OkStatus();
}

absl::Status EventService::AcceptPlacement(const server::Call& call,
                                           const v1::AcceptPlacementRequest& request,
                                           Event& response) {
  COOPNET_ASSIGN_OR_RETURN(
      response, EditPlacement(call, {request.name(), request.etag(), request.request_id()},
                              "AcceptPlacement", request, Event::PLACEMENT_ACTIVE));
  return absl::OkStatus();
}

absl::Status EventService::DeclinePlacement(const server::Call& call,
                                            const v1::DeclinePlacementRequest& request,
                                            Event& response) {
  COOPNET_ASSIGN_OR_RETURN(
      response, EditPlacement(call, {request.name(), request.etag(), request.request_id()},
                              "DeclinePlacement", request, Event::PLACEMENT_DECLINED));
  return absl::OkStatus();
}

absl::StatusOr<Event> EventService::EditPlacement(const server::Call& call,
                                                  const PlacementChange& change,
                                                  absl::string_view method,
                                                  const google::protobuf::Message& request,
                                                  Event::Placement placement) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", change.name, kEvents));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(change.request_id));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", change.etag));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  COOPNET_ASSIGN_OR_RETURN(Event stored, store_.GetEvent(id));
  COOPNET_ASSIGN_OR_RETURN(bool for_network, ActsForNetwork(call, stored));
  if (!for_network) {
    COOPNET_ASSIGN_OR_RETURN(Relation relation, RelationTo(call, stored, /*editing=*/false));
    // Who may not see the event learns nothing of it, not even that it exists.
    if (!CanSee(stored, relation)) return EventNotFound(stored.name());
    if (stored.network().empty()) {
      return status::Error(absl::StatusCode::kFailedPrecondition, "NOT_PLACED",
                           absl::StrCat(stored.name(), " is in no network: nothing to decide"));
    }
    COOPNET_ASSIGN_OR_RETURN(std::string coordinator,
                             directory_.CoordinatorOf(stored.network(), call.deadline));
    return status::Error(
        absl::StatusCode::kPermissionDenied, "NOT_ACTING_FOR_ORGANISATION",
        absl::StrCat(
            "only the coordinator of ", stored.network(), " (", coordinator, ")",
            stored.series().empty() ? "" : absl::StrCat(" or the organiser of ", stored.series()),
            " decides whether ", stored.name(),
            " is placed there; the caller acts for "
            "neither"),
        {{"organisation", coordinator}});
  }
  EventEdit edit;
  edit.apply = [&](const Event& current) -> absl::StatusOr<Event> {
    if (current.network() != stored.network() || current.series() != stored.series()) {
      return ConcurrentChange();
    }
    COOPNET_RETURN_IF_ERROR(
        NextState(EffectiveState(current, absl::Now()), Action::kUpdate).status());
    Event next = current;
    next.set_placement(placement);
    return next;
  };
  edit.announce = AnnounceUpdate;
  COOPNET_ASSIGN_OR_RETURN(
      Event edited,
      store_.EditEvent(id, revision,
                       request::RequestKeyOf(call.principal, method, change.request_id, request),
                       edit));
  Wrote(id);
  return Present(std::move(edited));
}

absl::StatusOr<Event> EventService::EditCoOrganisers(
    const server::Call& call, const CoOrganiserChange& change, absl::string_view method,
    const google::protobuf::Message& request, const std::function<absl::Status()>& authorise,
    const std::function<absl::StatusOr<Event>(const Event&)>& apply) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", change.name, kEvents));
  COOPNET_RETURN_IF_ERROR(
      resource::ParseName("organisation", change.organisation, "organisations").status());
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(change.request_id));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", change.etag));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  COOPNET_RETURN_IF_ERROR(authorise());
  EventEdit edit;
  edit.apply = apply;
  edit.announce = AnnounceUpdate;
  COOPNET_ASSIGN_OR_RETURN(
      Event edited,
      store_.EditEvent(id, revision,
                       request::RequestKeyOf(call.principal, method, change.request_id, request),
                       edit));
  Wrote(id);
  return Present(std::move(edited));
}

absl::Status EventService::PublishEvent(const server::Call& call,
                                        const v1::PublishEventRequest& request, Event& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kEvents));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  EventEdit edit;
  edit.apply = [](const Event& current) -> absl::StatusOr<Event> {
    COOPNET_ASSIGN_OR_RETURN(Event::State next,
                             NextState(EffectiveState(current, absl::Now()), Action::kPublish));
    Event published = current;
    published.set_state(next);
    return published;
  };
  edit.announce = [](const Event& before,
                     const Event& after) -> std::unique_ptr<google::protobuf::Message> {
    if (before.state() != Event::DRAFT || after.state() != Event::PUBLISHED) return nullptr;
    auto published = std::make_unique<v1::EventPublished>();
    *published->mutable_event() = after;
    return published;
  };
  COOPNET_ASSIGN_OR_RETURN(response, Edit(call, id, request.etag(),
                                          request::RequestKeyOf(call.principal, "PublishEvent",
                                                                request.request_id(), request),
                                          edit));
  return absl::OkStatus();
}

absl::Status EventService::CancelEvent(const server::Call& call,
                                       const v1::CancelEventRequest& request, Event& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kEvents));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(validate::Utf8Text("reason", request.reason(), 1, kMaxReason));
  EventEdit edit;
  edit.apply = [&](const Event& current) -> absl::StatusOr<Event> {
    COOPNET_ASSIGN_OR_RETURN(Event::State next,
                             NextState(EffectiveState(current, absl::Now()), Action::kCancel));
    // Cancelling again keeps the first reason: attendees were told that one.
    if (current.state() == Event::CANCELLED) return current;
    Event cancelled = current;
    cancelled.set_state(next);
    cancelled.set_cancellation_reason(request.reason());
    return cancelled;
  };
  edit.announce = [&](const Event& before,
                      const Event& after) -> std::unique_ptr<google::protobuf::Message> {
    if (before.state() != Event::PUBLISHED) return nullptr;
    auto cancelled = std::make_unique<v1::EventCancelled>();
    *cancelled->mutable_event() = after;
    cancelled->set_reason(request.reason());
    return cancelled;
  };
  COOPNET_ASSIGN_OR_RETURN(response, Edit(call, id, request.etag(),
                                          request::RequestKeyOf(call.principal, "CancelEvent",
                                                                request.request_id(), request),
                                          edit));
  return absl::OkStatus();
}

absl::Status EventService::RescheduleEvent(const server::Call& call,
                                           const v1::RescheduleEventRequest& request,
                                           Event& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request.name(), kEvents));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  const Event::DatePrecision precision =
      request.date_precision() == Event::DATE_PRECISION_UNSPECIFIED ? Event::EXACT
                                                                    : request.date_precision();
  if (!Event::DatePrecision_IsValid(precision)) {
    return status::InvalidField("date_precision", "must be EXACT, MONTH or SEASON");
  }
  const bool tentative = precision != Event::EXACT;
  // A month or a season needs no end: it is the month's or the season's.
  google::protobuf::Timestamp end = request.end_time();
  if (tentative && !request.has_end_time())
    end = ToTimestamp(ToTime(request.start_time()) + absl::Seconds(1));
  // The zone is checked with the event's own when the request keeps it.
  COOPNET_RETURN_IF_ERROR(ValidateSchedule(
      request.start_time(), end, request.time_zone().empty() ? "UTC" : request.time_zone(), ""));
  EventEdit edit;
  edit.apply = [&](const Event& current) -> absl::StatusOr<Event> {
    COOPNET_RETURN_IF_ERROR(
        NextState(EffectiveState(current, absl::Now()), Action::kReschedule).status());
    Event moved = Reschedule(current, request.start_time(), end, request.time_zone());
    moved.set_date_precision(precision);
    SpanTentativeDates(moved);
    COOPNET_RETURN_IF_ERROR(ValidateEvent(moved));
    return moved;
  };
  edit.announce = [](const Event& before,
                     const Event& after) -> std::unique_ptr<google::protobuf::Message> {
    if (!ChangeIsPublic(before.state())) return nullptr;
    auto rescheduled = std::make_unique<v1::EventRescheduled>();
    *rescheduled->mutable_event() = after;
    *rescheduled->mutable_previous_start_time() = before.start_time();
    *rescheduled->mutable_previous_end_time() = before.end_time();
    rescheduled->set_previous_time_zone(before.time_zone());
    rescheduled->set_previous_date_precision(before.date_precision());
    return rescheduled;
  };
  COOPNET_ASSIGN_OR_RETURN(response, Edit(call, id, request.etag(),
                                          request::RequestKeyOf(call.principal, "RescheduleEvent",
                                                                request.request_id(), request),
                                          edit));
  return absl::OkStatus();
}

absl::Status EventService::GetEventCalendar(const server::Call& call,
                                            const v1::GetEventCalendarRequest& request,
                                            v1::Calendar& response) {
  COOPNET_ASSIGN_OR_RETURN(Event event, VisibleEvent(call, "name", request.name()));
  if (IsTentative(event)) {
    return status::Error(absl::StatusCode::kFailedPrecondition, "EVENT_NOT_DATED",
                         absl::StrCat(event.name(), " is announced for ", TentativeDate(event),
                                      "; it has a calendar entry once its exact times are set"));
  }
  std::string language;
  const std::string title = ChooseTranslation(event.title(), call.accept_language, &language);
  response.set_content_type(ical::kContentType);
  response.set_ics(CalendarOf({event}, title, call.accept_language));
  return absl::OkStatus();
}

absl::Status EventService::ListEventsCalendar(const server::Call& call,
                                              const v1::ListEventsCalendarRequest& request,
                                              v1::Calendar& response) {
  COOPNET_RETURN_IF_ERROR(ValidateListFilters(request.filter(), "filter."));
  COOPNET_ASSIGN_OR_RETURN(
      std::vector<Event> events,
      Find(call, request.filter(), absl::InfinitePast(), "", kMaxCalendarEvents));
  // A month or a season is no calendar entry.
  events.erase(std::remove_if(events.begin(), events.end(), &IsTentative), events.end());
  for (Event& event : events) event = Present(std::move(event));
  response.set_content_type(ical::kContentType);
  response.set_ics(CalendarOf(events, "coopnet events", call.accept_language));
  return absl::OkStatus();
}

// ---- Series. ----

absl::Status EventService::RequireSeriesManager(const server::Call& call, const Series& series) {
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  if (principal::ActsFor(call.principal, series.organiser(), type::v1::EVENTS_WRITE)) {
    return absl::OkStatus();
  }
  const std::string& organisation = call.principal.organisation();
  if (call.principal.kind() == principal::Principal::API_KEY && !organisation.empty()) {
    COOPNET_ASSIGN_OR_RETURN(std::string coordinator,
                             directory_.CoordinatorOf(series.network(), call.deadline));
    if (coordinator == organisation) return absl::OkStatus();
  }
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_ORGANISER",
                       absl::StrCat("only ", series.organiser(), " or the coordinator of ",
                                    series.network(), " may manage this series"));
}

absl::Status EventService::CreateSeries(const server::Call& call,
                                        const v1::CreateSeriesRequest& request, Series& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateSeries(request.series()));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  COOPNET_RETURN_IF_ERROR(RequireActingFor(call, request.series().organiser(), "series.organiser"));
  validate::Violations v;
  v.Check(directory_.RequireOrganisation("series.organiser", request.series().organiser(),
                                         call.deadline));
  v.Check(directory_.RequireNetwork("series.network", request.series().network(), call.deadline)
              .status());
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.CreateSeries(request.series(), request::RequestKeyOf(call.principal, "CreateSeries",
                                                                  request.request_id(), request)));
  return absl::OkStatus();
}

absl::Status EventService::GetSeries(const server::Call& call, const v1::GetSeriesRequest& request,
                                     Series& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kSeriesCollection));
  COOPNET_ASSIGN_OR_RETURN(response, store_.GetSeries(id));
  return absl::OkStatus();
}

absl::Status EventService::ListSeries(const server::Call& call,
                                      const v1::ListSeriesRequest& request,
                                      v1::ListSeriesResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  validate::Violations v;
  resource::CheckNameFilter(v, "network", request.network(), "networks");
  resource::CheckNameFilter(v, "organiser", request.organiser(), "organisations");
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  SeriesQuery query{.network = request.network(),
                    .organiser = request.organiser(),
                    .after_id = after,
                    .limit = page_size + 1};
  COOPNET_ASSIGN_OR_RETURN(std::vector<Series> found, store_.ListSeries(query));
  const bool more = static_cast<int>(found.size()) > page_size;
  if (more) found.resize(page_size);
  for (Series& series : found) *response.add_series() = std::move(series);
  if (more) {
    response.set_next_page_token(resource::EncodePageToken(
        fingerprint, resource::IdOf(response.series(page_size - 1).name())));
  }
  return absl::OkStatus();
}

absl::Status EventService::UpdateSeries(const server::Call& call,
                                        const v1::UpdateSeriesRequest& request, Series& response) {
  const Series& patch = request.series();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("series.name", patch.name(), kSeriesCollection));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("series.etag", patch.etag()));
  COOPNET_RETURN_IF_ERROR(ApplySeriesMask(Series(), patch, request.update_mask()).status());
  COOPNET_ASSIGN_OR_RETURN(Series stored, store_.GetSeries(id));
  COOPNET_RETURN_IF_ERROR(RequireSeriesManager(call, stored));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.UpdateSeries(id, revision, [&](const Series& current) -> absl::StatusOr<Series> {
        COOPNET_ASSIGN_OR_RETURN(Series next,
                                 ApplySeriesMask(current, patch, request.update_mask()));
        COOPNET_RETURN_IF_ERROR(ValidateSeries(next));
        return next;
      }));
  return absl::OkStatus();
}

absl::Status EventService::DeleteSeries(const server::Call& call,
                                        const v1::DeleteSeriesRequest& request,
                                        google::protobuf::Empty&) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kSeriesCollection));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", request.etag()));
  COOPNET_ASSIGN_OR_RETURN(Series stored, store_.GetSeries(id));
  COOPNET_RETURN_IF_ERROR(RequireSeriesManager(call, stored));
  return store_.DeleteSeries(id, revision);
}

}  // namespace coopnet::events
