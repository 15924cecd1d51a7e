// Applications from draft to award through the funding service's real gRPC API, on real
// PostgreSQL and Redis with a real organisations process: who may edit, read and submit
// them, submission only while the call is open and only when eligible, the seeds'
// Polish grant awarded and exported as 360Giving, totals per currency, and the domain
// events on the stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/status/status.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/errors.h"
#include "tests/harness/funding_seeds.h"
#include "tests/harness/funding_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::funding {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::TimeUtil;
using principal::Principal;
using testing::FundingStack;
using v1::Application;
using v1::Award;
using v1::Call;
using v1::Programme;
namespace org = organisations::v1;
namespace seeds = testing::seeds;

Principal KeyOf(const std::string& organisation) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/k",
                           {type::v1::SCOPE_READ, type::v1::SCOPE_WRITE});
}

std::optional<google::rpc::ErrorInfo> InfoOf(const grpc::Status& s) {
  return status::GetErrorInfo(status::FromGrpc(s));
}

google::type::Money Money(const std::string& currency, int64_t units) {
  google::type::Money m;
  m.set_currency_code(currency);
  m.set_units(units);
  return m;
}

// `call` moved to open `opens_in` from now and close `closes_in` from now.
Call At(Call call, absl::Duration opens_in, absl::Duration closes_in) {
  *call.mutable_open_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() + opens_in));
  *call.mutable_deadline() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() + closes_in));
  return call;
}

class FundingApplicationsTest : public ::testing::Test {
 protected:
  FundingApplicationsTest()
      : stack_(organisations_db_.dsn(), funding_db_.dsn(), testing::SharedRedisAddress()),
        stub_(stack_.Stub()) {
    ministry_ = stack_.CreateOrganisation(seeds::PolishForeignMinistry());
    commission_ = stack_.CreateOrganisation(seeds::EuropeanCommission());
    association_ = stack_.CreateOrganisation(seeds::EuropaKujawIPomorza());
    urzad_ = stack_.CreateOrganisation(seeds::UrzadMarszalkowski());
    kofoed_ = stack_.CreateOrganisation(seeds::KofoedsSkole());
    hordaland_ = stack_.CreateOrganisation(seeds::HordalandFylkeskommune());
  }

