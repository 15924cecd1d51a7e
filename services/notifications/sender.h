// Sends the e-mails the Composer wrote: claims those due, hands each to the mail server,
// and marks it sent; tried again with a doubling pause when the server answers 4xx or
// cannot be reached, failed at once on a 5xx answer and after `give_up_after` of trying.
// Every replica may run one: a claimed e-mail is leased to its sender, and comes back when
// that sender dies. At most `per_second` messages leave a replica each second, so that one
// burst (a cancelled conference) does not trip the mail server's limits.
#ifndef COOPNET_SERVICES_NOTIFICATIONS_SENDER_H_
#define COOPNET_SERVICES_NOTIFICATIONS_SENDER_H_

#include <atomic>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/background/loop.h"
#include "common/metrics/metrics.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/smtp.h"

namespace coopnet::notifications {

struct SenderOptions {
  SmtpOptions smtp = {};
  // Messages claimed at once.
  int batch = 20;
  // Messages a second at most; 0 for no limit.
  double per_second = 20;
  // The pause after the first failed attempt, doubling up to `max_retry_pause`.
  absl::Duration first_retry_pause = absl::Minutes(1);
  absl::Duration max_retry_pause = absl::Hours(1);
  // A message still failing this long after it was written is failed.
  absl::Duration give_up_after = absl::Hours(24);
  // How long a claimed message is this sender's: longer than sending a batch takes.
  absl::Duration lease = absl::Minutes(5);
  // How often to look for messages due when there were none.
  absl::Duration poll_interval = absl::Seconds(1);
  // The domain of Message-IDs (`<id.attempt@domain>`).
  std::string message_id_domain = "coopnet";
};

// Thread-safe. The store must outlive it.
class Sender {
 public:
  Sender(SenderOptions options, DeliveryStore& store);
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Sends on a thread of its own until Stop or destruction.
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }

  // One batch on the calling thread: how many messages it claimed.
  absl::StatusOr<int> SendDue();

  int64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  int64_t retried() const { return retried_.load(std::memory_order_relaxed); }
  int64_t failed() const { return failed_.load(std::memory_order_relaxed); }

 private:
  absl::Duration Round();
  // The pause before attempt `attempts + 1` of a message that failed `attempts` times.
  absl::Duration RetryPause(int attempts) const;
  void Count(const char* result);

  const SenderOptions options_;
  DeliveryStore& store_;
  std::atomic<int64_t> sent_{0};
  std::atomic<int64_t> retried_{0};
  std::atomic<int64_t> failed_{0};
  std::optional<metrics::CounterFamily> emails_;
  std::optional<metrics::HistogramFamily> delay_;
  absl::Time next_send_ = absl::InfinitePast();
  absl::Duration backoff_ = absl::ZeroDuration();
  // Last, so that it stops first: its rounds use the above.
  background::Loop loop_;
};

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_SENDER_H_
