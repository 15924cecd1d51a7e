// The organisations service through its real gRPC API, on real PostgreSQL and Redis.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "common/status/status.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using principal::Principal;
using namespace testing::seeds;
using testing::OrganisationsStack;
using v1::CreateOrganisationRequest;
using v1::ListOrganisationsRequest;
using v1::ListOrganisationsResponse;

class OrganisationsTest : public ::testing::Test {
 protected:
  OrganisationsTest() : stack_(db_.dsn(), testing::SharedRedisAddress()), stub_(stack_.Stub()) {}

  grpc::Status Create(const Organisation& o, Organisation* out,
                      const Principal& caller = principal::Admin(),
                      const std::string& request_id = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    request.set_request_id(request_id);
    Organisation ignored;
    return stub_->CreateOrganisation(&context, request, out ? out : &ignored);
  }

  Organisation MustCreate(const Organisation& o) {
    Organisation created;
    grpc::Status s = Create(o, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Get(const std::string& name, Organisation* out,
                   const Principal& caller = principal::Anonymous("198.51.100.1")) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::GetOrganisationRequest request;
    request.set_name(name);
    return stub_->GetOrganisation(&context, request, out);
  }

  grpc::Status Update(const Organisation& patch, const std::vector<std::string>& paths,
                      Organisation* out, const Principal& caller = principal::Admin()) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::UpdateOrganisationRequest request;
    *request.mutable_organisation() = patch;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    Organisation ignored;
    return stub_->UpdateOrganisation(&context, request, out ? out : &ignored);
  }

  grpc::Status Delete(const std::string& name, const Principal& caller = principal::Admin(),
                      const std::string& etag = "") {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, caller);
    v1::DeleteOrganisationRequest request;
    request.set_name(name);
    request.set_etag(etag);
    google::protobuf::Empty empty;
    return stub_->DeleteOrganisation(&context, request, &empty);
  }

  grpc::Status List(const ListOrganisationsRequest& request, ListOrganisationsResponse* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous());
    return stub_->ListOrganisations(&context, request, out);
  }

  // Every organisation, following pages of `page_size`.
  std::vector<Organisation> ListAll(ListOrganisationsRequest request, int page_size = 500) {
    std::vector<Organisation> all;
    request.set_page_size(page_size);
    while (true) {
      ListOrganisationsResponse page;
      grpc::Status s = List(request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) return all;
      all.insert(all.end(), page.organisations().begin(), page.organisations().end());
      if (page.next_page_token().empty()) return all;
      request.set_page_token(page.next_page_token());
    }
  }

  int Count() { return static_cast<int>(ListAll({}).size()); }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> stub_;
};

TEST_F(OrganisationsTest, TextInFourLanguagesRoundTripsByteForByte) {
  for (const Organisation& o : {KofoedsSkole(), UrzadMarszalkowski(), BiserGdansk(), RegionOrebro(),
                                HordalandFylkeskommune()}) {
    Organisation created = MustCreate(o);
    Organisation read;
    ASSERT_TRUE(Get(created.name(), &read).ok());
    EXPECT_EQ(read.display_name(), o.display_name());
    EXPECT_EQ(read.city(), o.city());
    for (const auto& [language, text] : o.description().translations()) {
      EXPECT_EQ(read.description().translations().at(language), text);
    }
    ASSERT_EQ(read.postal_address().address_lines_size(), o.postal_address().address_lines_size());
    for (int i = 0; i < o.postal_address().address_lines_size(); ++i) {
      EXPECT_EQ(read.postal_address().address_lines(i), o.postal_address().address_lines(i));
    }
    // Everything the caller wrote comes back as written.
    Organisation expected = o;
    expected.set_name(read.name());
    expected.set_etag(read.etag());
    *expected.mutable_create_time() = read.create_time();
    *expected.mutable_update_time() = read.update_time();
    // Every identifier is a new claim.
    for (v1::Identifier& identifier : *expected.mutable_identifiers()) {
      identifier.set_state(v1::Identifier::UNVERIFIED);
    }
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(read, expected))
        << read.DebugString();
  }
}

