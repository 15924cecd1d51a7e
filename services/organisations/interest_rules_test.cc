#include "services/organisations/interest_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/principal/principal.h"
#include "tests/harness/errors.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;
using ::testing::ElementsAre;
using testing::FieldsOf;
using testing::ReasonOf;

constexpr char kBiser[] = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";
constexpr char kTromso[] = "organisations/01jdz5c7m3bbbbbbbbbbbbbbbb";
constexpr char kStranger[] = "organisations/01jdz5c7m3dddddddddddddddd";

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3cccccccccccccccc",
                           {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

// Tromsø's volunteer centre answers BISER's call for partners.
Interest FromTromso() {
  Interest i;
  i.set_organisation(kTromso);
  i.set_partner_request(std::string(kBiser) + "/partnerRequests/01jdz5c7m3eeeeeeeeeeeeeeee");
  i.set_message("We train volunteers in small towns and would like to share it.");
  i.add_languages("nb");
  i.add_languages("en");
  i.set_proposed_role(Interest::PARTNER);
  i.mutable_contact()->set_name("Ingrid Hansen");
  i.mutable_contact()->set_email("ingrid@frivilligtromso.no");
  i.mutable_contact()->set_phone("+47 77 60 00 00");
  return i;
}

Interest Sent(Interest::State state) {
  Interest i = FromTromso();
  i.set_name(std::string(kBiser) + "/interests/01jdz5c7m3ffffffffffffffff");
  i.set_state(state);
  if (state == Interest::ACCEPTED) {
    i.mutable_reply_contact()->set_name("Ewa Wiśniewska");
    i.mutable_reply_contact()->set_email("ewa@biser.org.pl");
  }
  return i;
}

TEST(InterestRules, AnAnswerToAPartnerRequestIsValid) {
  EXPECT_TRUE(ValidateNewInterest(kBiser, FromTromso()).ok());
  Interest without_request = FromTromso();
  without_request.clear_partner_request();
  without_request.set_proposed_role(Interest::ROLE_UNSPECIFIED);
  EXPECT_TRUE(ValidateNewInterest(kBiser, without_request).ok());
}

TEST(InterestRules, EveryBrokenRuleIsNamed) {
  Interest i = FromTromso();
  i.set_organisation(kBiser);
  i.set_partner_request(std::string(kStranger) + "/partnerRequests/01jdz5c7m3eeeeeeeeeeeeeeee");
  i.clear_message();
  i.add_languages("EN");
  i.set_proposed_role(static_cast<Interest::Role>(9));
  i.mutable_contact()->clear_name();
  i.mutable_contact()->set_email("ingrid at tromso");
  i.mutable_contact()->set_phone("call me");
  const absl::Status s = ValidateNewInterest(kBiser, i);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(s), ElementsAre("interest.organisation", "interest.partner_request",
                                       "interest.message", "interest.languages[2]",
                                       "interest.proposed_role", "interest.contact.name",
                                       "interest.contact.email", "interest.contact.phone"));
  i = FromTromso();
  i.clear_contact();
  EXPECT_THAT(FieldsOf(ValidateNewInterest(kBiser, i)), ElementsAre("interest.contact"));
}

TEST(InterestRules, OnlyOneActingForTheSenderSends) {
  EXPECT_TRUE(MaySend(KeyOf(kTromso), FromTromso()).ok());
  EXPECT_TRUE(MaySend(principal::Admin(), FromTromso()).ok());
  const absl::Status s = MaySend(KeyOf(kStranger), FromTromso());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "NOT_ACTING_FOR_ORGANISATION");
}

TEST(InterestRules, TheReceiverAnswersTheSenderWithdrawsAStrangerSeesNothing) {
  const Interest pending = Sent(Interest::PENDING);
  EXPECT_TRUE(MayAnswer(KeyOf(kBiser), pending).ok());
  EXPECT_EQ(MayAnswer(KeyOf(kTromso), pending).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(MayWithdraw(KeyOf(kTromso), pending).ok());
  EXPECT_EQ(MayWithdraw(KeyOf(kBiser), pending).code(), absl::StatusCode::kPermissionDenied);
  for (const absl::Status& s :
       {MaySee(KeyOf(kStranger), pending), MayAnswer(KeyOf(kStranger), pending),
        MayWithdraw(KeyOf(kStranger), pending)}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  }
  EXPECT_TRUE(MaySee(KeyOf(kBiser), pending).ok());
  EXPECT_TRUE(MaySee(principal::Admin(), pending).ok());
}

TEST(InterestRules, EachSideSeesTheOthersContactOnlyOnceAccepted) {
  const Interest pending = Sent(Interest::PENDING);
  EXPECT_FALSE(AsSeenBy(KeyOf(kBiser), pending).has_contact());
  EXPECT_EQ(AsSeenBy(KeyOf(kTromso), pending).contact().email(), "ingrid@frivilligtromso.no");
  const Interest accepted = Sent(Interest::ACCEPTED);
  EXPECT_EQ(AsSeenBy(KeyOf(kBiser), accepted).contact().email(), "ingrid@frivilligtromso.no");
  EXPECT_EQ(AsSeenBy(KeyOf(kTromso), accepted).reply_contact().email(), "ewa@biser.org.pl");
  EXPECT_FALSE(WithoutContacts(accepted).has_contact());
  EXPECT_FALSE(WithoutContacts(accepted).has_reply_contact());
  EXPECT_EQ(ReceiverOf(accepted.name()), kBiser);
}

}  // namespace
}  // namespace coopnet::organisations
