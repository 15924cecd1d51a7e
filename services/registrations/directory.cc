#include "services/registrations/directory.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"
#include "common/time/time.h"

namespace coopnet::registrations {
namespace {

std::string EventKey(absl::string_view name) { return absl::StrCat("event:", name); }

// A peer answered something that makes no sense for the question: our bug or theirs,
// not our caller's.
absl::Status Unexpected(const absl::Status& s, absl::string_view method) {
  log::Error("unexpected answer from a peer service",
             {{"method", method}, {"error", std::string(s.message())}});
  return absl::InternalError(absl::StrCat(method, ": ", s.message()));
}

}  // namespace

EventFacts FactsOf(const events::v1::Event& event) {
  EventFacts facts;
  facts.name = event.name();
  facts.state = event.state();
  facts.start_time = ToTime(event.start_time());
  facts.end_time = ToTime(event.end_time());
  facts.time_zone = event.time_zone();
  facts.organisers.push_back(event.organiser());
  facts.organisers.insert(facts.organisers.end(), event.co_organisers().begin(),
                          event.co_organisers().end());
  facts.visibility = event.visibility();
  facts.dated = event.date_precision() != events::v1::Event::MONTH &&
                event.date_precision() != events::v1::Event::SEASON;
  return facts;
}

Directory::Directory(const client::ServiceChannel& events,
                     const client::ServiceChannel& organisations, cache::Cache& cache)
    : events_channel_(events),
      organisations_channel_(organisations),
      cache_(cache),
      events_(events::v1::EventService::NewStub(events.channel())),
      organisations_(organisations::v1::OrganisationService::NewStub(organisations.channel())) {}

absl::StatusOr<EventFacts> Directory::Event(absl::string_view name, absl::Time deadline) {
  const std::string key(name);
  if (std::optional<EventFacts> recent = recent_events_.Find(key)) return *std::move(recent);
  const uint64_t epoch = recent_events_.Epoch();
  cache::LookupResult lookup = cache_.Lookup(EventKey(name));
  events::v1::Event event;
  // A draft is not kept (below); a copy kept by an earlier version is not believed.
  if (lookup.hit && event.ParseFromString(*lookup.value) &&
      event.state() != events::v1::Event::DRAFT) {
    EventFacts facts = FactsOf(event);
    recent_events_.Keep(key, facts, epoch);
    return facts;
  }

  grpc::ClientContext context;
  events_channel_.Prepare(context, deadline);
  events::v1::GetEventRequest request;
  request.set_name(std::string(name));
  const grpc::Status answer = events_->GetEvent(&context, request, &event);
  if (!answer.ok()) {
    const absl::Status s = events_channel_.Failure(answer, "GetEvent");
    if (s.code() == absl::StatusCode::kNotFound) {
      return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                           absl::StrCat(name, " does not exist"));
    }
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    return Unexpected(s, "GetEvent");
  }
  // Only what registrations use is kept: descriptions and agendas are large.
  events::v1::Event kept;
  kept.set_name(event.name());
  kept.set_state(event.state());
  *kept.mutable_start_time() = event.start_time();
  *kept.mutable_end_time() = event.end_time();
  kept.set_time_zone(event.time_zone());
  kept.set_organiser(event.organiser());
  *kept.mutable_co_organisers() = event.co_organisers();
  kept.set_visibility(event.visibility());
  kept.set_date_precision(event.date_precision());
  EventFacts facts = FactsOf(kept);
  // A draft is asked about again each time: only its organisers ask (setting its policy),
  // and its publication must take registrations at once, even when the change that says
  // so is late (Redis down) and cannot make a kept copy go.
  if (kept.state() == events::v1::Event::DRAFT) return facts;
  cache_.Fill(lookup, kept.SerializeAsString(), kEventTtl);
  recent_events_.Keep(key, facts, epoch);
  return facts;
}

absl::Status Directory::RequireVisible(absl::string_view name, const principal::Principal& caller,
                                       absl::Time deadline) {
  grpc::ClientContext context;
  events_channel_.PrepareOnBehalfOf(context, caller, deadline);
  events::v1::GetEventRequest request;
  request.set_name(std::string(name));
  events::v1::Event event;
  const grpc::Status answer = events_->GetEvent(&context, request, &event);
  if (answer.ok()) return absl::OkStatus();
  const absl::Status s = events_channel_.Failure(answer, "GetEvent");
  if (s.code() == absl::StatusCode::kNotFound || s.code() == absl::StatusCode::kPermissionDenied) {
    return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                         absl::StrCat(name, " does not exist"));
  }
  if (s.code() == absl::StatusCode::kUnavailable) return s;
  return Unexpected(s, "GetEvent");
}

void Directory::ForgetEvent(absl::string_view name) {
  recent_events_.Forget(std::string(name));
  cache_.Invalidate(EventKey(name));
}

absl::StatusOr<OrganisationFacts> Directory::Organisation(absl::string_view field,
                                                          absl::string_view name,
                                                          absl::Time deadline) {
  const std::string key(name);
  if (std::optional<OrganisationFacts> recent = recent_organisations_.Find(key)) {
    return *std::move(recent);
  }
  const uint64_t epoch = recent_organisations_.Epoch();
  cache::LookupResult lookup = cache_.Lookup(absl::StrCat("organisation:", name));
  organisations::v1::Organisation organisation;
  if (!lookup.hit || !organisation.ParseFromString(*lookup.value)) {
    grpc::ClientContext context;
    organisations_channel_.Prepare(context, deadline);
    organisations::v1::GetOrganisationRequest request;
    request.set_name(std::string(name));
    const grpc::Status answer = organisations_->GetOrganisation(&context, request, &organisation);
    if (!answer.ok()) {
      const absl::Status s = organisations_channel_.Failure(answer, "GetOrganisation");
      if (s.code() == absl::StatusCode::kNotFound) {
        return status::InvalidField(field, absl::StrCat(name, " does not exist"));
      }
      if (s.code() == absl::StatusCode::kUnavailable) return s;
      return Unexpected(s, "GetOrganisation");
    }
    organisations::v1::Organisation kept;
    kept.set_display_name(organisation.display_name());
    kept.set_country(organisation.country());
    kept.set_kind(organisation.kind());
    organisation = kept;
    cache_.Fill(lookup, kept.SerializeAsString(), kOrganisationTtl);
  }
  OrganisationFacts facts{organisation.display_name(), organisation.country(), organisation.kind()};
  recent_organisations_.Keep(key, facts, epoch);
  return facts;
}

}  // namespace coopnet::registrations