  std::string ProgrammeOf(const Programme& p) {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(p.funder()));
    v1::CreateProgrammeRequest request;
    *request.mutable_programme() = p;
    Programme created;
    grpc::Status s = stub_->CreateProgramme(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  Call Published(const Call& c, const std::string& funder) {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(funder));
    v1::CreateCallRequest request;
    *request.mutable_call() = c;
    Call created;
    grpc::Status s = stub_->CreateCall(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    grpc::ClientContext publish_context;
    FundingStack::Sign(publish_context, KeyOf(funder));
    v1::PublishCallRequest publish;
    publish.set_name(created.name());
    Call published;
    s = stub_->PublishCall(&publish_context, publish, &published);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return published;
  }

  static Application Draft(const std::string& call, const std::string& lead,
                           const std::vector<std::pair<std::string, Application::Role>>& others,
                           const google::type::Money& requested) {
    Application a;
    a.set_call(call);
    Application::Participant* l = a.add_participants();
    l->set_organisation(lead);
    l->set_role(Application::LEAD);
    for (const auto& [organisation, role] : others) {
      Application::Participant* p = a.add_participants();
      p->set_organisation(organisation);
      p->set_role(role);
    }
    a.set_title("Współpraca międzynarodowa regionu Kujaw i Pomorza (INTER-EKiP)");
    *a.mutable_requested_amount() = requested;
    return a;
  }

  grpc::Status Create(const Application& a, const Principal& caller, Application* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::CreateApplicationRequest request;
    *request.mutable_application() = a;
    return stub_->CreateApplication(&context, request, out);
  }

  grpc::Status Get(const std::string& name, const Principal& caller, Application* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::GetApplicationRequest request;
    request.set_name(name);
    return stub_->GetApplication(&context, request, out);
  }

  grpc::Status Submit(const std::string& name, const Principal& caller, Application* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::SubmitApplicationRequest request;
    request.set_name(name);
    return stub_->SubmitApplication(&context, request, out);
  }

  grpc::Status Update(const Application& a, const std::string& path, const Principal& caller,
                      Application* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::UpdateApplicationRequest request;
    *request.mutable_application() = a;
    request.mutable_update_mask()->add_paths(path);
    return stub_->UpdateApplication(&context, request, out);
  }

  // AcceptPartnership (`accept`) or WithdrawPartnership of `organisation` by `caller`.
  grpc::Status Partnership(bool accept, const std::string& name, const std::string& organisation,
                           const Principal& caller, Application* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    if (accept) {
      v1::AcceptPartnershipRequest request;
      request.set_name(name);
      request.set_organisation(organisation);
      return stub_->AcceptPartnership(&context, request, out);
    }
    v1::WithdrawPartnershipRequest request;
    request.set_name(name);
    request.set_organisation(organisation);
    return stub_->WithdrawPartnership(&context, request, out);
  }

  // The state of each participant, in consortium order.
  static std::vector<Application::ParticipantState> StatesOf(const Application& a) {
    std::vector<Application::ParticipantState> states;
    for (const auto& p : a.participants()) states.push_back(p.state());
    return states;
  }

  // An eligible draft to the open Erasmus+ mobility call: Kofoeds Skole (DK) leads,
  // Hordaland (NO) is its partner.
  Application MobilityDraft() {
    const Call open =
        Published(At(seeds::ErasmusMobility(ProgrammeOf(seeds::ErasmusPlus(commission_))),
                     -absl::Hours(1), absl::Hours(24 * 10)),
                  commission_);
    Application a =
        Draft(open.name(), kofoed_, {{hordaland_, Application::PARTNER}}, Money("EUR", 50000));
    a.set_language("en");
    *a.mutable_total_cost() = Money("EUR", 70000);
    return a;
  }

  // Reads changes from the start of the stream as `caller` until `count` came.
  std::vector<v1::FundingChange> Watch(const Principal& caller, int count) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::WatchFundingRequest request;
    request.set_cursor("0");
    std::unique_ptr<grpc::ClientReader<v1::FundingChange>> reader =
        stub_->WatchFunding(&context, request);
    std::vector<v1::FundingChange> changes;
    v1::FundingChange change;
    while (static_cast<int>(changes.size()) < count && reader->Read(&change)) {
      changes.push_back(change);
    }
    context.TryCancel();
    reader->Finish();
    return changes;
  }

  testing::TestDatabase organisations_db_, funding_db_;
  FundingStack stack_;
  std::unique_ptr<v1::FundingService::Stub> stub_;
  std::string ministry_, commission_, association_, urzad_, kofoed_, hordaland_;
};

