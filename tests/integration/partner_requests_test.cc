// Partner requests, their search and MatchPartners through the real gRPC API, on real
// PostgreSQL: only an organisation's own key writes its requests, bad input names the
// field and changes nothing, matches come ranked with their reasons in stable pages.
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using principal::Principal;
using testing::OrganisationsStack;
using v1::MatchPartnersRequest;
using v1::MatchPartnersResponse;
using v1::Organisation;
using v1::PartnerRequest;

template <typename Message>
Message Parse(const std::string& text) {
  Message m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

// A Polish foundation new to international work, and what it looks for.
Organisation NowyStart() {
  return Parse<Organisation>(R"pb(
    display_name: "Fundacja Nowy Start"
    kind: FOUNDATION
    country: "PL"
    nuts_region: "PL63"
    city: "Gdynia"
    working_languages: [ "pl", "en" ]
    themes: [ "youth" ]
    international_experience: NEWCOMER
    looking_for_partners: true
  )pb");
}

PartnerRequest YouthPartners() {
  PartnerRequest r = Parse<PartnerRequest>(R"pb(
    title {
      translations { key: "pl" value: "Szukamy partnerów nad Bałtykiem" }
      translations { key: "en" value: "Youth inclusion partners around the Baltic Sea" }
      default_language: "en"
    }
    description {
      translations {
        key: "en"
        value: "Exchanges of young people from small towns, with a focus on inclusion."
      }
      default_language: "en"
    }
    themes: [ "youth", "social-inclusion" ]
    countries: [ "SE", "DK" ]
  )pb");
  *r.mutable_deadline() = TimeUtil::GetCurrentTime() + TimeUtil::SecondsToDuration(90 * 86400);
  return r;
}

class PartnerRequestsTest : public ::testing::Test {
 protected:
  PartnerRequestsTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()),
        organisations_(stack_.Stub()),
        requests_(stack_.PartnerRequestStub()) {}

  void SetUp() override {
    kofoed_ = MustCreate(testing::seeds::KofoedsSkole());
    orebro_ = MustCreate(testing::seeds::RegionOrebro());
    requester_ = MustCreate(NowyStart());
    // Fits every criterion of YouthPartners for NowyStart.
    ung_ = MustCreate(Parse<Organisation>(R"pb(
      display_name: "Stiftelsen Ung Inkludering"
      kind: FOUNDATION
      country: "SE"
      themes: [ "social-inclusion", "youth" ]
      working_languages: [ "sv", "en" ]
      international_experience: EXPERIENCED
      looking_for_partners: true
    )pb"));
    // Shares a theme and a country, little else.
    aarhus_ = MustCreate(Parse<Organisation>(R"pb(
      display_name: "Foreningen Ung Aarhus"
      kind: ASSOCIATION
      country: "DK"
      themes: [ "youth" ]
      working_languages: [ "da" ]
      international_experience: NEWCOMER
    )pb"));
    // Works on youth, but not where the request looks.
    MustCreate(Parse<Organisation>(R"pb(
      display_name: "Verein Jugend Leipzig"
      kind: NGO
      country: "DE"
      themes: [ "youth" ]
      looking_for_partners: true
    )pb"));
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

  static Principal KeyOf(const Organisation& o, std::vector<principal::Scope> scopes = {
                                                    type::v1::SCOPE_READ, type::v1::SCOPE_WRITE}) {
    return principal::ApiKey(o.name(), o.name() + "/apiKeys/k1", scopes);
  }

  grpc::Status Create(const Organisation& parent, const PartnerRequest& r, PartnerRequest* out,
                      const Principal& caller, const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::CreatePartnerRequestRequest request;
    request.set_parent(parent.name());
    *request.mutable_partner_request() = r;
    request.set_request_id(request_id);
    PartnerRequest ignored;
    return requests_->CreatePartnerRequest(&context, request, out ? out : &ignored);
  }

  PartnerRequest MustCreate(const Organisation& parent, const PartnerRequest& r) {
    PartnerRequest created;
    grpc::Status s = Create(parent, r, &created, KeyOf(parent));
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Get(const std::string& name, PartnerRequest* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.9"));
    v1::GetPartnerRequestRequest request;
    request.set_name(name);
    return requests_->GetPartnerRequest(&context, request, out);
  }

  grpc::Status Update(const PartnerRequest& patch, const std::vector<std::string>& paths,
                      PartnerRequest* out, const Principal& caller) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::UpdatePartnerRequestRequest request;
    *request.mutable_partner_request() = patch;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    PartnerRequest ignored;
    return requests_->UpdatePartnerRequest(&context, request, out ? out : &ignored);
  }

  grpc::Status Delete(const std::string& name, const Principal& caller,
                      const std::string& etag = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::DeletePartnerRequestRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty empty;
    return requests_->DeletePartnerRequest(&context, request, &empty);
  }

  // Every request of `parent`, following pages of `page_size`.
  std::vector<PartnerRequest> ListAll(const Organisation& parent, int page_size = 500) {
    std::vector<PartnerRequest> all;
    v1::ListPartnerRequestsRequest request;
    request.set_parent(parent.name());
    request.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      grpc::ClientContext context;
      OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.9"));
      v1::ListPartnerRequestsResponse page;
      grpc::Status s = requests_->ListPartnerRequests(&context, request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), page.partner_requests().begin(), page.partner_requests().end());
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    return all;
  }

  grpc::Status Search(const v1::SearchPartnerRequestsRequest& request,
                      v1::SearchPartnerRequestsResponse* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.9"));
    return requests_->SearchPartnerRequests(&context, request, out);
  }

  std::vector<std::string> Found(const v1::SearchPartnerRequestsRequest& request) {
    v1::SearchPartnerRequestsResponse response;
    grpc::Status s = Search(request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& r : response.partner_requests()) names.push_back(r.name());
    return names;
  }

  grpc::Status Match(const MatchPartnersRequest& request, MatchPartnersResponse* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.9"));
    return requests_->MatchPartners(&context, request, out);
  }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> organisations_;
  std::unique_ptr<v1::PartnerRequestService::Stub> requests_;
  Organisation kofoed_, orebro_, requester_, ung_, aarhus_;
};

TEST_F(PartnerRequestsTest, TheOwnersKeyCreatesAndAnyoneReads) {
  const PartnerRequest created = MustCreate(requester_, YouthPartners());
  EXPECT_TRUE(created.name().rfind(requester_.name() + "/partnerRequests/", 0) == 0)
      << created.name();
  EXPECT_EQ(created.state(), PartnerRequest::OPEN);
  EXPECT_EQ(created.etag(), "r1");
  EXPECT_TRUE(created.has_create_time());
  PartnerRequest read;
  grpc::Status s = Get(created.name(), &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(MessageDifferencer::Equals(read, created)) << read.DebugString();
  EXPECT_EQ(read.title().translations().at("pl"), "Szukamy partnerów nad Bałtykiem");
}

TEST_F(PartnerRequestsTest, ARetryWithTheSameRequestIdReturnsTheFirstRequest) {
  // A retry sends the very same request (its deadline included).
  const PartnerRequest request = YouthPartners();
  PartnerRequest first, second;
  ASSERT_TRUE(Create(requester_, request, &first, KeyOf(requester_), "retry-1").ok());
  ASSERT_TRUE(Create(requester_, request, &second, KeyOf(requester_), "retry-1").ok());
  EXPECT_EQ(first.name(), second.name());
  PartnerRequest other = request;
  other.add_countries("NO");
  grpc::Status s = Create(requester_, other, nullptr, KeyOf(requester_), "retry-1");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ListAll(requester_).size(), 1u);
}

TEST_F(PartnerRequestsTest, AnotherOrganisationsKeyWritesNothing) {
  PartnerRequest mine = MustCreate(requester_, YouthPartners());
  const Principal other = KeyOf(kofoed_);

  grpc::Status s = Create(requester_, YouthPartners(), nullptr, other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "NOT_OWNER");

  PartnerRequest patch;
  patch.set_name(mine.name());
  patch.add_countries("NO");
  s = Update(patch, {"countries"}, nullptr, other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  s = Delete(mine.name(), other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Its own key without the write scope may not write either.
  s = Delete(mine.name(), KeyOf(requester_, {type::v1::SCOPE_READ}));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(s), "SCOPE_MISSING");

  const std::vector<PartnerRequest> after = ListAll(requester_);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(after[0], mine));
}

TEST_F(PartnerRequestsTest, AnOperatorWritesAnyOrganisationsRequests) {
  PartnerRequest created;
  ASSERT_TRUE(Create(requester_, YouthPartners(), &created, principal::Admin()).ok());
  EXPECT_TRUE(Delete(created.name(), principal::Admin()).ok());
}

TEST_F(PartnerRequestsTest, BadInputNamesTheFieldAndChangesNothing) {
  PartnerRequest bad = YouthPartners();
  bad.add_countries("XX");
  bad.set_call("programmes/2026");
  *bad.mutable_deadline() = TimeUtil::GetCurrentTime() - TimeUtil::SecondsToDuration(86400);
  grpc::Status s = Create(requester_, bad, nullptr, KeyOf(requester_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"partner_request.countries[2]", "partner_request.call",
                                      "partner_request.deadline"}));
  EXPECT_NE(s.error_message().find("partner_request.call must be a resource name calls/{id}"),
            std::string::npos)
      << s.error_message();

  PartnerRequest untitled = YouthPartners();
  untitled.clear_title();
  s = Create(requester_, untitled, nullptr, KeyOf(requester_));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"partner_request.title"});
  EXPECT_TRUE(ListAll(requester_).empty());

  s = Create(Organisation(), YouthPartners(), nullptr, principal::Admin());
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"parent"});
}

