// The notifications process: its settings, everything it serves and runs, built in one
// place so that the binary and the in-process test stacks run exactly the same.
#ifndef COOPNET_SERVICES_NOTIFICATIONS_PROCESS_H_
#define COOPNET_SERVICES_NOTIFICATIONS_PROCESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client/service_channel.h"
#include "common/outbox/consumer.h"
#include "common/service/service_main.h"
#include "services/notifications/composer.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/notification_service.h"
#include "services/notifications/sender.h"

namespace coopnet::notifications {

// The notifications process's own settings, beside those every service has.
struct Options {
  // The processes whose registrations, events and organisers the e-mails tell of.
  client::Peer registrations = {.address = "127.0.0.1:50053"};
  client::Peer events = {.address = "127.0.0.1:50052"};
  client::Peer organisations = {.address = "127.0.0.1:50051"};
  // The registrations service's stream, read in the consumer group `consumer_group`.
  std::string registrations_stream = "coopnet:registrations:stream";
  std::string consumer_group = "notifications";
  // How long one read of that stream waits for changes (also how long stopping waits).
  absl::Duration feed_block = absl::Seconds(1);
  ComposerOptions composer = {};
  SenderOptions sender = {};
};

// What Start builds, in the order it is built: destroyed in reverse, so that the feed
// and the sender stop before what they use goes.
struct Process {
  std::unique_ptr<DeliveryStore> store;
  std::unique_ptr<client::ServiceChannel> registrations;
  std::unique_ptr<client::ServiceChannel> events;
  std::unique_ptr<client::ServiceChannel> organisations;
  std::unique_ptr<Composer> composer;
  std::unique_ptr<NotificationService> service;
  std::unique_ptr<Sender> sender;
  std::unique_ptr<outbox::Consumer> feed;
};

// Builds the store, the peers' clients, the composer, the handlers, the sender and the
// feed (both started here), keeps them in `context` and registers NotificationService.
absl::StatusOr<Process*> Start(service::Context& context, const Options& options);

// The notifications binary: `notifications` serves gRPC on :50055, `notifications
// migrate` applies the database migrations and exits (the Kubernetes Job).
service::Definition Definition();

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_PROCESS_H_
