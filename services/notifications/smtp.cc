#include "services/notifications/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace coopnet::notifications {
namespace {

// Once per process, before any handle: libcurl's global state.
void InitialiseCurl() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

struct Handles {
  CURL* curl = curl_easy_init();
  curl_slist* recipients = nullptr;
  curl_slist* headers = nullptr;
  curl_mime* mime = nullptr;
  ~Handles() {
    curl_mime_free(mime);  // frees its subparts' MIME too
    curl_slist_free_all(headers);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
  }
};

bool PrintableAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// A body part of `text` with `type`, quoted-printable so that no line is too long.
void AddText(curl_mime* mime, const std::string& text, const char* type) {
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_data(part, text.data(), text.size());
  curl_mime_type(part, type);
  curl_mime_encoder(part, "quoted-printable");
}

// How a failed attempt is to be treated.
SendOutcome OutcomeOf(CURLcode result, long code) {
  if (result == CURLE_OK) return SendOutcome::kSent;
  // Our credentials or TLS refused: an operator's setting to mend, not this message's fault.
  if (result == CURLE_LOGIN_DENIED || result == CURLE_USE_SSL_FAILED) return SendOutcome::kTryAgain;
  if (code >= 500 && code < 600) return SendOutcome::kRefused;
  return SendOutcome::kTryAgain;
}

}  // namespace

std::string EncodeHeaderText(absl::string_view text, bool always) {
  if (!always && PrintableAscii(text)) return std::string(text);
  // "=?UTF-8?B?" + base64 + "?=" within 75 characters: at most 45 bytes a word.
  constexpr size_t kBytesPerWord = 45;
  std::vector<std::string> words;
  while (!text.empty()) {
    size_t take = std::min(kBytesPerWord, text.size());
    // Prefer to end a word after a space, which readers then keep.
    if (take < text.size()) {
      const size_t space = text.substr(0, take).rfind(' ');
      if (space != absl::string_view::npos && space > 0) take = space + 1;
    }
    // Never cut a UTF-8 character: back up to the start of the one that would be cut.
    while (take < text.size() && take > 0 &&
           (static_cast<unsigned char>(text[take]) & 0xC0) == 0x80) {
      --take;
    }
    if (take == 0) take = std::min(kBytesPerWord, text.size());
    words.push_back(absl::StrCat("=?UTF-8?B?", absl::Base64Escape(text.substr(0, take)), "?="));
    text.remove_prefix(take);
  }
  return absl::StrJoin(words, " ");
}

std::string FormatMailbox(const Mailbox& mailbox) {
  if (mailbox.name.empty()) return mailbox.address;
  if (PrintableAscii(mailbox.name)) {
    // A quoted string: backslash and quote escaped.
    std::string quoted;
    for (char c : mailbox.name) {
      if (c == '\\' || c == '"') quoted += '\\';
      quoted += c;
    }
    return absl::StrCat("\"", quoted, "\" <", mailbox.address, ">");
  }
  // As mail clients write a phrase: plain words stay plain, and each run of words that
  // need encoding (not ASCII, or holding a special) becomes encoded words, so that no
  // reader has to guess the space between a plain word and an encoded one.
  auto plain = [](absl::string_view word) {
    return PrintableAscii(word) && word.find_first_of("()<>[]:;@\\,.\"") == absl::string_view::npos;
  };
  std::vector<std::string> phrase;
  std::vector<absl::string_view> run;
  auto flush = [&] {
    if (run.empty()) return;
    phrase.push_back(EncodeHeaderText(absl::StrJoin(run, " "), /*always=*/true));
    run.clear();
  };
  for (absl::string_view word : absl::StrSplit(mailbox.name, ' ', absl::SkipEmpty())) {
    if (plain(word)) {
      flush();
      phrase.emplace_back(word);
    } else {
      run.push_back(word);
    }
  }
  flush();
  return absl::StrCat(absl::StrJoin(phrase, " "), " <", mailbox.address, ">");
}

SendResult Send(const SmtpOptions& options, const Email& email) {
  InitialiseCurl();
  Handles h;
  if (h.curl == nullptr) return {SendOutcome::kTryAgain, 0, "libcurl could not start"};
  char error[CURL_ERROR_SIZE] = {};
  CURL* curl = h.curl;
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(options.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const std::string mail_from = absl::StrCat("<", options.from_address, ">");
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  const std::string rcpt = absl::StrCat("<", email.to.address, ">");
  h.recipients = curl_slist_append(h.recipients, rcpt.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, h.recipients);

  std::vector<std::string> headers = {
      absl::StrCat("Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::Now(),
                                              absl::UTCTimeZone())),
      absl::StrCat("From: ", FormatMailbox({options.from_address, options.from_name})),
      absl::StrCat("To: ", FormatMailbox(email.to)),
      absl::StrCat("Subject: ", EncodeHeaderText(email.subject)),
      absl::StrCat("Message-ID: ", email.message_id),
      // Mail about one's own registration, not a mailing: no autoresponder answers it.
      "Auto-Submitted: auto-generated"};
  if (!email.reply_to.address.empty()) {
    headers.push_back(absl::StrCat("Reply-To: ", FormatMailbox(email.reply_to)));
  }
  if (!email.language.empty())
    headers.push_back(absl::StrCat("Content-Language: ", email.language));
  for (const std::string& header : headers)
    h.headers = curl_slist_append(h.headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h.headers);

  h.mime = curl_mime_init(curl);
  curl_mime* alternatives = curl_mime_init(curl);
  AddText(alternatives, email.text, "text/plain; charset=UTF-8");
  AddText(alternatives, email.html, "text/html; charset=UTF-8");
  curl_mimepart* body = curl_mime_addpart(h.mime);
  curl_mime_subparts(body, alternatives);  // owned by the part from here on
  curl_mime_type(body, "multipart/alternative");
  curl_slist* inline_disposition = curl_slist_append(nullptr, "Content-Disposition: inline");
  curl_mime_headers(body, inline_disposition, /*take_ownership=*/1);
  if (!email.calendar.empty()) {
    curl_mimepart* calendar = curl_mime_addpart(h.mime);
    curl_mime_data(calendar, email.calendar.data(), email.calendar.size());
    const std::string type =
        absl::StrCat("text/calendar; charset=UTF-8; method=", email.calendar_method);
    curl_mime_type(calendar, type.c_str());
    curl_mime_filename(calendar, email.calendar_method == "CANCEL" ? "cancel.ics" : "invite.ics");
    curl_mime_encoder(calendar, "base64");
  }
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, h.mime);

  const CURLcode result = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  SendResult sent{OutcomeOf(result, code), code, ""};
  if (result != CURLE_OK) {
    sent.detail = absl::StrCat(curl_easy_strerror(result), error[0] != '\0' ? ": " : "", error);
  }
  return sent;
}

}  // namespace coopnet::notifications
