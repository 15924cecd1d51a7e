#include "services/notifications/sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::notifications {

Sender::Sender(SenderOptions options, DeliveryStore& store)
    : options_(std::move(options)), store_(store), loop_([this] { return Round(); }) {
  absl::StatusOr<metrics::CounterFamily> emails = metrics::CounterFamily::Create(
      "coopnet_notifications_emails_total",
      "E-mail attempts by result: sent, retried (the server refused for now or was away), "
      "failed (refused for good, or failing for too long)",
      {"result"});
  if (emails.ok()) emails_ = *emails;
  absl::StatusOr<metrics::HistogramFamily> delay = metrics::HistogramFamily::Create(
      "coopnet_notifications_email_delay_seconds",
      "Time from the change an e-mail tells of being handled to the mail server taking it", {},
      {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400});
  if (delay.ok()) delay_ = *delay;
}

void Sender::Count(const char* result) {
  if (emails_) emails_->With({result}).Increment();
}

absl::Duration Sender::RetryPause(int attempts) const {
  absl::Duration pause = options_.first_retry_pause;
  for (int i = 1; i < attempts && pause < options_.max_retry_pause; ++i) pause *= 2;
  return std::min(pause, options_.max_retry_pause);
}

absl::StatusOr<int> Sender::SendDue() {
  COOPNET_ASSIGN_OR_RETURN(std::vector<Delivery> due, store_.Claim(options_.batch, options_.lease));
  for (const Delivery& d : due) {
    if (options_.per_second > 0) {
      const absl::Time now = absl::Now();
      if (next_send_ > now) absl::SleepFor(next_send_ - now);
      next_send_ = std::max(now, next_send_) + absl::Seconds(1) / options_.per_second;
    }
    Email email;
    email.to = {d.recipient, d.recipient_name};
    email.reply_to = {d.reply_to, d.reply_to_name};
    email.subject = d.subject;
    email.text = d.text;
    email.html = d.html;
    email.language = d.language;
    email.calendar = d.calendar;
    email.calendar_method = d.calendar_method;
    // The same message however often it is tried: receivers can tell a repeat.
    email.message_id =
        absl::StrCat("<", d.id, ".", d.change_id, "@", options_.message_id_domain, ">");
    const SendResult sent = Send(options_.smtp, email);
    const std::string answer = absl::StrCat(sent.code, " ", sent.detail);
    const int attempts = d.attempts + 1;
    switch (sent.outcome) {
      case SendOutcome::kSent:
        COOPNET_RETURN_IF_ERROR(store_.MarkSent(d.id));
        sent_.fetch_add(1, std::memory_order_relaxed);
        Count("sent");
        if (delay_) delay_->With({}).Observe(absl::ToDoubleSeconds(absl::Now() - d.create_time));
        break;
      case SendOutcome::kRefused:
        COOPNET_RETURN_IF_ERROR(store_.MarkFailed(d.id, answer));
        failed_.fetch_add(1, std::memory_order_relaxed);
        Count("failed");
        log::Warn("the mail server refused an e-mail for good",
                  {{"delivery", d.id}, {"message", d.message}, {"answer", answer}});
        break;
      case SendOutcome::kTryAgain: {
        const absl::Time next = absl::Now() + RetryPause(attempts);
        if (next - d.create_time > options_.give_up_after) {
          COOPNET_RETURN_IF_ERROR(store_.MarkFailed(
              d.id, absl::StrCat("still failing after ",
                                 absl::FormatDuration(options_.give_up_after), ": ", answer)));
          failed_.fetch_add(1, std::memory_order_relaxed);
          Count("failed");
        } else {
          COOPNET_RETURN_IF_ERROR(store_.MarkTryAgain(d.id, next, answer));
          retried_.fetch_add(1, std::memory_order_relaxed);
          Count("retried");
        }
        break;
      }
    }
  }
  return static_cast<int>(due.size());
}

absl::Duration Sender::Round() {
  absl::StatusOr<int> claimed = SendDue();
  if (!claimed.ok()) {
    log::Warn("sending e-mails", {{"error", std::string(claimed.status().message())}});
    backoff_ = std::clamp(backoff_ * 2, absl::Milliseconds(100), absl::Seconds(5));
    return backoff_;
  }
  backoff_ = absl::ZeroDuration();
  return *claimed == options_.batch ? absl::ZeroDuration() : options_.poll_interval;
}

}  // namespace coopnet::notifications