TEST_F(OrganisationsTest, CreatedOrganisationHasNameEtagAndTimes) {
  Organisation created = MustCreate(KofoedsSkole());
  EXPECT_TRUE(absl::StartsWith(created.name(), "organisations/"));
  EXPECT_FALSE(created.etag().empty());
  EXPECT_GT(created.create_time().seconds(), 1'700'000'000);
  EXPECT_EQ(created.create_time().SerializeAsString(), created.update_time().SerializeAsString());
}

struct BadInput {
  std::string what;
  std::function<void(Organisation&)> spoil;
  std::string field;
};

TEST_F(OrganisationsTest, BadInputIsInvalidArgumentNamingTheFieldAndChangesNothing) {
  const std::vector<BadInput> cases = {
      {"missing display name", [](Organisation& o) { o.clear_display_name(); },
       "organisation.display_name"},
      {"country XX",
       [](Organisation& o) {
         o.set_country("XX");
         o.clear_nuts_region();
       },
       "organisation.country"},
      {"Danish region on a Polish organisation", [](Organisation& o) { o.set_country("PL"); },
       "organisation.nuts_region"},
      {"100 KB name", [](Organisation& o) { o.set_display_name(std::string(100 * 1024, 'x')); },
       "organisation.display_name"},
      {"malformed PIC",
       [](Organisation& o) {
         o.mutable_identifiers(0)->set_scheme("PIC");
         o.mutable_identifiers(0)->set_value("12345");
       },
       "organisation.identifiers[0].value"},
      {"plain http website", [](Organisation& o) { o.set_website("http://kofoedsskole.dk"); },
       "organisation.website"},
      {"SDG 18", [](Organisation& o) { o.add_sdgs(18); }, "organisation.sdgs[1]"},
      {"unknown kind", [](Organisation& o) { o.set_kind(static_cast<Organisation::Kind>(99)); },
       "organisation.kind"},
  };
  for (const BadInput& c : cases) {
    Organisation o = KofoedsSkole();
    c.spoil(o);
    grpc::Status s = Create(o, nullptr);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{c.field})
        << c.what << ": " << s.error_message();
    EXPECT_NE(s.error_message().find(c.field), std::string::npos) << s.error_message();
  }
  EXPECT_EQ(Count(), 0);
}

TEST_F(OrganisationsTest, APicClaimedElsewhereIsAnotherUnverifiedClaim) {
  Organisation first = MustCreate(UrzadMarszalkowski());
  Organisation also = BiserGdansk();
  *also.add_identifiers() = UrzadMarszalkowski().identifiers(0);
  Organisation second;
  grpc::Status s = Create(also, &second);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.identifiers(0).state(), v1::Identifier::UNVERIFIED);
  EXPECT_EQ(second.identifiers(1).state(), v1::Identifier::UNVERIFIED);
  EXPECT_EQ(Count(), 2);
}

