// Sending to a real SMTP server (aiosmtpd) and reading what it received as a mail client
// would (Python's email package): the MIME, the encodings, the server's refusals.
#include "services/notifications/smtp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/harness/servers.h"

namespace coopnet::notifications {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::HasSubstr;

constexpr char kCalendar[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//coopnet//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:forum@coopnet\r\nDTSTAMP:20261001T120000Z\r\n"
    "DTSTART:20261013T143000Z\r\nSUMMARY:Forum Współpracy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

Email Forum(const std::string& to) {
  Email email;
  email.to = {to, "Anna Żółkiewska-Nowak"};
  email.reply_to = {"biuro@interekip.pl", "Stowarzyszenie InterEkip"};
  email.subject =
      "Potwierdzenie zgłoszenia: Forum Współpracy Samorządów i Organizacji Pozarządowych "
      "Województwa Kujawsko-Pomorskiego";
  email.text = "Dzień dobry Anna Żółkiewska-Nowak,\n\nTwoje zgłoszenie zostało potwierdzone.\n" +
               std::string(120, 'x') + "\n";
  email.html = "<p>Dzień dobry Anna Żółkiewska-Nowak,</p>\n";
  email.language = "pl";
  email.calendar = kCalendar;
  email.calendar_method = "REQUEST";
  email.message_id = "<42.1791900000@coopnet>";
  return email;
}

SmtpOptions To(const testing::SmtpServer& server) {
  return {.url = server.url(), .from_address = "noreply@coopnet.example", .from_name = "coopnet"};
}

Struct Parse(const std::string& json) {
  Struct message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

std::string Field(const Struct& s, const std::string& name) {
  const auto found = s.fields().find(name);
  return found == s.fields().end() ? "" : found->second.string_value();
}

TEST(Smtp, SendsWhatAMailClientReadsWithTheCalendarAttached) {
  testing::SmtpServer server;
  const Email email = Forum("anna@gmina.example.pl");
  const SendResult sent = Send(To(server), email);
  ASSERT_EQ(sent.outcome, SendOutcome::kSent) << sent.code << " " << sent.detail;

  const std::vector<std::string> received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  const Struct message = Parse(received[0]);
  EXPECT_EQ(Field(message, "subject"), email.subject);
  EXPECT_EQ(Field(message, "to"), "Anna Żółkiewska-Nowak <anna@gmina.example.pl>");
  EXPECT_EQ(Field(message, "reply_to"), "Stowarzyszenie InterEkip <biuro@interekip.pl>");
  EXPECT_EQ(Field(message, "from"), "coopnet <noreply@coopnet.example>");
  EXPECT_EQ(Field(message, "message_id"), "<42.1791900000@coopnet>");
  EXPECT_EQ(Field(message, "mail_from"), "noreply@coopnet.example");
  EXPECT_TRUE(message.fields().at("defects").list_value().values().empty()) << received[0];

  std::vector<std::string> types;
  for (const Value& part : message.fields().at("parts").list_value().values()) {
    const Struct& p = part.struct_value();
    types.push_back(Field(p, "content_type"));
    if (Field(p, "content_type") == "text/plain") {
      EXPECT_EQ(Field(p, "text"), email.text);
    }
    if (Field(p, "content_type") == "text/html") {
      EXPECT_EQ(Field(p, "text"), email.html);
    }
    if (Field(p, "content_type") == "text/calendar") {
      EXPECT_EQ(Field(p, "filename"), "invite.ics");
      EXPECT_EQ(Field(p.fields().at("params").struct_value(), "method"), "REQUEST");
      EXPECT_EQ(Field(p, "text"), kCalendar);
    }
  }
  EXPECT_EQ(types, (std::vector<std::string>{"multipart/mixed", "multipart/alternative",
                                             "text/plain", "text/html", "text/calendar"}));
}

TEST(Smtp, A5xxAnswerIsRefusedForGoodAnd4xxOrNoServerIsTriedAgain) {
  testing::SmtpServer server;
  const SendResult refused = Send(To(server), Forum("refuse.me@gmina.example.pl"));
  EXPECT_EQ(refused.outcome, SendOutcome::kRefused);
  EXPECT_EQ(refused.code, 550);
  const SendResult later = Send(To(server), Forum("later@gmina.example.pl"));
  EXPECT_EQ(later.outcome, SendOutcome::kTryAgain);
  EXPECT_EQ(later.code, 451);
  EXPECT_TRUE(server.Received().empty());

  server.Stop();
  const SendResult down = Send(To(server), Forum("anna@gmina.example.pl"));
  EXPECT_EQ(down.outcome, SendOutcome::kTryAgain);
  EXPECT_THAT(down.detail, HasSubstr("onnect"));
  server.Start();
  EXPECT_EQ(Send(To(server), Forum("anna@gmina.example.pl")).outcome, SendOutcome::kSent);
  EXPECT_EQ(server.Received().size(), 1u);
}

// A throwaway CA and a certificate for 127.0.0.1, made by deploy/local/certs.sh.
class Certificates {
 public:
  Certificates() : dir_(absl::StrCat(::testing::TempDir(), "smtp_test_", getpid())) {
    const std::string command =
        absl::StrCat(COOPNET_SOURCE_DIR, "/deploy/local/certs.sh ", dir_, " smtp:IP:127.0.0.1");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
  ~Certificates() { std::system(absl::StrCat("rm -rf ", dir_).c_str()); }
  std::string path(const std::string& file) const { return absl::StrCat(dir_, "/", file); }

 private:
  const std::string dir_;
};

TEST(Smtp, SpeaksStartTlsAndAuthAndNeverInTheClearWhenTlsIsRequired) {
  Certificates certificates;
  testing::SmtpServer server({.tls_cert = certificates.path("smtp.pem"),
                              .tls_key = certificates.path("smtp.key"),
                              .username = "coopnet",
                              .password = "s3cret-smtp-password"});
  SmtpOptions options = To(server);
  options.require_tls = true;
  options.ca_file = certificates.path("ca.pem");
  options.username = "coopnet";
  options.password = "s3cret-smtp-password";
  const SendResult sent = Send(options, Forum("anna@gmina.example.pl"));
  ASSERT_EQ(sent.outcome, SendOutcome::kSent) << sent.code << " " << sent.detail;
  const Struct message = Parse(server.Received().at(0));
  EXPECT_TRUE(message.fields().at("tls").bool_value());
  EXPECT_TRUE(message.fields().at("authenticated").bool_value());

  // A wrong password, or a CA that does not vouch for the server: tried again later,
  // once an operator has mended the setting; nothing is sent meanwhile.
  SmtpOptions wrong_password = options;
  wrong_password.password = "guessed";
  EXPECT_EQ(Send(wrong_password, Forum("anna@gmina.example.pl")).outcome, SendOutcome::kTryAgain);
  SmtpOptions other_ca = options;
  other_ca.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  EXPECT_EQ(Send(other_ca, Forum("anna@gmina.example.pl")).outcome, SendOutcome::kTryAgain);
  EXPECT_EQ(server.Received().size(), 1u);
}

TEST(Smtp, TlsRequiredAndNotOfferedSendsNothing) {
  testing::SmtpServer plain;
  SmtpOptions options = To(plain);
  options.require_tls = true;
  const SendResult sent = Send(options, Forum("anna@gmina.example.pl"));
  EXPECT_EQ(sent.outcome, SendOutcome::kTryAgain);
  EXPECT_TRUE(plain.Received().empty());
}

TEST(EncodeHeaderText, KeepsAsciiAndEncodesTheRestInWordsOfAtMost75Characters) {
  EXPECT_EQ(EncodeHeaderText("Registration confirmed: Info meeting"),
            "Registration confirmed: Info meeting");
  const std::string polish =
      "Potwierdzenie zgłoszenia: Forum Współpracy Samorządów i Organizacji Pozarządowych";
  const std::string encoded = EncodeHeaderText(polish);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(encoded, ' ')) {
    EXPECT_LE(word.size(), 75u) << word;
    ASSERT_TRUE(absl::ConsumePrefix(&word, "=?UTF-8?B?")) << word;
    ASSERT_TRUE(absl::ConsumeSuffix(&word, "?=")) << word;
    std::string bytes;
    ASSERT_TRUE(absl::Base64Unescape(word, &bytes));
    decoded += bytes;
  }
  EXPECT_EQ(decoded, polish);
  EXPECT_EQ(FormatMailbox({"a@b.dk", "Kofoeds \"Skole\""}), "\"Kofoeds \\\"Skole\\\"\" <a@b.dk>");
}

}  // namespace
}  // namespace coopnet::notifications