TEST_F(FundingApplicationsTest, TheSeedsPolishGrantRoundTripsToValid360Giving) {
  {
    // The association's KRS number, checked by an operator, names it in the export.
    grpc::ClientContext context;
    FundingStack::Sign(context, principal::Admin());
    organisations::v1::VerifyIdentifierRequest request;
    request.set_name(association_);
    request.mutable_identifier()->set_scheme("PL-KRS");
    request.mutable_identifier()->set_value("0000312586");
    organisations::v1::Organisation verified;
    grpc::Status s = stack_.organisations()->Stub()->VerifyIdentifier(&context, request, &verified);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string programme =
      ProgrammeOf(seeds::SamorzadowyWymiarPolitykiZagranicznej(ministry_));
  const Call call = Published(
      At(seeds::Competition2014(programme), -absl::Hours(24), absl::Hours(24 * 20)), ministry_);

  Application draft;
  grpc::Status s = Create(Draft(call.name(), association_, {}, Money("EUR", 20000)),
                          KeyOf(association_), &draft);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"application.requested_amount.currency_code"});
  s = Create(
      Draft(call.name(), association_, {{urzad_, Application::PARTNER}}, Money("PLN", 85200)),
      KeyOf(urzad_), &draft);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << "a partner made the lead apply";
  Application a =
      Draft(call.name(), association_, {{urzad_, Application::PARTNER}}, Money("PLN", 85200));
  a.set_language("pl");
  ASSERT_TRUE(Create(a, KeyOf(association_), &draft).ok());
  EXPECT_EQ(draft.state(), Application::DRAFT);

  // The partner reads; only the lead edits and submits; others do not see it.
  Application seen;
  EXPECT_TRUE(Get(draft.name(), KeyOf(urzad_), &seen).ok());
  EXPECT_EQ(Get(draft.name(), KeyOf(kofoed_), &seen).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(draft.name(), KeyOf(ministry_), &seen).error_code(), grpc::StatusCode::NOT_FOUND)
      << "the funder saw a draft";
  Application changed = draft;
  changed.set_summary("Forum, voucher i seminarium");
  EXPECT_EQ(Update(changed, "summary", KeyOf(urzad_), &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit(draft.name(), KeyOf(urzad_), &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Update(changed, "summary", KeyOf(association_), &seen).ok());
  ASSERT_TRUE(Partnership(true, draft.name(), urzad_, KeyOf(urzad_), &seen).ok());
  Application submitted;
  s = Submit(draft.name(), KeyOf(association_), &submitted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(submitted.state(), Application::SUBMITTED);
  EXPECT_TRUE(submitted.has_submit_time());
  changed.clear_etag();
  EXPECT_EQ(Update(changed, "summary", KeyOf(association_), &seen).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // The ministry reviews and awards 85,200 PLN.
  ASSERT_TRUE(Get(draft.name(), KeyOf(ministry_), &seen).ok());
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(association_));
    v1::ReviewApplicationRequest request;
    request.set_name(draft.name());
    EXPECT_EQ(stub_->ReviewApplication(&context, request, &seen).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(ministry_));
    v1::ReviewApplicationRequest request;
    request.set_name(draft.name());
    ASSERT_TRUE(stub_->ReviewApplication(&context, request, &seen).ok());
    EXPECT_EQ(seen.state(), Application::UNDER_REVIEW);
  }
  const Award seed = seeds::InterEkipAward(association_, programme, call.name());
  Application awarded;
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(ministry_));
    v1::DecideApplicationRequest request;
    request.set_name(draft.name());
    request.set_decision(v1::DecideApplicationRequest::AWARD);
    *request.mutable_award()->mutable_award_date() = seed.award_date();
    *request.mutable_award()->mutable_planned_period() = seed.planned_period();
    request.mutable_award()->set_title(seed.title());
    request.mutable_award()->set_purpose(seed.purpose());
    request.mutable_award()->set_beneficiary_country("PL");
    request.mutable_award()->set_beneficiary_nuts_region("PL61");
    request.set_note("Pozytywna rekomendacja komisji konkursowej");
    s = stub_->DecideApplication(&context, request, &awarded);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(awarded.state(), Application::AWARDED);
  ASSERT_FALSE(awarded.award().empty());
  Award award;
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, principal::Anonymous());
    v1::GetAwardRequest request;
    request.set_name(awarded.award());
    ASSERT_TRUE(stub_->GetAward(&context, request, &award).ok());
  }
  EXPECT_EQ(award.amount().units(), 85200);
  EXPECT_EQ(award.amount().currency_code(), "PLN");
  EXPECT_EQ(award.recipient(), association_);
  EXPECT_EQ(award.funder(), ministry_);
  EXPECT_EQ(award.application(), draft.name());

  // A second award, in EUR, from Erasmus+: totals stay apart per currency.
  const std::string erasmus = ProgrammeOf(seeds::ErasmusPlus(commission_));
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(commission_));
    v1::CreateAwardRequest request;
    request.mutable_award()->set_recipient(kofoed_);
    request.mutable_award()->set_programme(erasmus);
    request.mutable_award()->set_title("Studietur til Finland");
    *request.mutable_award()->mutable_amount() = Money("EUR", 24000);
    request.mutable_award()->mutable_award_date()->set_year(2022);
    request.mutable_award()->mutable_award_date()->set_month(9);
    request.mutable_award()->mutable_award_date()->set_day(1);
    Award created;
    s = stub_->CreateAward(&context, request, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, principal::Anonymous());
    v1::ListAwardsRequest request;
    v1::ListAwardsResponse response;
    ASSERT_TRUE(stub_->ListAwards(&context, request, &response).ok());
    ASSERT_EQ(response.totals_size(), 2);
    EXPECT_EQ(response.totals(0).currency_code(), "EUR");
    EXPECT_EQ(response.totals(0).units(), 24000);
    EXPECT_EQ(response.totals(1).currency_code(), "PLN");
    EXPECT_EQ(response.totals(1).units(), 85200);
  }

  // Exported as 360Giving: the fields the standard requires, with its types.
  v1::ExportAwardsResponse exported;
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, principal::Anonymous());
    v1::ExportAwardsRequest request;
    request.mutable_filter()->set_funder(ministry_);
    ASSERT_TRUE(stub_->ExportAwards(&context, request, &exported).ok());
  }
  EXPECT_EQ(exported.content_type(), "application/json");
  ASSERT_EQ(exported.totals_size(), 1);
  EXPECT_EQ(exported.totals(0).units(), 85200);
  google::protobuf::Struct package;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(exported.json(), &package).ok())
      << exported.json();
  const auto& grants = package.fields().at("grants").list_value();
  ASSERT_EQ(grants.values_size(), 1);
  const auto& grant = grants.values(0).struct_value().fields();
  EXPECT_TRUE(absl::StartsWith(grant.at("id").string_value(), "360G-coopnet-"));
  EXPECT_EQ(grant.at("title").string_value(), seed.title());
  EXPECT_EQ(grant.at("description").string_value(), seed.purpose());
  EXPECT_EQ(grant.at("currency").string_value(), "PLN");
  EXPECT_EQ(grant.at("amountAwarded").number_value(), 85200);
  EXPECT_EQ(grant.at("awardDate").string_value(), "2014-03-14");
  const auto& recipient = grant.at("recipientOrganization").list_value().values(0).struct_value();
  EXPECT_EQ(recipient.fields().at("id").string_value(), "PL-KRS-0000312586");
  EXPECT_EQ(recipient.fields().at("name").string_value(),
            "Samorządowe Stowarzyszenie „Europa Kujaw i Pomorza”");
  const auto& funder = grant.at("fundingOrganization").list_value().values(0).struct_value();
  EXPECT_EQ(funder.fields().at("name").string_value(), "Ministerstwo Spraw Zagranicznych");
  EXPECT_TRUE(absl::StartsWith(funder.fields().at("id").string_value(), "360G-coopnet-"));
  EXPECT_EQ(grant.at("grantProgramme")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("title")
                .string_value(),
            "Wsparcie samorządowego i obywatelskiego wymiaru polskiej polityki zagranicznej");
  const auto& dates = grant.at("plannedDates").list_value().values(0).struct_value().fields();
  EXPECT_EQ(dates.at("startDate").string_value(), "2014-03-01");
  EXPECT_EQ(dates.at("endDate").string_value(), "2014-11-30");
  const auto& location =
      grant.at("beneficiaryLocation").list_value().values(0).struct_value().fields();
  EXPECT_EQ(location.at("countryCode").string_value(), "PL");
  EXPECT_EQ(location.at("geoCode").string_value(), "PL61");

  // The domain events reached the stream: all of them for an operator; the consortium's
  // not for an organisation outside it and the funder.
  std::vector<v1::FundingChange> all = Watch(principal::Admin(), 6);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_TRUE(all[0].has_call_published());
  EXPECT_THAT(all[1].partnership_proposed().partners(), ::testing::ElementsAre(urzad_));
  EXPECT_EQ(all[2].partnership_accepted().partner(), urzad_);
  EXPECT_TRUE(all[3].has_application_submitted());
  EXPECT_EQ(all[3].application_submitted().funder(), ministry_);
  EXPECT_TRUE(all[4].has_award_granted());
  EXPECT_EQ(all[4].award_granted().award().amount().units(), 85200);
  std::vector<v1::FundingChange> outsider = Watch(KeyOf(kofoed_), 3);
  ASSERT_EQ(outsider.size(), 3u);
  for (const auto& change : outsider) {
    EXPECT_TRUE(change.has_call_published() || change.has_award_granted()) << change.DebugString();
  }
}

