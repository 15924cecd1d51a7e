// The handlers of coopnet.notifications.v1.NotificationService: what an organiser asks
// of the e-mails about their event's registrations.
#ifndef COOPNET_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_
#define COOPNET_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_

#include "absl/status/statusor.h"
#include "common/client/service_channel.h"
#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/events/v1/events.pb.h"
#include "coopnet/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/composer.h"
#include "services/notifications/delivery_store.h"

namespace coopnet::notifications {

inline constexpr char kServiceName[] = "coopnet.notifications.v1.NotificationService";
inline constexpr char kErrorDomain[] = "notifications.coopnet";

class NotificationService {
 public:
  // PreviewEmail reads the event as its caller sees it (what they may not see is
  // NOT_FOUND); ListEmailDeliveries answers only those who organise the event. Everything
  // given must outlive it.
  NotificationService(server::Server& server, DeliveryStore& store, const Composer& composer,
                      client::ServiceChannel& events, client::ServiceChannel& organisations);

  server::ServiceTable& table() { return table_; }

 private:
  absl::Status ListEmailDeliveries(const server::Call& call,
                                   const v1::ListEmailDeliveriesRequest& request,
                                   v1::ListEmailDeliveriesResponse& response);
  absl::Status PreviewEmail(const server::Call& call, const v1::PreviewEmailRequest& request,
                            v1::EmailPreview& response);

  // The event `name` (`events/{id}`), read as `call`'s caller sees it, or as this service;
  // NOT_FOUND when it does not exist or the caller may not see it.
  absl::StatusOr<events::v1::Event> ReadEvent(const server::Call& call, const std::string& name,
                                              bool as_caller);

  DeliveryStore& store_;
  const Composer& composer_;
  client::ServiceChannel& events_;
  client::ServiceChannel& organisations_;
  server::ServiceTable table_;
};

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_NOTIFICATION_SERVICE_H_