TEST_F(PartnerRequestsTest, ARequestOfAnOrganisationThatDoesNotExistIsNotFound) {
  Organisation gone = requester_;
  gone.set_name("organisations/01jdz5c7m3zzzzzzzzzzzzzzzz");
  grpc::Status s = Create(gone, YouthPartners(), nullptr, principal::Admin());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "ORGANISATION_NOT_FOUND");
  PartnerRequest read;
  s = Get(gone.name() + "/partnerRequests/01jdz5c7m3zzzzzzzzzzzzzzzz", &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PartnerRequestsTest, ListGivesAnOrganisationsRequestsNewestFirstInPages) {
  std::vector<std::string> created;
  for (int i = 0; i < 7; ++i) created.push_back(MustCreate(requester_, YouthPartners()).name());
  MustCreate(kofoed_, YouthPartners());
  const std::vector<PartnerRequest> listed = ListAll(requester_, 3);
  ASSERT_EQ(listed.size(), 7u);
  for (size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i].name(), created[created.size() - 1 - i]);
  }
}

TEST_F(PartnerRequestsTest, UpdateChangesTheMaskedFieldsAndGuardsTheEtag) {
  const PartnerRequest created = MustCreate(requester_, YouthPartners());
  PartnerRequest patch;
  patch.set_name(created.name());
  patch.set_etag(created.etag());
  patch.add_countries("NO");
  patch.set_state(PartnerRequest::CLOSED);
  PartnerRequest updated;
  grpc::Status s = Update(patch, {"countries", "state"}, &updated, KeyOf(requester_));
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.countries_size(), 1);
  EXPECT_EQ(updated.state(), PartnerRequest::CLOSED);
  EXPECT_EQ(updated.etag(), "r2");
  EXPECT_EQ(updated.themes_size(), 2);

  // The same etag again is stale.
  s = Update(patch, {"countries"}, nullptr, KeyOf(requester_));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);

  // A deadline moved into the past is refused and changes nothing.
  PartnerRequest past;
  past.set_name(created.name());
  *past.mutable_deadline() = TimeUtil::GetCurrentTime() - TimeUtil::SecondsToDuration(60);
  s = Update(past, {"deadline"}, nullptr, KeyOf(requester_));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"partner_request.deadline"});
  s = Update(past, {"etag"}, nullptr, KeyOf(requester_));
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"update_mask"});
  PartnerRequest read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(read, updated));
}