TEST_F(FundingApplicationsTest, SubmitsOnlyWhileOpenAndWhenEligible) {
  const std::string erasmus = ProgrammeOf(seeds::ErasmusPlus(commission_));
  const Call open = Published(
      At(seeds::ErasmusMobility(erasmus), -absl::Hours(1), absl::Hours(24 * 10)), commission_);

  Application a =
      Draft(open.name(), kofoed_, {{commission_, Application::PARTNER}}, Money("EUR", 50000));
  a.set_language("en");
  *a.mutable_total_cost() = Money("EUR", 60000);
  Application draft;
  ASSERT_TRUE(Create(a, KeyOf(kofoed_), &draft).ok());
  Application result;
  grpc::Status s = Submit(draft.name(), KeyOf(kofoed_), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auto info = InfoOf(s);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "NOT_ELIGIBLE");
  EXPECT_EQ(info->metadata().at("partner_countries"),
            "partners must be based in DK, FI, PL, SE or NO; European Commission (BE) is not");
  EXPECT_EQ(
      info->metadata().at("co_financing"),
      "the call pays at most 80 % of the costs: 48000 EUR of 60000 EUR; you ask for 50000 EUR");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "European Commission (BE) is not"));
  ASSERT_TRUE(Get(draft.name(), KeyOf(kofoed_), &result).ok());
  EXPECT_EQ(result.state(), Application::DRAFT) << "a refused submission changed the state";

  // Hordaland (NO) as the partner and the true costs: eligible, once Hordaland consents.
  Application fixed = draft;
  fixed.mutable_participants(1)->set_organisation(hordaland_);
  *fixed.mutable_total_cost() = Money("EUR", 70000);
  ASSERT_TRUE(Update(fixed, "participants", KeyOf(kofoed_), &result).ok());
  fixed.set_etag(result.etag());
  s = Update(fixed, "total_cost", KeyOf(kofoed_), &result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Submit(draft.name(), KeyOf(kofoed_), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(InfoOf(s)->reason(), "PARTNERS_NOT_CONSENTED") << s.error_message();
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &result).ok());
  s = Submit(draft.name(), KeyOf(kofoed_), &result);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(result.state(), Application::SUBMITTED);

  // Withdrawn, it stays withdrawn.
  {
    grpc::ClientContext context;
    FundingStack::Sign(context, KeyOf(kofoed_));
    v1::WithdrawApplicationRequest request;
    request.set_name(draft.name());
    ASSERT_TRUE(stub_->WithdrawApplication(&context, request, &result).ok());
    EXPECT_EQ(result.state(), Application::WITHDRAWN);
  }
  s = Submit(draft.name(), KeyOf(kofoed_), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(InfoOf(s)->reason(), "APPLICATION_STATE");

  // Before the call opens and after its deadline: refused, saying when.
  Call next_round = At(seeds::ErasmusMobility(erasmus), absl::Hours(48), absl::Hours(24 * 10));
  next_round.set_identifier("KA122-ADU-2025");
  const Call forthcoming = Published(next_round, commission_);
  Call closed_call = At(seeds::ErasmusMobility(erasmus), -absl::Hours(48), -absl::Hours(1));
  closed_call.set_identifier("KA122-ADU-2023");
  const Call closed = Published(closed_call, commission_);
  Application early =
      Draft(forthcoming.name(), kofoed_, {{hordaland_, Application::PARTNER}}, Money("EUR", 40000));
  early.set_language("en");
  *early.mutable_total_cost() = Money("EUR", 60000);
  ASSERT_TRUE(Create(early, KeyOf(kofoed_), &draft).ok());
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &result).ok());
  s = Submit(draft.name(), KeyOf(kofoed_), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(InfoOf(s)->reason(), "CALL_NOT_OPEN");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "Europe/Brussels")) << s.error_message();

  Application late = early;
  late.set_call(closed.name());
  ASSERT_TRUE(Create(late, KeyOf(kofoed_), &draft).ok());
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &result).ok());
  s = Submit(draft.name(), KeyOf(kofoed_), &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(InfoOf(s)->reason(), "DEADLINE_PASSED");
  EXPECT_TRUE(
      absl::StartsWith(s.error_message(), "the deadline of " + closed.name() + " passed at "))
      << s.error_message();
}

