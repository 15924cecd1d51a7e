// Handing an e-mail to a mail server: libcurl's SMTP, STARTTLS when the server offers it
// (or always, when required), AUTH when a user is set, and the MIME built by libcurl: a
// multipart/mixed of the text and HTML alternatives and, when there is one, the event as
// an iCalendar attachment (METHOD REQUEST or CANCEL) that calendar clients act on.
//
//   SendResult sent = Send(options, email);
//   if (sent.outcome == SendOutcome::kTryAgain) ...  // 4xx, or the server unreachable
#ifndef COOPNET_SERVICES_NOTIFICATIONS_SMTP_H_
#define COOPNET_SERVICES_NOTIFICATIONS_SMTP_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace coopnet::notifications {

struct SmtpOptions {
  // `smtp://host:port` (STARTTLS when offered) or `smtps://host:port` (TLS from the start).
  std::string url = "smtp://127.0.0.1:25";
  // Refuse to send in the clear: a server that offers no STARTTLS gets nothing.
  bool require_tls = false;
  // The CAs (PEM) that vouch for the server's certificate, instead of the system's; the
  // certificate and the server's name in it are always checked.
  std::string ca_file = "";
  // AUTH with these when the user is set.
  std::string username = "";
  std::string password = "";
  // The envelope sender and the From address, and the name shown beside it.
  std::string from_address = "";
  std::string from_name = "";
  // The longest one message may take, connecting included.
  absl::Duration timeout = absl::Seconds(30);
};

// An address and the name shown beside it (may be empty).
struct Mailbox {
  std::string address;
  std::string name;
};

struct Email {
  Mailbox to;
  // Where replies go: the organiser. None when the address is empty.
  Mailbox reply_to;
  std::string subject;
  std::string text;
  std::string html;
  // The language of the text (Content-Language).
  std::string language;
  // An iCalendar attachment, or empty; its METHOD (`REQUEST`, `CANCEL`).
  std::string calendar;
  std::string calendar_method;
  // Unique per message: `<delivery-id.timestamp@coopnet>`, so that a retry after a lost
  // answer is recognisable as the same message.
  std::string message_id;
};

enum class SendOutcome {
  kSent,
  // Try again later: the server answered 4xx, could not be reached, or refused our
  // credentials or our TLS (a setting an operator will mend).
  kTryAgain,
  // The server refused this message for good (5xx): do not send it again.
  kRefused,
};

struct SendResult {
  SendOutcome outcome;
  // The server's last answer code (0 when none came) and what went wrong, for the
  // delivery's log.
  long code = 0;
  std::string detail;
};

// Sends `email`; never throws or aborts, whatever the server does.
SendResult Send(const SmtpOptions& options, const Email& email);

// `text` as a header value: itself when it is printable ASCII (unless `always`), else
// RFC 2047 encoded words (UTF-8, base64), none longer than 75 characters, never splitting
// a character, ending after a space where one comes near the limit.
std::string EncodeHeaderText(absl::string_view text, bool always = false);

// `mailbox` as a From/To/Reply-To value: `"Name" <address>` for an ASCII name; otherwise
// its plain words as they are and the others encoded as above, as mail clients write it.
std::string FormatMailbox(const Mailbox& mailbox);

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_SMTP_H_