TEST_F(PartnerRequestsTest, DeleteRemovesTheRequest) {
  const PartnerRequest created = MustCreate(requester_, YouthPartners());
  EXPECT_EQ(Delete(created.name(), KeyOf(requester_), "r7").error_code(),
            grpc::StatusCode::ABORTED);
  ASSERT_TRUE(Delete(created.name(), KeyOf(requester_), created.etag()).ok());
  PartnerRequest read;
  EXPECT_EQ(Get(created.name(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete(created.name(), KeyOf(requester_)).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PartnerRequestsTest, SearchFindsOpenRequestsByFoldedTextAndFilters) {
  const PartnerRequest baltic = MustCreate(requester_, YouthPartners());
  PartnerRequest anywhere = Parse<PartnerRequest>(R"pb(
    title {
      translations { key: "da" value: "Partnere til grøn omstilling" }
      default_language: "da"
    }
    themes: [ "green-transition" ]
    kinds: [ MUNICIPALITY ]
  )pb");
  const PartnerRequest green = MustCreate(kofoed_, anywhere);
  PartnerRequest closed = YouthPartners();
  closed.set_state(PartnerRequest::CLOSED);
  MustCreate(requester_, closed);

  v1::SearchPartnerRequestsRequest request;
  request.set_query("Baltyk partnerow");  // `Bałtykiem` begins with it
  EXPECT_EQ(Found(request), std::vector<std::string>{baltic.name()});
  request.set_query("gron omstiling");  // a typo, and no ø
  EXPECT_EQ(Found(request), std::vector<std::string>{green.name()});

  request.Clear();
  // A request that wants partners from anywhere wants them from Norway too.
  request.add_countries("NO");
  EXPECT_EQ(Found(request), std::vector<std::string>{green.name()});
  request.Clear();
  request.add_countries("SE");
  EXPECT_EQ(Found(request), (std::vector<std::string>{green.name(), baltic.name()}));
  request.add_themes("youth");
  EXPECT_EQ(Found(request), std::vector<std::string>{baltic.name()});
  request.Clear();
  request.add_requester_countries("DK");
  EXPECT_EQ(Found(request), std::vector<std::string>{green.name()});
  request.Clear();
  request.add_kinds(Organisation::FOUNDATION);
  EXPECT_EQ(Found(request), std::vector<std::string>{baltic.name()});

  request.Clear();
  request.add_countries("Sweden");
  v1::SearchPartnerRequestsResponse response;
  EXPECT_EQ(FieldsOf(Search(request, &response)), std::vector<std::string>{"countries[0]"});
}

TEST_F(PartnerRequestsTest, MatchPartnersRanksCandidatesWithTheirReasons) {
  const PartnerRequest wanted = MustCreate(requester_, YouthPartners());
  MatchPartnersRequest request;
  request.set_name(wanted.name());
  MatchPartnersResponse response;
  grpc::Status s = Match(request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // Only Sweden and Denmark, the requester never, and only organisations with a wanted
  // theme: the Leipzig NGO and Region Örebro stay out.
  std::vector<std::string> names;
  for (const auto& match : response.matches()) names.push_back(match.organisation().name());
  EXPECT_EQ(names, (std::vector<std::string>{ung_.name(), kofoed_.name(), aarhus_.name()}));

  const v1::PartnerMatch& best = response.matches(0);
  EXPECT_DOUBLE_EQ(best.score(), 1.0);
  std::vector<std::string> criteria;
  for (const auto& reason : best.reasons()) {
    criteria.push_back(reason.criterion());
    EXPECT_TRUE(reason.met()) << reason.criterion();
  }
  EXPECT_EQ(criteria, (std::vector<std::string>{"themes", "countries", "looking_for_partners",
                                                "experience", "languages"}));
  EXPECT_EQ(best.reasons(0).explanation(), "works on youth and social-inclusion");
  EXPECT_EQ(best.reasons(3).explanation(),
            "has long international experience, which helps a newcomer like the requester");

  const v1::PartnerMatch& weakest = response.matches(2);
  EXPECT_LT(weakest.score(), response.matches(1).score());
  EXPECT_EQ(weakest.reasons(2).explanation(), "is not looking for partners at the moment");
  EXPECT_FALSE(weakest.reasons(2).met());
}

TEST_F(PartnerRequestsTest, MatchPagesAreStableAndTiedToTheRequestAsItWas) {
  const PartnerRequest wanted = MustCreate(requester_, YouthPartners());
  MatchPartnersRequest request;
  request.set_name(wanted.name());
  request.set_page_size(1);
  std::vector<std::string> paged;
  std::string token;
  for (int pages = 0; pages < 10; ++pages) {
    MatchPartnersResponse page;
    ASSERT_TRUE(Match(request, &page).ok());
    for (const auto& match : page.matches()) paged.push_back(match.organisation().name());
    if (page.next_page_token().empty()) break;
    if (token.empty()) token = page.next_page_token();
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(paged, (std::vector<std::string>{ung_.name(), kofoed_.name(), aarhus_.name()}));

  PartnerRequest patch;
  patch.set_name(wanted.name());
  patch.add_countries("NO");
  ASSERT_TRUE(Update(patch, {"countries"}, nullptr, KeyOf(requester_)).ok());
  request.set_page_token(token);
  MatchPartnersResponse response;
  grpc::Status s = Match(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"page_token"});
}

TEST_F(PartnerRequestsTest, MatchPartnersOfARequestThatDoesNotExistIsNotFound) {
  MatchPartnersRequest request;
  request.set_name(requester_.name() + "/partnerRequests/01jdz5c7m3zzzzzzzzzzzzzzzz");
  MatchPartnersResponse response;
  grpc::Status s = Match(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "PARTNER_REQUEST_NOT_FOUND");
}

}  // namespace
}  // namespace coopnet::organisations
