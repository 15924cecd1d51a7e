// The e-mails to send and sent (table email_deliveries): written once per change and
// participant, claimed by the sender when due, marked sent, to be tried again, or failed.
#ifndef COOPNET_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_
#define COOPNET_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "coopnet/notifications/v1/notifications.pb.h"

namespace coopnet::notifications {

// The schema (migrations/), embedded by CMake.
const std::vector<pg::Migration>& Migrations();

// One e-mail as written, before and after sending.
struct Delivery {
  int64_t id = 0;
  int64_t change_id = 0;
  std::string registration;
  std::string participant;
  // The template's folder: `confirmed`, `event_cancelled`, ...
  std::string message;
  std::string recipient;
  std::string recipient_name;
  std::string reply_to;
  std::string reply_to_name;
  std::string language;
  std::string subject;
  std::string text;
  std::string html;
  std::string calendar;
  std::string calendar_method;
  // How many attempts were made before this one (when claimed), and when it was written.
  int attempts = 0;
  absl::Time create_time;
};

class DeliveryStore {
 public:
  explicit DeliveryStore(pg::Pool& pool) : pool_(pool) {}

  // Writes `deliveries` (ids and times left to the database) in one transaction; one
  // already written for the same change and participant is kept as it was. How many
  // were new.
  absl::StatusOr<int> Add(const std::vector<Delivery>& deliveries);

  // Whether the registration was ever told `message` (say, pending_approval).
  absl::StatusOr<bool> Told(const std::string& registration, const std::string& message);

  // Up to `limit` PENDING deliveries whose time has come, oldest first, each taken for
  // `lease`: no other sender takes it meanwhile, and when this one dies it comes back.
  absl::StatusOr<std::vector<Delivery>> Claim(int limit, absl::Duration lease);

  absl::Status MarkSent(int64_t id);
  // PENDING again, to be tried at `next`, with the server's answer.
  absl::Status MarkTryAgain(int64_t id, absl::Time next, const std::string& error);
  absl::Status MarkFailed(int64_t id, const std::string& error);

  // The e-mails about `registration`, oldest first.
  absl::StatusOr<std::vector<v1::EmailDelivery>> List(const std::string& registration);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_DELIVERY_STORE_H_
