// What a registration change means for its participants' mailboxes: the e-mails it calls
// for, each written in its participant's language from the registration, its event and
// the organiser (asked of their services as this service), with the event attached as an
// invitation where the registration holds a seat, and kept in the DeliveryStore for the
// Sender. A change is told once per participant, however often it is delivered.
//
//   Composer composer(options, registrations, events, organisations, store);
//   outbox::Consumer consumer(..., [&](const outbox::StreamEntry& change) {
//     return composer.Handle(change);
//   });
#ifndef COOPNET_SERVICES_NOTIFICATIONS_COMPOSER_H_
#define COOPNET_SERVICES_NOTIFICATIONS_COMPOSER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/client/service_channel.h"
#include "common/outbox/stream.h"
#include "common/principal/principal.h"
#include "coopnet/events/v1/events.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "coopnet/registrations/v1/registrations.pb.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/wording.h"

namespace coopnet::notifications {

struct ComposerOptions {
  // The page where a registrant sees or cancels a registration, with `{registration}`
  // (its name) and `{token}` (its manage token) replaced; empty leaves the link out.
  // Put the token after `#`, which browsers never send to a server or log.
  std::string manage_url = "";
  // The registrations service's manage-token secret (COOPNET_MANAGE_TOKEN_SECRET).
  std::string manage_token_secret = "";
};

// Everything a message about one registration draws on.
struct Occasion {
  registrations::v1::Registration registration;
  events::v1::Event event;
  organisations::v1::Organisation organiser;
  // The event's start before it moved (event_rescheduled only).
  absl::Time previous_start = absl::InfinitePast();
};

class Composer {
 public:
  // The channels and the store must outlive it.
  Composer(ComposerOptions options, client::ServiceChannel& registrations,
           client::ServiceChannel& events, client::ServiceChannel& organisations,
           DeliveryStore& store);

  // Handles one change of the registrations stream; changes it does not tell of pass.
  // An error (a service unreachable) leaves the change to be delivered again.
  absl::Status Handle(const outbox::StreamEntry& change);

  // The e-mails `message` (a template's folder) about `occasion` calls for: one per
  // participant with an address, written in their language.
  std::vector<Delivery> Write(const std::string& message, const Occasion& occasion) const;

  // `message` about `event` (organised by `organiser`) in `language`, for an invented
  // participant: what an organiser previews.
  absl::StatusOr<Wording> Preview(const std::string& message, const events::v1::Event& event,
                                  const organisations::v1::Organisation& organiser,
                                  const std::string& language) const;

 private:
  // Tells the participants of `registration` `message`, for change `change_id`.
  absl::Status Tell(int64_t change_id, const std::string& registration, std::string message,
                    absl::Time previous_start);
  // The values of the templates' placeholders for one reader.
  Values ValuesFor(const Occasion& occasion, const registrations::v1::Participant& person,
                   const std::string& language) const;
  // The manage link of `registration`; empty without a manage URL.
  std::string ManageLink(const std::string& registration) const;

  const ComposerOptions options_;
  const principal::HmacKey manage_tokens_;
  client::ServiceChannel& registrations_;
  client::ServiceChannel& events_;
  client::ServiceChannel& organisations_;
  DeliveryStore& store_;
};

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_COMPOSER_H_
