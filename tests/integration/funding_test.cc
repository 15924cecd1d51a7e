// The funding service through its real gRPC API, on real PostgreSQL and Redis, asking a
// real organisations process (in the same test) for the profiles it judges: who manages
// programmes and calls, bad input, and matching calls to an organisation.
#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "common/status/status.h"
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
using v1::Call;
using v1::Programme;
namespace org = organisations::v1;
namespace seeds = testing::seeds;

Principal KeyOf(const std::string& organisation, std::vector<type::v1::Scope> scopes = {
                                                     type::v1::SCOPE_READ, type::v1::SCOPE_WRITE}) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/k", scopes);
}

// `call` moved so that it opens `opens_in` from now and closes 30 days after.
Call At(Call call, absl::Duration opens_in) {
  const absl::Time open = absl::Now() + opens_in;
  *call.mutable_open_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(open));
  *call.mutable_deadline() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(open + absl::Hours(24 * 30)));
  return call;
}

const v1::Reason* ReasonFor(const v1::CallMatch& match, const std::string& criterion) {
  for (const auto& r : match.reasons()) {
    if (r.criterion() == criterion) return &r;
  }
  return nullptr;
}

class FundingTest : public ::testing::Test {
 protected:
  FundingTest()
      : stack_(organisations_db_.dsn(), funding_db_.dsn(), testing::SharedRedisAddress()),
        stub_(stack_.Stub()) {
    ministry_ = stack_.CreateOrganisation(seeds::PolishForeignMinistry());
    commission_ = stack_.CreateOrganisation(seeds::EuropeanCommission());
    association_ = stack_.CreateOrganisation(seeds::EuropaKujawIPomorza());
    urzad_ = stack_.CreateOrganisation(seeds::UrzadMarszalkowski());
    kofoed_ = stack_.CreateOrganisation(seeds::KofoedsSkole());
    biser_ = stack_.CreateOrganisation(seeds::BiserGdansk());
    orebro_ = stack_.CreateOrganisation(seeds::RegionOrebro());
  }

  grpc::Status CreateProgramme(const Programme& p, const Principal& caller, Programme* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::CreateProgrammeRequest request;
    *request.mutable_programme() = p;
    return stub_->CreateProgramme(&context, request, out);
  }

