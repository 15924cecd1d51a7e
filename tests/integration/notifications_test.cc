// The notifications process beside the registrations stack, sending to a real SMTP server
// (aiosmtpd): what participants of the Kuyavian-Pomeranian forum find in their mailboxes,
// read as a mail client reads it (Python's email package), and what the organiser sees of
// the deliveries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "coopnet/notifications/v1/notifications.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "services/notifications/delivery_store.h"
#include "services/notifications/notification_service.h"
#include "services/notifications/process.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/service_process.h"
#include "tests/harness/wait.h"

namespace coopnet::notifications {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using testing::RegistrationsStack;
namespace ev = events::v1;
namespace rg = registrations::v1;

// What a mail client reads in one message (tests/harness/smtp_server.py).
struct Mail {
  std::string to, subject, reply_to, text, html, calendar, calendar_method;
  // What python3-icalendar read in the calendar part: the start as an aware local time
  // (`2027-01-21T10:00:00+01:00`), the METHOD and the SEQUENCE.
  std::string ical_start, ical_method;
  int64_t ical_sequence = -1;
};

Mail Read(const std::string& json) {
  Struct message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  auto field = [](const Struct& s, const std::string& name) {
    const auto found = s.fields().find(name);
    return found == s.fields().end() ? std::string() : found->second.string_value();
  };
  Mail mail;
  mail.to = field(message, "to");
  mail.subject = field(message, "subject");
  mail.reply_to = field(message, "reply_to");
  EXPECT_TRUE(message.fields().at("defects").list_value().values().empty()) << json;
  for (const Value& part : message.fields().at("parts").list_value().values()) {
    const Struct& p = part.struct_value();
    const std::string type = field(p, "content_type");
    if (type == "text/plain") mail.text = field(p, "text");
    if (type == "text/html") mail.html = field(p, "text");
    if (type == "text/calendar") {
      mail.calendar = field(p, "text");
      mail.calendar_method = field(p.fields().at("params").struct_value(), "method");
      const Struct& ical = p.fields().at("ical").struct_value();
      mail.ical_start = field(ical, "start");
      mail.ical_method = field(ical, "method");
      mail.ical_sequence = static_cast<int64_t>(ical.fields().at("sequence").number_value());
    }
  }
  return mail;
}

// The value of the first `name:` line of an iCalendar text (unfolded).
std::string CalendarValue(const std::string& ics, const std::string& name) {
  const std::string unfolded = absl::StrReplaceAll(ics, {{"\r\n ", ""}});
  for (absl::string_view line : absl::StrSplit(unfolded, "\r\n")) {
    if (absl::StartsWith(line, name)) return std::string(line.substr(line.find(':') + 1));
  }
  return "";
}

absl::TimeZone Warsaw() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Warsaw", &zone));
  return zone;
}

