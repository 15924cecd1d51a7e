// Expressions of interest through the real gRPC API, on real PostgreSQL: who may send,
// answer and read one, what each side is shown, and bad input refused with the field
// named and nothing changed.
#include <gtest/gtest.h>

#include "common/pg/pool.h"
#include "coopnet/organisations/v1/interests.grpc.pb.h"
#include "coopnet/organisations/v1/partner_requests.grpc.pb.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using testing::FieldsOf;
using testing::OrganisationsStack;
using testing::ReasonOf;
using v1::Interest;
using v1::Organisation;

class InterestsTest : public ::testing::Test {
 protected:
  InterestsTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()),
        organisations_(stack_.Stub()),
        interests_(v1::InterestService::NewStub(stack_.channel())) {}

  void SetUp() override {
    biser_ = MustCreate(testing::seeds::BiserGdansk());
    orebro_ = MustCreate(testing::seeds::RegionOrebro());
    kofoed_ = MustCreate(testing::seeds::KofoedsSkole());
  }

  Organisation MustCreate(const Organisation& o) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    Organisation created;
    grpc::Status s = organisations_->CreateOrganisation(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  static Principal KeyOf(const Organisation& o) {
    return principal::ApiKey(o.name(), o.name() + "/apiKeys/1",
                             {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
  }

  // Örebro tells BISER it would like to work with it.
  static v1::CreateInterestRequest FromOrebro(const Organisation& to, const Organisation& from) {
    v1::CreateInterestRequest request;
    request.set_parent(to.name());
    Interest& i = *request.mutable_interest();
    i.set_organisation(from.name());
    i.set_message("Vi söker partner för ett kulturutbyte.");
    i.add_languages("sv");
    i.set_proposed_role(Interest::PARTNER);
    i.mutable_contact()->set_name("Anna Berg");
    i.mutable_contact()->set_email("anna.berg@regionorebrolan.se");
    return request;
  }

  grpc::Status Send(const Principal& caller, const v1::CreateInterestRequest& request,
                    Interest* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    return interests_->CreateInterest(&context, request, out);
  }

  grpc::Status Get(const Principal& caller, const std::string& name, Interest* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::GetInterestRequest request;
    request.set_name(name);
    return interests_->GetInterest(&context, request, out);
  }

  grpc::Status Accept(const Principal& caller, const std::string& name, Interest* out,
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::AcceptInterestRequest request;
    request.set_name(name);
    request.mutable_reply_contact()->set_name("Ewa Wiśniewska");
    request.mutable_reply_contact()->set_email("ewa@biser.org.pl");
    request.set_request_id(request_id);
    return interests_->AcceptInterest(&context, request, out);
  }

  grpc::Status List(const Principal& caller, const v1::ListInterestsRequest& request,
                    v1::ListInterestsResponse* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    return interests_->ListInterests(&context, request, out);
  }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> organisations_;
  std::unique_ptr<v1::InterestService::Stub> interests_;
  Organisation biser_, orebro_, kofoed_;
};

TEST_F(InterestsTest, TheContactPersonsAreShownToEachSideOnlyOnceAccepted) {
  Interest sent;
  ASSERT_TRUE(Send(KeyOf(orebro_), FromOrebro(biser_, orebro_), &sent).ok());
  EXPECT_EQ(sent.state(), Interest::PENDING);
  EXPECT_EQ(sent.contact().email(), "anna.berg@regionorebrolan.se");

  Interest seen;
  ASSERT_TRUE(Get(KeyOf(biser_), sent.name(), &seen).ok());
  EXPECT_FALSE(seen.has_contact());
  EXPECT_EQ(seen.message(), sent.message());
  EXPECT_EQ(Get(KeyOf(kofoed_), sent.name(), &seen).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Accept(KeyOf(orebro_), sent.name(), &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Accepted once; a retry with the same request_id gives the same answer, another
  // acceptance is refused.
  Interest accepted, again;
  ASSERT_TRUE(Accept(KeyOf(biser_), sent.name(), &accepted, "accept-1").ok());
  EXPECT_EQ(accepted.contact().email(), "anna.berg@regionorebrolan.se");
  EXPECT_EQ(accepted.reply_contact().email(), "ewa@biser.org.pl");
  ASSERT_TRUE(Accept(KeyOf(biser_), sent.name(), &again, "accept-1").ok());
  EXPECT_EQ(again.answer_time().seconds(), accepted.answer_time().seconds());
  const grpc::Status twice = Accept(KeyOf(biser_), sent.name(), &again);
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(twice), "INTEREST_ANSWERED");
  ASSERT_TRUE(Get(KeyOf(orebro_), sent.name(), &seen).ok());
  EXPECT_EQ(seen.reply_contact().name(), "Ewa Wiśniewska");

  // What retries are answered from keeps no contact person: erasure does not reach it.
  auto pool = pg::Pool::Create({.dsn = db_.dsn(), .size = 1});
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto logged = (*pool)->Exec(pg::Statement("SELECT count(*) FROM request_log WHERE"
                                            " position($1::bytea IN response) > 0"),
                              std::string("ewa@biser.org.pl"));
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_EQ(logged->GetInt64(0, 0), 0);
  auto remembered = (*pool)->Exec(pg::Statement("SELECT count(*) FROM request_log"));
  ASSERT_TRUE(remembered.ok()) << remembered.status();
  EXPECT_GT(remembered->GetInt64(0, 0), 0) << "the retried acceptance was not remembered";
}

TEST_F(InterestsTest, BadInputNamesTheFieldAndSendsNothing) {
  v1::CreateInterestRequest request = FromOrebro(biser_, orebro_);
  request.mutable_interest()->set_partner_request(kofoed_.name() + "/partnerRequests/1");
  request.mutable_interest()->mutable_contact()->set_email("anna");
  Interest out;
  grpc::Status s = Send(KeyOf(orebro_), request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"interest.partner_request", "interest.contact.email"}));
  request = FromOrebro(biser_, orebro_);
  request.set_parent("organisations/");
  EXPECT_EQ(Send(KeyOf(orebro_), request, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request = FromOrebro(biser_, orebro_);
  request.set_parent("organisations/01jdz5c7m3aaaaaaaaaaaaaaaa");
  s = Send(principal::Admin(), request, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  // In another's name.
  s = Send(KeyOf(kofoed_), FromOrebro(biser_, orebro_), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");

  v1::ListInterestsRequest list;
  list.set_parent(biser_.name());
  v1::ListInterestsResponse listed;
  ASSERT_TRUE(List(KeyOf(biser_), list, &listed).ok());
  EXPECT_EQ(listed.interests_size(), 0);
  list.set_parent("organisations/-");
  EXPECT_EQ(FieldsOf(List(KeyOf(biser_), list, &listed)), std::vector<std::string>{"sender"});
}

TEST_F(InterestsTest, OnePendingPerRequestAndAClosedRequestTakesNoAnswers) {
  auto requests = stack_.PartnerRequestStub();
  v1::PartnerRequest wanted;
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(biser_));
    v1::CreatePartnerRequestRequest request;
    request.set_parent(biser_.name());
    (*request.mutable_partner_request()->mutable_title()->mutable_translations())["en"] =
        "Partners for ENGAGE!";
    request.mutable_partner_request()->mutable_title()->set_default_language("en");
    request.mutable_partner_request()->add_themes("civil-society");
    ASSERT_TRUE(requests->CreatePartnerRequest(&context, request, &wanted).ok());
  }
  v1::CreateInterestRequest answer = FromOrebro(biser_, orebro_);
  answer.mutable_interest()->set_partner_request(wanted.name());
  Interest first, second;
  ASSERT_TRUE(Send(KeyOf(orebro_), answer, &first).ok());
  EXPECT_EQ(first.partner_request(), wanted.name());
  grpc::Status s = Send(KeyOf(orebro_), answer, &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(s), "INTEREST_PENDING");
  EXPECT_EQ(testing::MetadataOf(s, "interest"), first.name());
  // Without the request it is another conversation.
  ASSERT_TRUE(Send(KeyOf(orebro_), FromOrebro(biser_, orebro_), &second).ok());

  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, KeyOf(biser_));
    v1::UpdatePartnerRequestRequest request;
    request.mutable_partner_request()->set_name(wanted.name());
    request.mutable_partner_request()->set_state(v1::PartnerRequest::CLOSED);
    request.mutable_update_mask()->add_paths("state");
    v1::PartnerRequest closed;
    grpc::Status updated = requests->UpdatePartnerRequest(&context, request, &closed);
    ASSERT_TRUE(updated.ok()) << updated.error_message();
  }
  answer.set_parent(biser_.name());
  answer.mutable_interest()->set_organisation(kofoed_.name());
  s = Send(KeyOf(kofoed_), answer, &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "PARTNER_REQUEST_CLOSED");

  // Örebro lists what it sent; BISER what it received; neither the other's.
  v1::ListInterestsRequest list;
  list.set_parent("organisations/-");
  list.set_sender(orebro_.name());
  list.set_page_size(1);
  v1::ListInterestsResponse page;
  ASSERT_TRUE(List(KeyOf(orebro_), list, &page).ok());
  ASSERT_EQ(page.interests_size(), 1);
  EXPECT_EQ(page.interests(0).name(), first.name());
  EXPECT_TRUE(page.interests(0).has_contact());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(List(KeyOf(orebro_), list, &page).ok());
  ASSERT_EQ(page.interests_size(), 1);
  EXPECT_EQ(page.interests(0).name(), second.name());
  EXPECT_TRUE(page.next_page_token().empty());
  list.clear_page_token();
  EXPECT_EQ(List(KeyOf(biser_), list, &page).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListInterestsRequest received;
  received.set_parent(biser_.name());
  received.set_state(Interest::PENDING);
  ASSERT_TRUE(List(KeyOf(biser_), received, &page).ok());
  EXPECT_EQ(page.interests_size(), 2);
  for (const Interest& i : page.interests()) EXPECT_FALSE(i.has_contact());
}

}  // namespace
}  // namespace coopnet::organisations