  std::string MustCreateProgramme(const Programme& p) {
    Programme created;
    grpc::Status s = CreateProgramme(p, KeyOf(p.funder()), &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created.name();
  }

  grpc::Status CreateCall(const Call& c, const Principal& caller, Call* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::CreateCallRequest request;
    *request.mutable_call() = c;
    return stub_->CreateCall(&context, request, out);
  }

  grpc::Status Publish(const std::string& name, const Principal& caller, Call* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::PublishCallRequest request;
    request.set_name(name);
    return stub_->PublishCall(&context, request, out);
  }

  // Creates and publishes `c` as its funder's key.
  Call Published(const Call& c, const std::string& funder) {
    Call created, published;
    grpc::Status s = CreateCall(c, KeyOf(funder), &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    s = Publish(created.name(), KeyOf(funder), &published);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return published;
  }

  grpc::Status GetCall(const std::string& name, const Principal& caller, Call* out) {
    grpc::ClientContext context;
    FundingStack::Sign(context, caller);
    v1::GetCallRequest request;
    request.set_name(name);
    return stub_->GetCall(&context, request, out);
  }

  v1::MatchCallsResponse Match(const std::string& organisation,
                               const std::vector<std::string>& partners = {},
                               bool include_unleadable = false,
                               const std::vector<std::string>& themes = {}) {
    grpc::ClientContext context;
    FundingStack::Sign(context, principal::Anonymous());
    v1::MatchCallsRequest request;
    request.set_organisation(organisation);
    for (const std::string& p : partners) request.add_partners(p);
    request.set_include_unleadable(include_unleadable);
    for (const std::string& t : themes) request.add_themes(t);
    v1::MatchCallsResponse response;
    grpc::Status s = stub_->MatchCalls(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  static const v1::CallMatch* MatchOf(const v1::MatchCallsResponse& r, const std::string& call) {
    for (const auto& m : r.matches()) {
      if (m.call().name() == call) return &m;
    }
    return nullptr;
  }

  testing::TestDatabase organisations_db_, funding_db_;
  FundingStack stack_;
  std::unique_ptr<v1::FundingService::Stub> stub_;
  std::string ministry_, commission_, association_, urzad_, kofoed_, biser_, orebro_;
};

TEST_F(FundingTest, OnlyTheFundersKeysManageItsProgrammesAndCalls) {
  Programme programme;
  grpc::Status s = CreateProgramme(seeds::SamorzadowyWymiarPolitykiZagranicznej(ministry_),
                                   KeyOf(association_), &programme);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = CreateProgramme(seeds::SamorzadowyWymiarPolitykiZagranicznej(ministry_),
                      KeyOf(ministry_, {type::v1::SCOPE_READ}), &programme);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "SCOPE_MISSING");
  const std::string name =
      MustCreateProgramme(seeds::SamorzadowyWymiarPolitykiZagranicznej(ministry_));

  Call draft;
  s = CreateCall(seeds::Competition2014(name), KeyOf(association_), &draft);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_FUNDER");
  s = CreateCall(seeds::Competition2014(name), KeyOf(ministry_), &draft);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(draft.state(), Call::DRAFT);
  EXPECT_EQ(draft.funder(), ministry_);
  EXPECT_EQ(draft.level(), Programme::NATIONAL);

  // A draft exists for its funder only.
  Call seen;
  EXPECT_EQ(GetCall(draft.name(), principal::Anonymous(), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Publish(draft.name(), KeyOf(association_), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Call published;
  ASSERT_TRUE(Publish(draft.name(), KeyOf(ministry_), &published).ok());
  // January 2014 is over: the call is CLOSED, for everybody to see.
  ASSERT_TRUE(GetCall(draft.name(), principal::Anonymous(), &seen).ok());
  EXPECT_EQ(seen.state(), Call::CLOSED);
  EXPECT_EQ(seen.total_budget().units(), 3000000);

  grpc::ClientContext context;
  FundingStack::Sign(context, KeyOf(association_));
  v1::UpdateCallRequest update;
  update.mutable_call()->set_name(draft.name());
  update.mutable_call()->set_time_zone("Europe/Berlin");
  update.mutable_update_mask()->add_paths("time_zone");
  Call updated;
  s = stub_->UpdateCall(&context, update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_FUNDER");
}

TEST_F(FundingTest, BadInputIsNamedAndChangesNothing) {
  Programme programme;
  Programme unknown_funder = seeds::ErasmusPlus("organisations/01hzzzzzzzzzzzzzzzzzzzzzzz");
  grpc::Status s = CreateProgramme(unknown_funder, principal::Admin(), &programme);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"programme.funder"});
  const std::string name = MustCreateProgramme(seeds::ErasmusPlus(commission_));

  Call created;
  Call backwards = seeds::ErasmusMobility(name);
  backwards.mutable_deadline()->set_seconds(backwards.open_time().seconds() - 3600);
  s = CreateCall(backwards, KeyOf(commission_), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "call.deadline must be after open_time");

  Call money = seeds::ErasmusMobility(name);
  money.mutable_max_grant()->set_units(-60000);
  money.mutable_min_grant()->set_currency_code("PLN");
  money.mutable_min_grant()->set_units(1000);
  money.set_co_financing_rate_bp(12000);
  s = CreateCall(money, KeyOf(commission_), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"call.min_grant.currency_code", "call.max_grant.units",
                                      "call.co_financing_rate_bp"}));

  grpc::ClientContext context;
  FundingStack::Sign(context, KeyOf(commission_));
  v1::ListCallsRequest list;
  v1::ListCallsResponse calls;
  ASSERT_TRUE(stub_->ListCalls(&context, list, &calls).ok());
  EXPECT_EQ(calls.calls_size(), 0) << "a refused call was stored";

  // Published, a call keeps its currency: applications are made in it.
  const Call published = Published(seeds::ErasmusMobility(name), commission_);
  grpc::ClientContext update_context;
  FundingStack::Sign(update_context, KeyOf(commission_));
  v1::UpdateCallRequest update;
  *update.mutable_call() = published;
  update.mutable_call()->mutable_total_budget()->set_currency_code("DKK");
  update.mutable_call()->clear_max_grant();
  update.mutable_update_mask()->add_paths("total_budget");
  update.mutable_update_mask()->add_paths("max_grant");
  Call updated;
  s = stub_->UpdateCall(&update_context, update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "CALL_PUBLISHED");
}

TEST_F(FundingTest, MatchCallsGivesTheReasonsPerCriterionAndFollowsChanges) {
  const std::string erasmus = MustCreateProgramme(seeds::ErasmusPlus(commission_));
  const std::string ministry =
      MustCreateProgramme(seeds::SamorzadowyWymiarPolitykiZagranicznej(ministry_));
  const std::string scholarship =
      MustCreateProgramme(seeds::OrebroInternationalScholarship(orebro_));
  const Call mobility =
      Published(At(seeds::ErasmusMobility(erasmus), -absl::Hours(24)), commission_);
  const Call competition =
      Published(At(seeds::Competition2014(ministry), absl::Hours(240)), ministry_);
  const Call orebro_only =
      Published(At(seeds::OrebroScholarship(scholarship), -absl::Hours(1)), orebro_);
  Call last_year = seeds::Competition2014(ministry);
  last_year.set_identifier("WSPW-2014-II");
  const Call closed = Published(last_year, ministry_);

  // Kofoeds Skole alone: Erasmus+ is for it to lead, once it has a partner abroad.
  v1::MatchCallsResponse alone = Match(kofoed_);
  ASSERT_EQ(alone.matches_size(), 1);
  const v1::CallMatch& m = alone.matches(0);
  EXPECT_EQ(m.call().name(), mobility.name());
  EXPECT_EQ(m.call().state(), Call::OPEN);
  EXPECT_FALSE(m.eligible());
  EXPECT_EQ(ReasonFor(m, "consortium_countries")->explanation(),
            "needs partners from at least 2 countries; you have 1 (DK)");
  EXPECT_FALSE(ReasonFor(m, "consortium_size")->met());
  EXPECT_TRUE(ReasonFor(m, "lead_country")->met());
  EXPECT_TRUE(ReasonFor(m, "languages")->met());

  EXPECT_EQ(ReasonFor(m, "themes")->explanation(),
            "the call funds green-transition, social-sustainability or "
            "international-cooperation; none of yours (social-inclusion)");

  // With a partner in Poland and the green transition as the project's theme, it fits.
  v1::MatchCallsResponse with_biser = Match(kofoed_, {biser_}, false, {"green-transition"});
  ASSERT_EQ(with_biser.matches_size(), 1);
  EXPECT_TRUE(with_biser.matches(0).eligible());
  EXPECT_TRUE(ReasonFor(with_biser.matches(0), "themes")->met());

  // Asked for, the calls it cannot lead come too, with why.
  v1::MatchCallsResponse everything = Match(kofoed_, {biser_}, /*include_unleadable=*/true,
                                            {"green-transition", "international-cooperation"});
  EXPECT_EQ(everything.matches_size(), 2);
  EXPECT_EQ(MatchOf(everything, orebro_only.name()), nullptr) << "culture is not a wanted theme";
  EXPECT_EQ(everything.matches(0).call().name(), mobility.name()) << "eligible first";
  const v1::CallMatch* polish = MatchOf(everything, competition.name());
  ASSERT_NE(polish, nullptr);
  EXPECT_EQ(polish->call().state(), Call::FORTHCOMING);
  EXPECT_EQ(ReasonFor(*polish, "lead_country")->explanation(),
            "the lead must be based in PL; Kofoeds Skole is in DK");
  EXPECT_EQ(MatchOf(everything, closed.name()), nullptr) << "a closed call was matched";

  // The regional authority of Kuyavia-Pomerania may lead the ministry's competition.
  v1::MatchCallsResponse urzad = Match(urzad_);
  ASSERT_NE(MatchOf(urzad, competition.name()), nullptr);
  EXPECT_EQ(MatchOf(urzad, orebro_only.name()), nullptr);

  // The ministry narrows who may lead: the (cached) match follows at once.
  grpc::ClientContext context;
  FundingStack::Sign(context, KeyOf(ministry_));
  v1::UpdateCallRequest update;
  update.mutable_call()->set_name(competition.name());
  *update.mutable_call()->mutable_eligibility() = competition.eligibility();
  update.mutable_call()->mutable_eligibility()->clear_lead_kinds();
  update.mutable_call()->mutable_eligibility()->add_lead_kinds(org::Organisation::NGO);
  update.mutable_update_mask()->add_paths("eligibility");
  Call updated;
  ASSERT_TRUE(stub_->UpdateCall(&context, update, &updated).ok());
  EXPECT_EQ(MatchOf(Match(urzad_), competition.name()), nullptr);
}

TEST_F(FundingTest, MatchCallsNamesBadInput) {
  grpc::ClientContext context;
  FundingStack::Sign(context, principal::Anonymous());
  v1::MatchCallsRequest request;
  request.set_organisation(kofoed_);
  request.add_partners(kofoed_);
  request.add_partners("organisations/01hzzzzzzzzzzzzzzzzzzzzzzz");
  request.add_levels(static_cast<Programme::Level>(42));
  v1::MatchCallsResponse response;
  grpc::Status s = stub_->MatchCalls(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), (std::vector<std::string>{"partners[0]", "levels[0]"}));

  grpc::ClientContext again;
  FundingStack::Sign(again, principal::Anonymous());
  request.clear_levels();
  request.mutable_partners()->DeleteSubrange(0, 1);
  s = stub_->MatchCalls(&again, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"partners[0]"});
}

}  // namespace
}  // namespace coopnet::funding
