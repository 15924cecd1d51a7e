#include "services/notifications/notification_service.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"

namespace coopnet::notifications {
namespace {

namespace ev = events::v1;
namespace org = organisations::v1;

// Whether `caller` organises `event`: acts for its organiser or a co-organiser in its
// events, or is an operator.
bool Organises(const principal::Principal& caller, const ev::Event& event) {
  if (principal::IsAdmin(caller)) return true;
  if (principal::ActsFor(caller, event.organiser(), type::v1::EVENTS_WRITE)) return true;
  return std::any_of(
      event.co_organisers().begin(), event.co_organisers().end(),
      [&](const std::string& o) { return principal::ActsFor(caller, o, type::v1::EVENTS_WRITE); });
}

// A BCP 47 tag as far as it matters here: 1 to 35 letters, digits, '-' or '_'.
bool LooksLikeALanguageTag(absl::string_view tag) {
  return !tag.empty() && tag.size() <= 35 && std::all_of(tag.begin(), tag.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

NotificationService::NotificationService(server::Server& server, DeliveryStore& store,
                                         const Composer& composer, client::ServiceChannel& events,
                                         client::ServiceChannel& organisations)
    : store_(store),
      composer_(composer),
      events_(events),
      organisations_(organisations),
      table_(server, kServiceName) {
  table_.Unary("ListEmailDeliveries", this, &NotificationService::ListEmailDeliveries)
      .Unary("PreviewEmail", this, &NotificationService::PreviewEmail);
}

absl::StatusOr<ev::Event> NotificationService::ReadEvent(const server::Call& call,
                                                         const std::string& name, bool as_caller) {
  grpc::ClientContext context;
  if (as_caller) {
    events_.PrepareOnBehalfOf(context, call.principal, call.deadline);
  } else {
    events_.Prepare(context, call.deadline);
  }
  ev::GetEventRequest request;
  request.set_name(name);
  ev::Event event;
  const grpc::Status s =
      ev::EventService::NewStub(events_.channel())->GetEvent(&context, request, &event);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
    return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                         absl::StrCat(name, " does not exist, or the caller may not see it"));
  }
  if (!s.ok()) return events_.Failure(s, "GetEvent");
  return event;
}

absl::Status NotificationService::ListEmailDeliveries(const server::Call& call,
                                                      const v1::ListEmailDeliveriesRequest& request,
                                                      v1::ListEmailDeliveriesResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("parent", request.parent(), "events", "registrations"));
  const std::string event_name = absl::StrCat("events/", ids.first);
  // Read as this service: whether the caller organises it decides, not what they may read.
  absl::StatusOr<ev::Event> event = ReadEvent(call, event_name, /*as_caller=*/false);
  // The events service unreachable is UNAVAILABLE, not a missing registration.
  if (!event.ok() && event.status().code() != absl::StatusCode::kNotFound) return event.status();
  if (!event.ok() || !Organises(call.principal, *event)) {
    // Who may not read them does not learn whether the registration exists.
    return status::Error(
        absl::StatusCode::kNotFound, "REGISTRATION_NOT_FOUND",
        absl::StrCat(request.parent(),
                     " does not exist, or the caller does not organise its event"));
  }
  COOPNET_ASSIGN_OR_RETURN(std::vector<v1::EmailDelivery> deliveries,
                           store_.List(request.parent()));
  for (v1::EmailDelivery& d : deliveries) *response.add_email_deliveries() = std::move(d);
  return absl::OkStatus();
}

absl::Status NotificationService::PreviewEmail(const server::Call& call,
                                               const v1::PreviewEmailRequest& request,
                                               v1::EmailPreview& response) {
  COOPNET_RETURN_IF_ERROR(resource::ParseName("event", request.event(), "events").status());
  if (request.message() == v1::EMAIL_MESSAGE_UNSPECIFIED ||
      !v1::EmailMessage_IsValid(request.message())) {
    return status::InvalidField("message", "must name a message, such as CONFIRMED");
  }
  if (!request.language().empty() && !LooksLikeALanguageTag(request.language())) {
    return status::InvalidField("language",
                                "must be a BCP 47 tag such as `pl` or `de-AT` (letters, digits "
                                "and '-', at most 35)");
  }
  COOPNET_ASSIGN_OR_RETURN(ev::Event event, ReadEvent(call, request.event(), /*as_caller=*/true));
  org::Organisation organiser;
  {
    grpc::ClientContext context;
    organisations_.Prepare(context, call.deadline);
    org::GetOrganisationRequest get;
    get.set_name(event.organiser());
    const grpc::Status s = org::OrganisationService::NewStub(organisations_.channel())
                               ->GetOrganisation(&context, get, &organiser);
    if (!s.ok() && s.error_code() != grpc::StatusCode::NOT_FOUND) {
      return organisations_.Failure(s, "GetOrganisation");
    }
  }
  const std::vector<std::string> event_languages(event.languages().begin(),
                                                 event.languages().end());
  const std::string language = ChooseLanguage(request.language(), event_languages);
  const std::string message = absl::AsciiStrToLower(v1::EmailMessage_Name(request.message()));
  COOPNET_ASSIGN_OR_RETURN(Wording wording, composer_.Preview(message, event, organiser, language));
  response.set_language(language);
  response.set_subject(std::move(wording.subject));
  response.set_text(std::move(wording.text));
  response.set_html(std::move(wording.html));
  return absl::OkStatus();
}

}  // namespace coopnet::notifications
