#include "services/funding/funding_rules.h"

#include <gtest/gtest.h>

#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "services/funding/money.h"

namespace coopnet::funding {
namespace {

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

Call VoucherCall() {
  return Parse<Call>(R"pb(
    programme: "programmes/01hv0000000000000000000000"
    identifier: "INTER-EKIP-VOUCHER-2014"
    title {
      translations { key: "pl" value: "Voucher na przygotowanie projektu" }
      default_language: "pl"
    }
    kind: VOUCHER
    open_time { seconds: 1388534400 }
    deadline { seconds: 1391212740 }
    time_zone: "Europe/Warsaw"
    total_budget { currency_code: "PLN" units: 100000 }
    max_grant { currency_code: "PLN" units: 5000 }
    co_financing_rate_bp: 10000
  )pb");
}

TEST(CallRules, AcceptsTheVoucherCall) { EXPECT_TRUE(ValidateCall(VoucherCall()).ok()); }

TEST(CallRules, RefusesADeadlineBeforeTheOpening) {
  Call call = VoucherCall();
  call.mutable_deadline()->set_seconds(call.open_time().seconds() - 60);
  absl::Status s = ValidateCall(call);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"call.deadline"});
  EXPECT_EQ(s.message(), "call.deadline must be after open_time");
}

TEST(CallRules, RefusesNegativeAndMixedCurrencyAmounts) {
  Call call = VoucherCall();
  call.mutable_max_grant()->set_units(-5000);
  call.mutable_min_grant()->set_currency_code("EUR");
  call.mutable_min_grant()->set_units(100);
  absl::Status s = ValidateCall(call);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"call.min_grant.currency_code", "call.max_grant.units"}));
}

TEST(CallRules, LinksItsPageAndDocumentsOverHttpsOnly) {
  Call call = VoucherCall();
  call.set_url("https://www.gov.pl/web/dyplomacja/wymiar-samorzadowy");
  v1::CallDocument& guide = *call.add_documents();
  guide.set_title("Regulamin konkursu");
  guide.set_url("https://www.gov.pl/web/dyplomacja/regulamin.pdf");
  guide.set_language("pl");
  EXPECT_TRUE(ValidateCall(call).ok()) << ValidateCall(call);
  call.set_url("http://www.msz.gov.pl/");
  v1::CallDocument& broken = *call.add_documents();
  broken.set_language("polish!");
  EXPECT_EQ(FieldsOf(ValidateCall(call)),
            (std::vector<std::string>{"call.url", "call.documents[1].title",
                                      "call.documents[1].url", "call.documents[1].language"}));
}

TEST(CallRules, RefusesACoFinancingRateAboveEverything) {
  Call call = VoucherCall();
  call.set_co_financing_rate_bp(12000);
  absl::Status s = ValidateCall(call);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"call.co_financing_rate_bp"});
  EXPECT_EQ(s.message(),
            "call.co_financing_rate_bp must be within [0, 10000] (0 to 100 %), got 12000");
}

TEST(CallRules, StateFollowsPublicationAndTheClock) {
  Call call = VoucherCall();
  EXPECT_EQ(CallStateAt(call, absl::FromUnixSeconds(1388534500)), Call::DRAFT);
  call.mutable_publish_time()->set_seconds(1380000000);
  EXPECT_EQ(CallStateAt(call, absl::FromUnixSeconds(1388534399)), Call::FORTHCOMING);
  EXPECT_EQ(CallStateAt(call, absl::FromUnixSeconds(1388534400)), Call::OPEN);
  EXPECT_EQ(CallStateAt(call, absl::FromUnixSeconds(1391212740)), Call::CLOSED);
}

TEST(CallRules, APublishedCallKeepsItsCurrency) {
  Call before = VoucherCall();
  before.mutable_publish_time()->set_seconds(1);
  Call after = before;
  after.mutable_total_budget()->set_currency_code("EUR");
  EXPECT_EQ(CheckCallChange(before, after).code(), absl::StatusCode::kFailedPrecondition);
  before.clear_publish_time();
  EXPECT_TRUE(CheckCallChange(before, after).ok());
}

TEST(ApplicationRules, NeedsExactlyOneLead) {
  Application a = Parse<Application>(R"pb(
    call: "calls/01hv0000000000000000000000"
    participants { organisation: "organisations/01hv0000000000000000000001" role: PARTNER }
    title: "Współpraca międzynarodowa regionu Kujaw i Pomorza"
  )pb");
  EXPECT_EQ(FieldsOf(ValidateApplication(a)), std::vector<std::string>{"application.participants"});
  a.mutable_participants(0)->set_role(Application::LEAD);
  EXPECT_TRUE(ValidateApplication(a).ok());
  EXPECT_EQ(LeadOf(a), "organisations/01hv0000000000000000000001");
}