class NotificationsTest : public ::testing::Test {
 protected:
  NotificationsTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), registrations_db_.dsn(),
               testing::SharedRedisAddress()),
        notifications_({.name = "notifications",
                        .error_domain = kErrorDomain,
                        .pg_dsn = notifications_db_.dsn(),
                        .redis_address = testing::SharedRedisAddress(),
                        .migrations = &Migrations(),
                        .start = [this](service::Context& context) { return Start(context); }}),
        stub_(v1::NotificationService::NewStub(
            testing::SigningChannel(absl::StrCat("127.0.0.1:", notifications_.port())))) {
    organisations::v1::Organisation urzad = testing::seeds::UrzadMarszalkowski();
    urzad.set_email("wspolpraca@kujawsko-pomorskie.pl");
    organiser_ = stack_.CreateOrganisation(urzad);
    forum_ = PublishForum();
    rg::RegistrationPolicy policy;
    policy.set_capacity(2);
    policy.set_waitlist_enabled(true);
    stack_.SetPolicy(forum_, policy);
  }

  absl::Status Start(service::Context& context) {
    Options options;
    options.registrations.address = absl::StrCat("127.0.0.1:", stack_.port());
    options.events.address = absl::StrCat("127.0.0.1:", stack_.events().port());
    options.organisations.address = absl::StrCat("127.0.0.1:", stack_.organisations().port());
    options.registrations_stream = stack_.stream();
    options.consumer_group = testing::UniqueName("notifications");
    options.feed_block = absl::Milliseconds(100);
    options.composer.manage_url = "https://portal.example.org/registration#{registration}:{token}";
    options.composer.manage_token_secret = testing::kTestManageTokenSecret;
    options.sender.smtp = {
        .url = smtp_.url(), .from_address = "noreply@coopnet.example", .from_name = "coopnet"};
    options.sender.per_second = 0;
    options.sender.poll_interval = absl::Milliseconds(50);
    options.sender.first_retry_pause = absl::Milliseconds(200);
    options.sender.max_retry_pause = absl::Milliseconds(400);
    absl::StatusOr<Process*> process = notifications::Start(context, options);
    if (process.ok()) process_ = *process;
    return process.status();
  }

  // The forum, on the Thursday six weeks or so ahead at 10:00 in Toruń, as the seed's was.
  std::string PublishForum() {
    ev::Event forum = testing::seeds::KujawyPomorzeForum(organiser_);
    const absl::TimeZone warsaw = Warsaw();
    absl::CivilDay day = absl::ToCivilDay(absl::Now() + absl::Hours(24 * 40), warsaw);
    while (absl::GetWeekday(day) != absl::Weekday::thursday) ++day;
    start_ =
        absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 10, 0, 0), warsaw);
    *forum.mutable_start_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start_));
    *forum.mutable_end_time() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start_ + absl::Hours(6)));
    return stack_.Publish(forum);
  }

  rg::Registration Register(const std::string& given, const std::string& family,
                            const std::string& email, const std::string& language) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Admin());
    rg::CreateRegistrationRequest request;
    request.set_parent(forum_);
    rg::Registration& r = *request.mutable_registration();
    r.set_organisation_name("Gmina Chełmno");
    r.set_organisation_country("PL");
    r.set_organisation_kind(organisations::v1::Organisation::MUNICIPALITY);
    rg::Participant& p = *r.add_participants();
    p.set_given_name(given);
    p.set_family_name(family);
    p.set_email(email);
    p.set_preferred_language(language);
    rg::Registration made;
    const grpc::Status s = stack_.Stub()->CreateRegistration(&context, request, &made);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return made;
  }

  // Waits until the mail server holds `count` messages; what it holds.
  std::vector<Mail> AwaitMail(size_t count) {
    EXPECT_TRUE(testing::WaitUntil([&] { return smtp_.Received().size() >= count; }))
        << "the mail server holds " << smtp_.Received().size() << " of " << count << " messages";
    std::vector<Mail> mails;
    for (const std::string& json : smtp_.Received()) mails.push_back(Read(json));
    return mails;
  }

  grpc::Status ListDeliveries(const principal::Principal& caller, const std::string& registration,
                              v1::ListEmailDeliveriesResponse* out) {
    grpc::ClientContext context;
    testing::Sign(context, caller);
    v1::ListEmailDeliveriesRequest request;
    request.set_parent(registration);
    return stub_->ListEmailDeliveries(&context, request, out);
  }

  testing::TestDatabase organisations_db_, events_db_, registrations_db_, notifications_db_;
  testing::SmtpServer smtp_;
  RegistrationsStack stack_;
  Process* process_ = nullptr;
  testing::ServiceProcess notifications_;
  std::unique_ptr<v1::NotificationService::Stub> stub_;
  std::string organiser_;
  std::string forum_;
  absl::Time start_;
};

