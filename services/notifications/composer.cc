#include "services/notifications/composer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "coopnet/registrations/v1/registrations.grpc.pb.h"
#include "services/events/event_calendar.h"
#include "services/events/event_rules.h"
#include "services/events/icalendar.h"
#include "services/notifications/dates.h"
#include "services/registrations/manage_token.h"

namespace coopnet::notifications {
namespace {

namespace ev = events::v1;
namespace org = organisations::v1;
namespace rg = registrations::v1;

// `events/{event}` of `events/{event}/registrations/{id}`.
std::string EventOf(const std::string& registration) {
  return registration.substr(0, registration.find("/registrations/"));
}

// Where the event takes place, as a reader finds it: the venue and its town; "" online.
std::string PlaceOf(const ev::Event& event) {
  if (!event.has_venue()) return "";
  const ev::Venue& venue = event.venue();
  std::vector<std::string> parts;
  for (const std::string& part : {venue.name(), venue.room(), venue.address().locality()}) {
    if (!part.empty()) parts.push_back(part);
  }
  return absl::StrJoin(parts, ", ");
}

// The calendar METHOD a message carries: REQUEST where the registration holds a seat
// (calendar clients add or update the event), CANCEL where it no longer does; "" none.
std::string CalendarMethod(const std::string& message, const rg::Registration& registration) {
  if (message == "event_cancelled" || message == "cancelled" ||
      message == "cancelled_by_organiser") {
    return "CANCEL";
  }
  const bool seated = registration.state() == rg::Registration::CONFIRMED;
  if (seated && (message == "confirmed" || message == "promoted" || message == "approved" ||
                 message == "event_rescheduled")) {
    return "REQUEST";
  }
  return "";
}

}  // namespace

Composer::Composer(ComposerOptions options, client::ServiceChannel& registrations,
                   client::ServiceChannel& events, client::ServiceChannel& organisations,
                   DeliveryStore& store)
    : options_(std::move(options)),
      manage_tokens_(options_.manage_token_secret),
      registrations_(registrations),
      events_(events),
      organisations_(organisations),
      store_(store) {}

absl::Status Composer::Handle(const outbox::StreamEntry& change) {
  // Each domain event carries the registration it is about; the rescheduling notice, the
  // registrations its event's move concerns.
  auto about = [&](auto message, const std::string& folder) -> absl::Status {
    if (!message.ParseFromString(change.payload)) return absl::OkStatus();
    return Tell(change.outbox_id, message.registration().name(), folder, absl::InfinitePast());
  };
  const std::string& type = change.type;
  if (type == rg::RegistrationConfirmed::descriptor()->full_name()) {
    return about(rg::RegistrationConfirmed(), "confirmed");
  }
  if (type == rg::RegistrationWaitlisted::descriptor()->full_name()) {
    return about(rg::RegistrationWaitlisted(), "waitlisted");
  }
  if (type == rg::RegistrationPromoted::descriptor()->full_name()) {
    return about(rg::RegistrationPromoted(), "promoted");
  }
  if (type == rg::RegistrationPendingApproval::descriptor()->full_name()) {
    return about(rg::RegistrationPendingApproval(), "pending_approval");
  }
  if (type == rg::RegistrationRejected::descriptor()->full_name()) {
    return about(rg::RegistrationRejected(), "rejected");
  }
  if (type == rg::RegistrationCancelled::descriptor()->full_name()) {
    return about(rg::RegistrationCancelled(), "cancelled");
  }
  if (type == rg::EventRescheduledNotice::descriptor()->full_name()) {
    rg::EventRescheduledNotice notice;
    if (!notice.ParseFromString(change.payload)) return absl::OkStatus();
    for (const std::string& registration : notice.registrations()) {
      COOPNET_RETURN_IF_ERROR(Tell(change.outbox_id, registration, "event_rescheduled",
                                   ToTime(notice.previous_start_time())));
    }
  }
  return absl::OkStatus();
}

absl::Status Composer::Tell(int64_t change_id, const std::string& registration, std::string message,
                            absl::Time previous_start) {
  Occasion occasion;
  occasion.previous_start = previous_start;
  {
    grpc::ClientContext context;
    registrations_.Prepare(context);
    rg::GetRegistrationRequest request;
    request.set_name(registration);
    const grpc::Status s = rg::RegistrationService::NewStub(registrations_.channel())
                               ->GetRegistration(&context, request, &occasion.registration);
    // Erased or gone since: nobody left to tell.
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return absl::OkStatus();
    if (!s.ok()) return registrations_.Failure(s, "GetRegistration");
  }
  {
    grpc::ClientContext context;
    events_.Prepare(context);
    ev::GetEventRequest request;
    request.set_name(EventOf(registration));
    const grpc::Status s =
        ev::EventService::NewStub(events_.channel())->GetEvent(&context, request, &occasion.event);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) return absl::OkStatus();
    if (!s.ok()) return events_.Failure(s, "GetEvent");
  }
  {
    grpc::ClientContext context;
    organisations_.Prepare(context);
    org::GetOrganisationRequest request;
    request.set_name(occasion.event.organiser());
    const grpc::Status s = org::OrganisationService::NewStub(organisations_.channel())
                               ->GetOrganisation(&context, request, &occasion.organiser);
    if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
      return organisations_.Failure(s, "GetOrganisation");
    }
  }
  if (message == "cancelled" && occasion.event.state() == ev::Event::CANCELLED) {
    message = "event_cancelled";
  }
  // A confirmation after a wait for approval is the approval.
  if (message == "confirmed") {
    COOPNET_ASSIGN_OR_RETURN(bool waited, store_.Told(registration, "pending_approval"));
    if (waited) message = "approved";
  }
  std::vector<Delivery> deliveries = Write(message, occasion);
  for (Delivery& d : deliveries) d.change_id = change_id;
  return store_.Add(deliveries).status();
}