TEST(ApplicationRules, APartnerIsProposedUntilItAcceptsAndAskedAgainInAnotherRole) {
  const std::string lead = "organisations/01hv0000000000000000000001";
  const std::string partner = "organisations/01hv0000000000000000000002";
  const std::string delegating = "organisations/01hv0000000000000000000003";
  Application a = Parse<Application>(R"pb(
    participants { organisation: "organisations/01hv0000000000000000000001" role: LEAD }
    participants { organisation: "organisations/01hv0000000000000000000002" role: PARTNER }
    participants { organisation: "organisations/01hv0000000000000000000003" role: ASSOCIATED }
  )pb");
  // The caller acts for the lead and for the third (a delegation), not for the partner.
  const auto acts_for = [&](absl::string_view o) { return o == lead || o == delegating; };
  EXPECT_EQ(SettleConsent(nullptr, acts_for, a), std::vector<std::string>{partner});
  auto states = [](const Application& x) {
    std::vector<Application::ParticipantState> s;
    for (const auto& p : x.participants()) s.push_back(p.state());
    return s;
  };
  using S = std::vector<Application::ParticipantState>;
  EXPECT_EQ(states(a), (S{Application::ACTIVE, Application::PROPOSED, Application::ACTIVE}));
  EXPECT_EQ(AwaitingConsent(a), std::vector<std::string>{partner});

  // The same consortium again keeps every state; a new role asks again.
  Application same = a;
  for (auto& p : *same.mutable_participants()) p.clear_state();
  EXPECT_TRUE(SettleConsent(
                  &a, [](absl::string_view) { return false; }, same)
                  .empty());
  EXPECT_EQ(states(same), states(a));
  a.mutable_participants(1)->set_state(Application::ACTIVE);
  Application moved = a;
  moved.mutable_participants(1)->set_role(Application::ASSOCIATED);
  EXPECT_EQ(SettleConsent(
                &a, [](absl::string_view) { return false; }, moved),
            std::vector<std::string>{partner});
  EXPECT_TRUE(AwaitingConsent(a).empty());

  // Stored before consent existed: taken as agreed.
  Application old = a;
  for (auto& p : *old.mutable_participants()) p.clear_state();
  ActivateUnsettled(old);
  EXPECT_EQ(states(old), (S{Application::ACTIVE, Application::ACTIVE, Application::ACTIVE}));
}

TEST(ApplicationRules, MovesFromDraftToDecision) {
  using A = ApplicationAction;
  EXPECT_EQ(*NextState(Application::DRAFT, A::kSubmit), Application::SUBMITTED);
  EXPECT_EQ(*NextState(Application::SUBMITTED, A::kReview), Application::UNDER_REVIEW);
  EXPECT_EQ(*NextState(Application::UNDER_REVIEW, A::kAward), Application::AWARDED);
  EXPECT_EQ(*NextState(Application::UNDER_REVIEW, A::kWithdraw), Application::WITHDRAWN);
  EXPECT_EQ(NextState(Application::SUBMITTED, A::kUpdate).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(NextState(Application::SUBMITTED, A::kAward).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(NextState(Application::AWARDED, A::kWithdraw).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AwardRules, DisbursementsStayWithinTheAwardAndItsCurrency) {
  Award award = Parse<Award>(R"pb(
    recipient: "organisations/01hv0000000000000000000001"
    programme: "programmes/01hv0000000000000000000000"
    title: "INTER-EKiP"
    amount { currency_code: "PLN" units: 85200 }
    award_date { year: 2014 month: 3 day: 14 }
    disbursements {
      amount { currency_code: "PLN" units: 60000 }
      date { year: 2014 month: 4 day: 1 }
    }
  )pb");
  EXPECT_TRUE(ValidateAward(award).ok());
  *award.add_disbursements() = award.disbursements(0);
  EXPECT_EQ(FieldsOf(ValidateAward(award)), std::vector<std::string>{"award.disbursements"});
  award.mutable_disbursements(1)->mutable_amount()->set_currency_code("EUR");
  EXPECT_EQ(FieldsOf(ValidateAward(award)),
            std::vector<std::string>{"award.disbursements[1].amount.currency_code"});
  award.mutable_award_date()->set_day(31);
  award.mutable_award_date()->set_month(2);
  EXPECT_EQ(FieldsOf(ValidateAward(award)).front(), "award.award_date");
}

TEST(UpdateMask, ReplacesNamedFieldsAndRefusesFixedOnes) {
  Call stored = VoucherCall();
  Call patch;
  patch.mutable_deadline()->set_seconds(1391299140);
  google::protobuf::FieldMask mask;
  mask.add_paths("deadline");
  Call result = stored;
  ASSERT_TRUE(ApplyUpdateMask(patch, mask, CallFixedFields(), result).ok());
  EXPECT_EQ(result.deadline().seconds(), 1391299140);
  EXPECT_EQ(result.identifier(), stored.identifier());
  mask.add_paths("programme");
  absl::Status s = ApplyUpdateMask(patch, mask, CallFixedFields(), result);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"update_mask"});
}

TEST(Money, AddsUpExactlyAndPrintsForPeople) {
  google::type::Money grant = FromNanos(
      "PLN", Nanos(Parse<google::type::Money>(R"pb(currency_code: "PLN" units: 85200)pb")));
  EXPECT_EQ(Format(grant), "85200 PLN");
  EXPECT_EQ(Decimal(grant), "85200.000000000");
  absl::StatusOr<google::type::Money> sum = FromDecimal("EUR", "1250.500000000");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->units(), 1250);
  EXPECT_EQ(sum->nanos(), 500000000);
  EXPECT_EQ(Format(*sum), "1250.5 EUR");
  EXPECT_EQ(
      CheckAmount("amount", Parse<google::type::Money>(R"pb(currency_code: "PLN" units: -1)pb"))
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coopnet::funding