// Naming a partner asks it: the application cannot be submitted until every partner
// accepts, only the partner (or one acting for it) accepts, and a change of role asks
// again. The partner reads the proposal meanwhile, and the stream tells it.
TEST_F(FundingApplicationsTest, APartnerTakesPartOnlyOnceItAccepts) {
  Application draft;
  ASSERT_TRUE(Create(MobilityDraft(), KeyOf(kofoed_), &draft).ok());
  EXPECT_THAT(StatesOf(draft), ::testing::ElementsAre(Application::ACTIVE, Application::PROPOSED));
  Application seen;
  EXPECT_TRUE(Get(draft.name(), KeyOf(hordaland_), &seen).ok()) << "the partner cannot decide";

  grpc::Status s = Submit(draft.name(), KeyOf(kofoed_), &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(InfoOf(s).has_value());
  EXPECT_EQ(InfoOf(s)->reason(), "PARTNERS_NOT_CONSENTED");
  EXPECT_EQ(InfoOf(s)->metadata().at("partners"), hordaland_);
  EXPECT_TRUE(absl::StrContains(s.error_message(), hordaland_)) << s.error_message();

  // Neither the lead nor a stranger consents for Hordaland; a stranger naming itself
  // learns nothing of the application.
  for (const std::string& caller : {kofoed_, ministry_}) {
    s = Partnership(true, draft.name(), hordaland_, KeyOf(caller), &seen);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << caller;
    EXPECT_EQ(InfoOf(s)->reason(), "NOT_ACTING_FOR_ORGANISATION");
  }
  EXPECT_EQ(Partnership(true, draft.name(), ministry_, KeyOf(ministry_), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  s = Partnership(true, draft.name(), kofoed_, KeyOf(kofoed_), &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "the lead accepted itself";
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation"});
  ASSERT_TRUE(Get(draft.name(), KeyOf(kofoed_), &seen).ok());
  EXPECT_EQ(seen.etag(), draft.etag()) << "a refused acceptance changed the application";

  Application accepted;
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &accepted).ok());
  EXPECT_THAT(StatesOf(accepted), ::testing::ElementsAre(Application::ACTIVE, Application::ACTIVE));
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &seen).ok());
  EXPECT_EQ(seen.etag(), accepted.etag()) << "accepting twice changed the application";

  // As an associated partner, Hordaland is asked again; the lead's own edits keep it.
  Application associated = accepted;
  associated.mutable_participants(1)->set_role(Application::ASSOCIATED);
  ASSERT_TRUE(Update(associated, "participants", KeyOf(kofoed_), &seen).ok());
  EXPECT_EQ(seen.participants(1).state(), Application::PROPOSED);
  Application back = seen;
  back.mutable_participants(1)->set_role(Application::PARTNER);
  ASSERT_TRUE(Update(back, "participants", KeyOf(kofoed_), &seen).ok());
  ASSERT_TRUE(Partnership(true, draft.name(), hordaland_, KeyOf(hordaland_), &seen).ok());
  Application retitled = seen;
  retitled.set_title("Nordisk hverdag");
  ASSERT_TRUE(Update(retitled, "title", KeyOf(kofoed_), &seen).ok());
  EXPECT_EQ(seen.participants(1).state(), Application::ACTIVE);
  s = Submit(draft.name(), KeyOf(kofoed_), &seen);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // Submitted, the partner no longer leaves on its own.
  s = Partnership(false, draft.name(), hordaland_, KeyOf(hordaland_), &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(InfoOf(s)->reason(), "APPLICATION_STATE");

  // Hordaland's stream asked it, and told it of each step.
  std::vector<v1::FundingChange> changes = Watch(KeyOf(hordaland_), 6);
  ASSERT_EQ(changes.size(), 6u);
  EXPECT_TRUE(changes[0].has_call_published());
  EXPECT_THAT(changes[1].partnership_proposed().partners(), ::testing::ElementsAre(hordaland_));
  EXPECT_EQ(changes[1].partnership_proposed().application().name(), draft.name());
  EXPECT_EQ(changes[2].partnership_accepted().partner(), hordaland_);
  EXPECT_THAT(changes[3].partnership_proposed().partners(), ::testing::ElementsAre(hordaland_));
  EXPECT_THAT(changes[4].partnership_proposed().partners(), ::testing::ElementsAre(hordaland_));
  EXPECT_EQ(changes[5].partnership_accepted().partner(), hordaland_);
}

// A partner leaves a draft by itself; the lead cannot "leave" its own application.
TEST_F(FundingApplicationsTest, APartnerLeavesADraftByItself) {
  Application draft;
  ASSERT_TRUE(Create(MobilityDraft(), KeyOf(kofoed_), &draft).ok());
  Application seen;
  grpc::Status s = Partnership(false, draft.name(), hordaland_, KeyOf(ministry_), &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = Partnership(false, draft.name(), kofoed_, KeyOf(kofoed_), &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation"});

  Application left;
  ASSERT_TRUE(Partnership(false, draft.name(), hordaland_, KeyOf(hordaland_), &left).ok());
  ASSERT_EQ(left.participants_size(), 1);
  EXPECT_EQ(left.participants(0).organisation(), kofoed_);
  EXPECT_EQ(Get(draft.name(), KeyOf(hordaland_), &seen).error_code(), grpc::StatusCode::NOT_FOUND)
      << "the partner still sees the application it left";
  std::vector<v1::FundingChange> changes = Watch(KeyOf(hordaland_), 3);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[2].partnership_withdrawn().partner(), hordaland_);
  EXPECT_EQ(changes[2].partnership_withdrawn().application().participants_size(), 1);
}

// One who acts for both sides consents by naming: an operator, or a key holding the
// partner's delegation of FUNDING_WRITE.
TEST_F(FundingApplicationsTest, NamingAPartnerOneActsForMakesItActiveAtOnce) {
  Principal both = KeyOf(kofoed_);
  Principal::Delegation& held = *both.add_delegations();
  held.set_organisation(hordaland_);
  held.add_scopes(type::v1::FUNDING_WRITE);
  *held.mutable_expire_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
  const Application a = MobilityDraft();
  Application draft;
  ASSERT_TRUE(Create(a, both, &draft).ok());
  EXPECT_THAT(StatesOf(draft), ::testing::ElementsAre(Application::ACTIVE, Application::ACTIVE));
  Application by_operator;
  ASSERT_TRUE(Create(a, principal::Admin(), &by_operator).ok());
  EXPECT_THAT(StatesOf(by_operator),
              ::testing::ElementsAre(Application::ACTIVE, Application::ACTIVE));
}

}  // namespace
}  // namespace coopnet::funding