std::vector<Delivery> Composer::Write(const std::string& message, const Occasion& occasion) const {
  const rg::Registration& registration = occasion.registration;
  const ev::Event& event = occasion.event;
  const std::vector<std::string> event_languages(event.languages().begin(),
                                                 event.languages().end());
  const std::string method = CalendarMethod(message, registration);
  std::vector<Delivery> deliveries;
  for (const rg::Participant& person : registration.participants()) {
    if (person.email().empty()) continue;  // anonymised
    const std::string language = ChooseLanguage(person.preferred_language(), event_languages);
    absl::StatusOr<Wording> wording =
        notifications::Write(message, language, ValuesFor(occasion, person, language));
    if (!wording.ok()) continue;  // every message exists in every language
    Delivery& d = deliveries.emplace_back();
    d.registration = registration.name();
    d.participant = person.id();
    d.message = message;
    d.recipient = person.email();
    d.recipient_name = absl::StrCat(person.given_name(), " ", person.family_name());
    d.reply_to = occasion.organiser.email();
    d.reply_to_name = occasion.organiser.display_name();
    d.language = language;
    d.subject = std::move(wording->subject);
    d.text = std::move(wording->text);
    d.html = std::move(wording->html);
    if (!method.empty()) {
      events::ical::Entry entry = events::ToCalendarEntry(event, language);
      entry.organizer = {occasion.organiser.email(), occasion.organiser.display_name()};
      entry.attendees = {{person.email(), d.recipient_name}};
      if (method == "CANCEL") entry.status = events::ical::Status::kCancelled;
      d.calendar = events::ical::Write({.entries = {entry}, .method = method});
      d.calendar_method = method;
    }
  }
  return deliveries;
}

absl::StatusOr<Wording> Composer::Preview(const std::string& message, const ev::Event& event,
                                          const org::Organisation& organiser,
                                          const std::string& language) const {
  Occasion occasion;
  occasion.event = event;
  occasion.organiser = organiser;
  occasion.previous_start = ToTime(event.start_time()) - absl::Hours(24 * 7);
  occasion.registration.set_name(absl::StrCat(event.name(), "/registrations/preview"));
  occasion.registration.set_waitlist_position(3);
  occasion.registration.set_reason(message == "event_cancelled" ? event.cancellation_reason()
                                                                : "(the organiser's reason)");
  rg::Participant person;
  person.set_given_name("Ingrid");
  person.set_family_name("Johansen");
  return notifications::Write(message, language, ValuesFor(occasion, person, language));
}

Values Composer::ValuesFor(const Occasion& occasion, const rg::Participant& person,
                           const std::string& language) const {
  const ev::Event& event = occasion.event;
  const std::string zone = event.time_zone();
  Values values = {
      {"participant_name", absl::StrCat(person.given_name(), " ", person.family_name())},
      {"event_title", events::ChooseTranslation(event.title(), language, nullptr)},
      {"event_start", FormatWhen(ToTime(event.start_time()), zone, language)},
      {"event_end", FormatWhen(ToTime(event.end_time()), zone, language)},
      {"event_place", PlaceOf(event)},
      {"organiser", occasion.organiser.display_name()},
      {"manage_link", ManageLink(occasion.registration.name())},
      {"reason", occasion.registration.reason()},
  };
  if (event.state() == ev::Event::CANCELLED) values["reason"] = event.cancellation_reason();
  if (occasion.registration.waitlist_position() > 0) {
    values["waitlist_position"] = absl::StrCat(occasion.registration.waitlist_position());
  }
  if (occasion.previous_start != absl::InfinitePast()) {
    values["previous_start"] = FormatWhen(occasion.previous_start, zone, language);
  }
  return values;
}

std::string Composer::ManageLink(const std::string& registration) const {
  if (options_.manage_url.empty() || options_.manage_token_secret.empty()) return "";
  return absl::StrReplaceAll(
      options_.manage_url, {{"{registration}", registration},
                            {"{token}", registrations::ManageToken(manage_tokens_, registration)}});
}

}  // namespace coopnet::notifications