TEST_F(NotificationsTest, APolishRegistrantGetsAPolishConfirmationAndThenTheMoveWithTheEvent) {
  const rg::Registration anna = Register("Anna", "Nowak", "anna.nowak@gmina-chelmno.pl", "pl-PL");
  Mail confirmed = AwaitMail(1).at(0);
  EXPECT_EQ(confirmed.to, "Anna Nowak <anna.nowak@gmina-chelmno.pl>");
  EXPECT_EQ(confirmed.subject,
            "Zgłoszenie potwierdzone: I Regionalne Forum Współpracy Międzynarodowej");
  EXPECT_EQ(
      confirmed.reply_to,
      "Urząd Marszałkowski Województwa Kujawsko-Pomorskiego <wspolpraca@kujawsko-pomorskie.pl>");
  EXPECT_THAT(confirmed.text, HasSubstr("Dzień dobry Anna Nowak,"));
  // Thursday at 10:00 in Toruń, written as a Pole writes it.
  EXPECT_THAT(confirmed.text, HasSubstr("czwartek"));
  EXPECT_THAT(confirmed.text, HasSubstr("10:00"));
  EXPECT_THAT(confirmed.text,
              HasSubstr("Urząd Marszałkowski Województwa Kujawsko-Pomorskiego, Toruń"));
  EXPECT_THAT(confirmed.text, HasSubstr(absl::StrCat("https://portal.example.org/registration#",
                                                     anna.name(), ":cnr_")));
  EXPECT_THAT(confirmed.html, HasSubstr("<a href=\"https://portal.example.org/registration#"));
  // The invitation, as a calendar client reads it: the forum at 10:00 Warsaw time, for
  // Anna, from the organiser.
  EXPECT_EQ(confirmed.calendar_method, "REQUEST");
  EXPECT_EQ(confirmed.ical_method, "REQUEST");
  EXPECT_EQ(confirmed.ical_start, absl::FormatTime("%Y-%m-%dT10:00:00%Ez", start_, Warsaw()));
  EXPECT_THAT(CalendarValue(confirmed.calendar, "ATTENDEE"),
              HasSubstr("anna.nowak@gmina-chelmno.pl"));
  EXPECT_EQ(CalendarValue(confirmed.calendar, "ORGANIZER"),
            "mailto:wspolpraca@kujawsko-pomorskie.pl");

  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Admin());
    ev::RescheduleEventRequest request;
    request.set_name(forum_);
    *request.mutable_start_time() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start_ + absl::Hours(2)));
    *request.mutable_end_time() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(start_ + absl::Hours(8)));
    ev::Event moved;
    const grpc::Status s = stack_.events().Stub()->RescheduleEvent(&context, request, &moved);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  Mail moved = AwaitMail(2).at(1);
  EXPECT_EQ(moved.subject, "Zmiana terminu: I Regionalne Forum Współpracy Międzynarodowej");
  EXPECT_THAT(moved.text, HasSubstr("Poprzedni termin: czwartek"));
  EXPECT_THAT(moved.text, HasSubstr("12:00"));
  EXPECT_EQ(moved.ical_method, "REQUEST");
  EXPECT_EQ(moved.ical_start, absl::FormatTime("%Y-%m-%dT12:00:00%Ez", start_, Warsaw()));
  // The same calendar entry, updated in place.
  EXPECT_GT(moved.ical_sequence, confirmed.ical_sequence);
  EXPECT_EQ(CalendarValue(moved.calendar, "UID"), CalendarValue(confirmed.calendar, "UID"));
}

TEST_F(NotificationsTest, EachReadsTheirOwnLanguageAndAnUnknownOneFallsBackToTheEvents) {
  Register("Mette", "Hansen", "mette@groen.dk", "da");
  Register("Olena", "Kovalenko", "olena@ngo.example.ua", "uk");  // no Ukrainian templates
  const std::vector<Mail> mails = AwaitMail(2);
  std::map<std::string, std::string> subjects;
  for (const Mail& m : mails) subjects[m.to] = m.subject;
  EXPECT_THAT(subjects["Mette Hansen <mette@groen.dk>"], HasSubstr("Tilmelding bekræftet"));
  // The forum speaks Polish.
  EXPECT_THAT(subjects["Olena Kovalenko <olena@ngo.example.ua>"],
              HasSubstr("Zgłoszenie potwierdzone"));
}

