// Consent across services: an organisation named as co-organiser of another's event reads
// none of its participants' personal data until it has accepted, and none again once it
// has left. The events, organisations and registrations processes run in-process on real
// PostgreSQL and Redis; registrations hears of the acceptance on the events stream.
#include <gtest/gtest.h>

#include "common/principal/principal.h"
#include "google/protobuf/text_format.h"
#include "tests/harness/registrations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::registrations {
namespace {

using principal::Principal;
using testing::RegistrationsStack;

// How long registrations may take to hear of a change of who organises an event.
constexpr absl::Duration kHearWithin = absl::Seconds(10);

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(
      organisation, organisation + "/apiKeys/k",
      {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE, type::v1::SCOPE_REGISTRATIONS});
}

class CoOrganiserConsentTest : public ::testing::Test {
 protected:
  CoOrganiserConsentTest()
      : stack_(organisations_db_.dsn(), events_db_.dsn(), registrations_db_.dsn(),
               testing::SharedRedisAddress()),
        events_(stack_.events().Stub()),
        registrations_(stack_.Stub()) {
    kofoed_ = stack_.CreateOrganisation(testing::seeds::KofoedsSkole());
    biser_ = stack_.CreateOrganisation(testing::seeds::BiserGdansk());
    event_ = stack_.PublishMeeting(kofoed_);
    v1::RegistrationPolicy policy;
    google::protobuf::TextFormat::ParseFromString("capacity: 10", &policy);
    stack_.SetPolicy(event_, policy);
    Register("mette.lund@example.org");
  }

  void Register(const std::string& email) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, principal::Anonymous());
    v1::CreateRegistrationRequest request;
    request.set_parent(event_);
    v1::Registration& r = *request.mutable_registration();
    r.set_organisation_name("Dansk Kvindesamfund Amager");
    r.set_organisation_country("DK");
    v1::Participant& p = *r.add_participants();
    p.set_given_name("Mette");
    p.set_family_name("Lund");
    p.set_email(email);
    v1::Registration made;
    grpc::Status s = registrations_->CreateRegistration(&context, request, &made);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  grpc::Status ListParticipants(const Principal& caller, int* seen) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, caller);
    v1::ListRegistrationsRequest request;
    request.set_parent(event_);
    v1::ListRegistrationsResponse listed;
    grpc::Status s = registrations_->ListRegistrations(&context, request, &listed);
    *seen = listed.registrations_size();
    return s;
  }

  // Asks ListRegistrations as `caller` until its success is `allowed`, for kHearWithin.
  bool Eventually(const Principal& caller, bool allowed) {
    const absl::Time until = absl::Now() + kHearWithin;
    int seen = 0;
    while (ListParticipants(caller, &seen).ok() != allowed) {
      if (absl::Now() > until) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }

  grpc::Status NameCoOrganiser() {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(kofoed_));
    events::v1::UpdateEventRequest request;
    request.mutable_event()->set_name(event_);
    request.mutable_event()->add_co_organisers(biser_);
    request.mutable_update_mask()->add_paths("co_organisers");
    events::v1::Event updated;
    return events_->UpdateEvent(&context, request, &updated);
  }

  grpc::Status Accept(bool accept) {
    grpc::ClientContext context;
    RegistrationsStack::Sign(context, KeyOf(biser_));
    events::v1::Event answer;
    if (accept) {
      events::v1::AcceptCoOrganiserRequest request;
      request.set_name(event_);
      request.set_organisation(biser_);
      return events_->AcceptCoOrganiser(&context, request, &answer);
    }
    events::v1::WithdrawCoOrganiserRequest request;
    request.set_name(event_);
    request.set_organisation(biser_);
    return events_->WithdrawCoOrganiser(&context, request, &answer);
  }

  testing::TestDatabase organisations_db_, events_db_, registrations_db_;
  RegistrationsStack stack_;
  std::unique_ptr<events::v1::EventService::Stub> events_;
  std::unique_ptr<v1::RegistrationService::Stub> registrations_;
  std::string kofoed_, biser_, event_;
};

TEST_F(CoOrganiserConsentTest, AProposedCoOrganiserReadsNoParticipantsUntilItAccepts) {
  ASSERT_TRUE(NameCoOrganiser().ok());
  int seen = -1;
  grpc::Status s = ListParticipants(KeyOf(biser_), &seen);
  EXPECT_TRUE(s.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
              s.error_code() == grpc::StatusCode::NOT_FOUND)
      << s.error_code() << " " << s.error_message();
  EXPECT_EQ(seen, 0);

  ASSERT_TRUE(Accept(true).ok());
  ASSERT_TRUE(Eventually(KeyOf(biser_), true)) << "the accepted co-organiser is still refused";
  ASSERT_TRUE(ListParticipants(KeyOf(biser_), &seen).ok());
  EXPECT_EQ(seen, 1);

  ASSERT_TRUE(Accept(false).ok());
  EXPECT_TRUE(Eventually(KeyOf(biser_), false)) << "a co-organiser that left still reads them";
}

}  // namespace
}  // namespace coopnet::registrations