TEST_F(OrganisationsTest, StaleEtagIsAbortedAndChangesNothing) {
  Organisation created = MustCreate(KofoedsSkole());
  Organisation patch;
  patch.set_name(created.name());
  patch.set_etag(created.etag());
  patch.set_city("Frederiksberg");
  Organisation updated;
  ASSERT_TRUE(Update(patch, {"city"}, &updated).ok());
  EXPECT_NE(updated.etag(), created.etag());

  patch.set_city("Aarhus");  // still the first etag
  grpc::Status s = Update(patch, {"city"}, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH");
  Organisation read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  EXPECT_EQ(read.city(), "Frederiksberg");
  EXPECT_EQ(Delete(created.name(), principal::Admin(), created.etag()).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(OrganisationsTest, SameRequestIdTwiceGivesOneOrganisation) {
  Organisation first, second;
  ASSERT_TRUE(Create(KofoedsSkole(), &first, principal::Admin(), "7c1f0c9e-retry").ok());
  ASSERT_TRUE(Create(KofoedsSkole(), &second, principal::Admin(), "7c1f0c9e-retry").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(Count(), 1);
  grpc::Status other = Create(RegionOrebro(), nullptr, principal::Admin(), "7c1f0c9e-retry");
  EXPECT_EQ(other.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(other), "REQUEST_ID_REUSED");
  EXPECT_EQ(Count(), 1);
}

TEST_F(OrganisationsTest, SameRequestIdConcurrentlyGivesOneOrganisation) {
  constexpr int kCallers = 8;
  std::vector<std::string> names(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      Organisation created;
      grpc::Status s = Create(HordalandFylkeskommune(), &created, principal::Admin(), "same-id");
      EXPECT_TRUE(s.ok()) << s.error_message();
      names[i] = created.name();
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 1u);
  EXPECT_EQ(Count(), 1);
}

TEST_F(OrganisationsTest, UpdateChangesOnlyMaskedFieldsAndReadsSeeItAtOnce) {
  Organisation created = MustCreate(KofoedsSkole());
  Organisation cached;
  ASSERT_TRUE(Get(created.name(), &cached).ok());  // now in Redis
  ASSERT_TRUE(Get(created.name(), &cached).ok());
  EXPECT_GE(stack_.cache().hits(), 1);

  Organisation patch;
  patch.set_name(created.name());
  patch.set_display_name("Kofoeds Skole — København");
  patch.set_city("not in the mask");
  ASSERT_TRUE(Update(patch, {"display_name"}, nullptr).ok());
  Organisation read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  EXPECT_EQ(read.display_name(), "Kofoeds Skole — København");
  EXPECT_EQ(read.city(), "København S");
}

TEST_F(OrganisationsTest, UpdateThatBreaksARuleChangesNothing) {
  Organisation created = MustCreate(KofoedsSkole());
  Organisation patch;
  patch.set_name(created.name());
  patch.set_country("PL");  // DK01 stays: a Danish region on a Polish organisation
  grpc::Status s = Update(patch, {"country"}, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"organisation.nuts_region"});
  Organisation read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  EXPECT_EQ(read.country(), "DK");
  EXPECT_EQ(read.etag(), created.etag());
}

TEST_F(OrganisationsTest, KeyOfAnotherOrganisationCannotChangeIt) {
  Organisation a = MustCreate(KofoedsSkole());
  Organisation b = MustCreate(RegionOrebro());
  Principal key_of_a =
      principal::ApiKey(a.name(), a.name() + "/apiKeys/k", {type::v1::SCOPE_WRITE});
  Organisation patch;
  patch.set_name(b.name());
  patch.set_display_name("taken over");
  EXPECT_EQ(Update(patch, {"display_name"}, nullptr, key_of_a).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Delete(b.name(), key_of_a).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  Organisation read;
  ASSERT_TRUE(Get(b.name(), &read).ok());
  EXPECT_EQ(read.display_name(), "Region Örebro län");
  // Its own organisation it may change.
  patch.set_name(a.name());
  EXPECT_TRUE(Update(patch, {"display_name"}, nullptr, key_of_a).ok());
}

TEST_F(OrganisationsTest, AnonymousCallersReadButDoNotWrite) {
  Organisation created = MustCreate(KofoedsSkole());
  Organisation read;
  EXPECT_TRUE(Get(created.name(), &read, principal::Anonymous()).ok());
  EXPECT_EQ(Create(RegionOrebro(), nullptr, principal::Anonymous()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Count(), 1);
}

TEST_F(OrganisationsTest, CallWithoutSignedPrincipalIsUnauthenticated) {
  grpc::ClientContext context;
  v1::GetOrganisationRequest request;
  request.set_name("organisations/01jdz5c7m3xqzzzzzzzzzzzzzz");
  Organisation out;
  EXPECT_EQ(stub_->GetOrganisation(&context, request, &out).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(OrganisationsTest, DeleteRemovesItAndFreesItsIdentifiers) {
  Organisation created = MustCreate(UrzadMarszalkowski());
  ASSERT_TRUE(Get(created.name(), &created).ok());  // cached
  ASSERT_TRUE(Delete(created.name()).ok());
  Organisation read;
  EXPECT_EQ(Get(created.name(), &read).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Delete(created.name()).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Create(UrzadMarszalkowski(), nullptr).ok());
}

TEST_F(OrganisationsTest, MalformedNamesAreInvalidArgument) {
  Organisation read;
  grpc::Status s = Get("events/123", &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"name"});
}

TEST_F(OrganisationsTest, ListFiltersByCountryNutsPrefixAndKind) {
  MustCreate(KofoedsSkole());
  Organisation torun = MustCreate(UrzadMarszalkowski());
  Organisation gdansk = MustCreate(BiserGdansk());
  MustCreate(RegionOrebro());
  MustCreate(HordalandFylkeskommune());

  ListOrganisationsRequest pl6;
  pl6.set_nuts_prefix("PL6");
  std::vector<Organisation> found = ListAll(pl6);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name(), torun.name());
  EXPECT_EQ(found[1].name(), gdansk.name());

  ListOrganisationsRequest regions;
  regions.add_kinds(Organisation::REGIONAL_AUTHORITY);
  regions.add_countries("PL");
  regions.add_countries("NO");
  found = ListAll(regions);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].display_name(), torun.display_name());
  EXPECT_EQ(found[1].display_name(), "Hordaland fylkeskommune");

  ListOrganisationsRequest bad;
  bad.add_countries("XX");
  bad.set_nuts_prefix("P");
  ListOrganisationsResponse page;
  grpc::Status s = List(bad, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), (std::vector<std::string>{"countries[0]", "nuts_prefix"}));
}

TEST_F(OrganisationsTest, PagesAreStableKeysetPagesInCreationOrder) {
  std::vector<std::string> created;
  for (int i = 0; i < 23; ++i) {
    Organisation o = BiserGdansk();
    o.set_display_name(absl::StrCat("NGO ", i));
    o.clear_identifiers();
    created.push_back(MustCreate(o).name());
  }
  std::vector<Organisation> paged = ListAll({}, /*page_size=*/5);
  ASSERT_EQ(paged.size(), 23u);
  for (int i = 0; i < 23; ++i) EXPECT_EQ(paged[i].name(), created[i]);

  // A token belongs to its filters.
  ListOrganisationsRequest first;
  first.set_page_size(5);
  ListOrganisationsResponse page;
  ASSERT_TRUE(List(first, &page).ok());
  ListOrganisationsRequest other;
  other.add_countries("DK");
  other.set_page_token(page.next_page_token());
  grpc::Status s = List(other, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"page_token"});

  ListOrganisationsRequest huge;
  huge.set_page_size(100000);
  ASSERT_TRUE(List(huge, &page).ok());
  EXPECT_EQ(page.organisations_size(), 23);
}

}  // namespace
}  // namespace coopnet::organisations