TEST_F(NotificationsTest, WaitlistedThenPromotedAndTheOrganiserSeesEachDelivery) {
  const rg::Registration first = Register("Piotr", "Zieliński", "piotr@torun.example.pl", "pl");
  Register("Ewa", "Wiśniewska", "ewa@torun.example.pl", "pl");
  const rg::Registration third = Register("Jan", "Kowalski", "jan@bydgoszcz.example.pl", "pl");
  ASSERT_EQ(third.state(), rg::Registration::WAITLISTED);
  AwaitMail(3);
  {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Admin());
    rg::CancelRegistrationRequest request;
    request.set_name(first.name());
    rg::Registration cancelled;
    ASSERT_TRUE(stack_.Stub()->CancelRegistration(&context, request, &cancelled).ok());
  }
  const std::vector<Mail> mails = AwaitMail(5);
  std::vector<std::string> to_jan;
  for (const Mail& m : mails) {
    if (absl::StrContains(m.to, "jan@bydgoszcz")) to_jan.push_back(m.subject);
  }
  ASSERT_EQ(to_jan.size(), 2u);
  EXPECT_THAT(to_jan[0], HasSubstr("Wpis na listę rezerwową"));
  EXPECT_THAT(to_jan[1], HasSubstr("Zwolniło się miejsce"));
  EXPECT_EQ(mails.size(), 5u);

  // The organiser's key sees Jan's two e-mails; another organisation's does not.
  v1::ListEmailDeliveriesResponse seen;
  ASSERT_TRUE(
      ListDeliveries(principal::ApiKey(organiser_, "urzad-key", {type::v1::SCOPE_REGISTRATIONS}),
                     third.name(), &seen)
          .ok());
  ASSERT_EQ(seen.email_deliveries_size(), 2);
  EXPECT_EQ(seen.email_deliveries(0).message(), v1::WAITLISTED);
  EXPECT_EQ(seen.email_deliveries(1).message(), v1::PROMOTED);
  EXPECT_EQ(seen.email_deliveries(1).state(), v1::EmailDelivery::SENT);
  EXPECT_EQ(seen.email_deliveries(1).recipient(), "jan@bydgoszcz.example.pl");
  v1::ListEmailDeliveriesResponse stranger;
  EXPECT_EQ(ListDeliveries(principal::ApiKey("organisations/someone-else", "other-key",
                                             {type::v1::SCOPE_REGISTRATIONS}),
                           third.name(), &stranger)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotificationsTest, MailServerDownThenBackDeliversEveryMessageExactlyOnce) {
  smtp_.Stop();
  Register("Anna", "Nowak", "anna@chelmno.example.pl", "pl");
  const rg::Registration second = Register("Ewa", "Wiśniewska", "ewa@chelmno.example.pl", "pl");
  // Tried, and refused by nobody: the server is away.
  ASSERT_TRUE(testing::WaitUntil([&] {
    v1::ListEmailDeliveriesResponse seen;
    return ListDeliveries(principal::Admin(), second.name(), &seen).ok() &&
           seen.email_deliveries_size() == 1 && seen.email_deliveries(0).attempts() >= 2;
  })) << "the sender did not try while the server was away";
  smtp_.Start();
  const std::vector<Mail> mails = AwaitMail(2);
  ASSERT_TRUE(testing::WaitUntil([&] {
    v1::ListEmailDeliveriesResponse seen;
    return ListDeliveries(principal::Admin(), second.name(), &seen).ok() &&
           seen.email_deliveries(0).state() == v1::EmailDelivery::SENT;
  }));
  // Sent: never again, however many rounds the sender makes.
  Register("Jan", "Kowalski", "jan@chelmno.example.pl", "pl");
  AwaitMail(3);
  std::set<std::string> recipients;
  for (const std::string& json : smtp_.Received()) recipients.insert(Read(json).to);
  EXPECT_EQ(smtp_.Received().size(), 3u);
  EXPECT_EQ(recipients.size(), 3u);
}

TEST_F(NotificationsTest, AMailboxRefusedForGoodIsFailedAndNotTriedAgain) {
  const rg::Registration refused = Register("Nobody", "Here", "refuse.me@chelmno.example.pl", "pl");
  ASSERT_TRUE(testing::WaitUntil([&] {
    v1::ListEmailDeliveriesResponse seen;
    return ListDeliveries(principal::Admin(), refused.name(), &seen).ok() &&
           seen.email_deliveries_size() == 1 &&
           seen.email_deliveries(0).state() == v1::EmailDelivery::FAILED;
  }));
  // A later message goes out; the refused one was tried once.
  Register("Anna", "Nowak", "anna@chelmno.example.pl", "pl");
  AwaitMail(1);
  v1::ListEmailDeliveriesResponse seen;
  ASSERT_TRUE(ListDeliveries(principal::Admin(), refused.name(), &seen).ok());
  EXPECT_EQ(seen.email_deliveries(0).attempts(), 1);
  EXPECT_THAT(seen.email_deliveries(0).last_error(), HasSubstr("550"));
}

TEST_F(NotificationsTest, AnOrganiserPreviewsAMessageInAnyLanguageAndBadRequestsAreNamed) {
  grpc::ClientContext context;
  testing::Sign(context, principal::Anonymous());
  v1::PreviewEmailRequest request;
  request.set_event(forum_);
  request.set_message(v1::WAITLISTED);
  request.set_language("nn-NO");
  v1::EmailPreview preview;
  const grpc::Status s = stub_->PreviewEmail(&context, request, &preview);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(preview.language(), "nn");
  EXPECT_THAT(preview.subject(), HasSubstr("I Regionalne Forum"));
  EXPECT_THAT(preview.text(), HasSubstr("Ingrid Johansen"));

  grpc::ClientContext bad_context;
  testing::Sign(bad_context, principal::Anonymous());
  request.set_message(v1::EMAIL_MESSAGE_UNSPECIFIED);
  const grpc::Status bad = stub_->PreviewEmail(&bad_context, request, &preview);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("message"));
}

}  // namespace
}  // namespace coopnet::notifications
