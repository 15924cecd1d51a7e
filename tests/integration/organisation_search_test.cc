// Partner search and lookup through the real gRPC API, on real PostgreSQL: the seed
// organisations among generated ones, found by accent-less, typo'd and partial text and by
// every filter, in stable pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "tests/harness/errors.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::FieldsOf;
using testing::ReasonOf;

using namespace testing::seeds;
using testing::OrganisationsStack;
using v1::Organisation;
using v1::SearchOrganisationsRequest;
using v1::SearchOrganisationsResponse;

struct Place {
  const char* city;
  const char* country;
  const char* nuts;
  const char* language;
};

// Where the generated organisations are: none in the seeds' regions.
constexpr Place kPlaces[] = {
    {"Aarhus", "DK", "DK042", "da"},  {"Kraków", "PL", "PL213", "pl"},
    {"Uppsala", "SE", "SE121", "sv"}, {"Bergen", "NO", "NO0A1", "nb"},
    {"Leipzig", "DE", "DED51", "de"}, {"Tartu", "EE", "EE008", "et"},
};
constexpr const char* kPrefixes[] = {"Foreningen", "Fundacja", "Stiftelsen", "Verein", "Forum"};
constexpr const char* kTopics[] = {"Youth", "Culture", "Green", "Inclusion"};
constexpr const char* kThemes[] = {"youth", "culture", "green-transition", "social-inclusion"};

// Organisations around the seeds, some of whose descriptions mention the seeds' places
// and words, or forms of them, so that "first" means something.
Organisation Generated(int i) {
  const Place& place = kPlaces[i % 6];
  Organisation o;
  o.set_display_name(absl::StrCat(kPrefixes[i % 5], " ", kTopics[i % 4], " ", place.city, " ", i));
  o.set_kind(i % 3 == 0 ? Organisation::NGO
                        : (i % 3 == 1 ? Organisation::ASSOCIATION : Organisation::MUNICIPALITY));
  o.set_country(place.country);
  o.set_nuts_region(place.nuts);
  o.set_city(place.city);
  std::string english = absl::StrCat("We run ", kThemes[i % 4], " projects in ", place.city);
  if (i % 4 == 0) absl::StrAppend(&english, " and youth exchanges");
  if (i % 7 == 0) absl::StrAppend(&english, "; last year a study visit to Örebro");
  if (i % 9 == 0) absl::StrAppend(&english, "; partners in Copenhagen (København)");
  (*o.mutable_description()->mutable_translations())["en"] = english;
  if (i % 5 == 1) {
    (*o.mutable_description()->mutable_translations())["pl"] =
        "Szukamy partnerów do współpracy w regionie";
  }
  o.mutable_description()->set_default_language("en");
  o.add_working_languages(place.language);
  if (i % 2 == 0) o.add_working_languages("en-GB");
  o.add_themes(kThemes[i % 4]);
  o.add_sdgs(1 + i % 17);
  o.set_international_experience(i % 3 == 0 ? Organisation::EXPERIENCED : Organisation::SOME);
  o.set_looking_for_partners(i % 2 == 1);
  return o;
}

constexpr int kGenerated = 48;

class OrganisationSearchTest : public ::testing::Test {
 protected:
  OrganisationSearchTest()
      : stack_(db_.dsn(), testing::SharedRedisAddress()), stub_(stack_.Stub()) {}

  void SetUp() override {
    // Seeds first: where relevance ties, the older organisation comes first.
    kofoed_ = MustCreate(KofoedsSkole());
    urzad_ = MustCreate(UrzadMarszalkowski());
    biser_ = MustCreate(BiserGdansk());
    orebro_ = MustCreate(RegionOrebro());
    hordaland_ = MustCreate(HordalandFylkeskommune());
    for (int i = 0; i < kGenerated; ++i) MustCreate(Generated(i));
  }

  Organisation MustCreate(const Organisation& o) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    *request.mutable_organisation() = o;
    Organisation created;
    grpc::Status s = stub_->CreateOrganisation(&context, request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }

  grpc::Status Search(const SearchOrganisationsRequest& request,
                      SearchOrganisationsResponse* response) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
    return stub_->SearchOrganisations(&context, request, response);
  }

  // The names found, first page only.
  std::vector<std::string> Found(const SearchOrganisationsRequest& request) {
    SearchOrganisationsResponse response;
    grpc::Status s = Search(request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& hit : response.results()) names.push_back(hit.organisation().name());
    return names;
  }

  std::vector<std::string> Found(const std::string& query) {
    SearchOrganisationsRequest request;
    request.set_query(query);
    return Found(request);
  }

  std::string First(const std::string& query) {
    std::vector<std::string> found = Found(query);
    return found.empty() ? "(nothing)" : found.front();
  }

  // Every hit, following pages of `page_size`.
  std::vector<v1::OrganisationHit> SearchAll(SearchOrganisationsRequest request, int page_size) {
    std::vector<v1::OrganisationHit> all;
    request.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      SearchOrganisationsResponse page;
      grpc::Status s = Search(request, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), page.results().begin(), page.results().end());
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    return all;
  }

  testing::TestDatabase db_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> stub_;
  Organisation kofoed_, urzad_, biser_, orebro_, hordaland_;
};

TEST_F(OrganisationSearchTest, FoldingDropsCaseAndAccentsAndMapsLettersThatDoNotDecompose) {
  const std::pair<const char*, const char*> cases[] = {
      {"Örebro", "orebro"},
      {"Współpraca MIĘDZYNARODOWA", "wspolpraca miedzynarodowa"},
      {"København", "kobenhavn"},
      {"ÆRØ Ærø", "aero aero"},
      {"Ålesund", "alesund"},
      {"Łódź", "lodz"},
      {"Straße STRASSE ẞ", "strasse strasse ss"},
      {"Þingvellir Œuvre Đakovo ðø ħ ı ĳ", "thingvellir oeuvre dakovo do h i ij"},
      {"Cluj-Napoca, Iași; Şiauliai", "cluj-napoca, iasi; siauliai"},
      // Decomposed input folds like composed input.
      {"O\xcc\x88rebro", "orebro"},
      {"Αθήνα Москва", "αθηνα москва"},
  };
  for (const auto& [text, folded] : cases) {
    auto r = stack_.pool().Exec(pg::Statement("SELECT coopnet_fold($1)"), std::string(text));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->GetString(0, 0), folded) << text;
  }
}

TEST_F(OrganisationSearchTest, AccentlessQueriesFindTheAccentedOrganisationFirst) {
  EXPECT_EQ(First("Orebro"), orebro_.name());
  EXPECT_EQ(First("OREBRO"), orebro_.name());
  EXPECT_EQ(First("örebro län"), orebro_.name());
  EXPECT_EQ(First("wspolpraca"), urzad_.name());
  EXPECT_EQ(First("kobenhavn"), kofoed_.name());
  EXPECT_EQ(First("Torun"), urzad_.name());
  EXPECT_EQ(First("gdansk"), biser_.name());
}

TEST_F(OrganisationSearchTest, AccentedQueriesFindAccentlessText) {
  Organisation plain = Generated(100);
  plain.set_display_name("Lodz Youth Office");
  const Organisation created = MustCreate(plain);
  EXPECT_EQ(First("Łódź"), created.name());
}

TEST_F(OrganisationSearchTest, OneOrTwoTyposStillFindTheOrganisationFirst) {
  EXPECT_EQ(First("Hordalnd"), hordaland_.name());     // one letter missing
  EXPECT_EQ(First("Hordlnd"), hordaland_.name());      // two
  EXPECT_EQ(First("fylkskomune"), hordaland_.name());  // two
  EXPECT_EQ(First("Marszalkowsky"), urzad_.name());    // one wrong
  EXPECT_EQ(First("wojewodstwa"), urzad_.name());      // one wrong
  EXPECT_EQ(First("Kofeods Skole"), kofoed_.name());   // two swapped
  EXPECT_EQ(First("biserr"), biser_.name());           // one too many
}

TEST_F(OrganisationSearchTest, TheWordsAQueryBeginsFindTheirOrganisation) {
  EXPECT_EQ(First("fylkesk"), hordaland_.name());
  EXPECT_EQ(First("Marszał"), urzad_.name());
}

TEST_F(OrganisationSearchTest, ExactWordsOutrankTyposAndNamesOutrankDescriptions) {
  // The seed holds `współpraca`; a generated description holds `współpracy`.
  SearchOrganisationsRequest request;
  request.set_query("wspolpraca");
  std::vector<v1::OrganisationHit> hits = SearchAll(request, 50);
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].organisation().name(), urzad_.name());
  EXPECT_GT(hits[0].relevance(), hits[1].relevance());
  // Örebro in a name beats Örebro in a description.
  request.set_query("Orebro");
  hits = SearchAll(request, 50);
  ASSERT_GE(hits.size(), 2u);
  EXPECT_DOUBLE_EQ(hits[0].relevance(), 1.0);
  EXPECT_DOUBLE_EQ(hits[1].relevance(), 0.7);
}

TEST_F(OrganisationSearchTest, EveryWordOfTheQueryMustMatch) {
  EXPECT_EQ(First("Region Orebro"), orebro_.name());
  for (const std::string& name : Found("Region Orebro")) EXPECT_NE(name, kofoed_.name());
  EXPECT_TRUE(Found("Region Gdansk").empty());
  EXPECT_TRUE(Found("zzyzx").empty());
}

TEST_F(OrganisationSearchTest, NutsPrefixFindsEveryRegionUnderIt) {
  SearchOrganisationsRequest request;
  request.set_nuts_prefix("PL6");
  std::vector<std::string> found = Found(request);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()),
            (std::set<std::string>{urzad_.name(), biser_.name()}));
  request.set_query("Gdansk");
  EXPECT_EQ(Found(request), std::vector<std::string>{biser_.name()});
  request.clear_query();
  request.set_nuts_prefix("SE1");
  found = Found(request);
  EXPECT_EQ(found.back(), orebro_.name());  // newest first: the seed is the oldest
  EXPECT_EQ(found.size(), 1u + kGenerated / 6);
}

TEST_F(OrganisationSearchTest, EachFilterKeepsOnlyWhatItNames) {
  auto all_match = [&](SearchOrganisationsRequest request,
                       const std::function<bool(const Organisation&)>& holds) {
    std::vector<v1::OrganisationHit> hits = SearchAll(request, 500);
    EXPECT_FALSE(hits.empty()) << request.ShortDebugString();
    for (const auto& hit : hits) {
      EXPECT_TRUE(holds(hit.organisation()))
          << request.ShortDebugString() << " found " << hit.organisation().display_name();
    }
    return hits.size();
  };
  SearchOrganisationsRequest request;
  request.add_countries("NO");
  request.add_countries("EE");
  all_match(request,
            [](const Organisation& o) { return o.country() == "NO" || o.country() == "EE"; });
  request.Clear();
  request.add_kinds(Organisation::REGIONAL_AUTHORITY);
  EXPECT_EQ(
      all_match(request,
                [](const Organisation& o) { return o.kind() == Organisation::REGIONAL_AUTHORITY; }),
      3u);
  request.Clear();
  request.add_themes("social-inclusion");
  all_match(request, [](const Organisation& o) {
    return std::count(o.themes().begin(), o.themes().end(), "social-inclusion") > 0;
  });
  request.Clear();
  request.add_sdgs(10);
  all_match(request, [](const Organisation& o) {
    return std::count(o.sdgs().begin(), o.sdgs().end(), 10) > 0;
  });
  request.Clear();
  // `en` finds `en` and `en-GB`.
  request.add_working_languages("en");
  request.set_query("youth");
  all_match(request, [](const Organisation& o) {
    for (const std::string& tag : o.working_languages()) {
      if (tag == "en" || tag == "en-GB") return true;
    }
    return false;
  });
  request.Clear();
  request.add_experience(Organisation::EXPERIENCED);
  request.set_looking_for_partners(true);
  all_match(request, [](const Organisation& o) {
    return o.international_experience() == Organisation::EXPERIENCED && o.looking_for_partners();
  });
}

TEST_F(OrganisationSearchTest, ACountryGroupHoldsItsCountriesAndTheRegionsItCoversInPart) {
  // The Baltic Sea region: Aarhus, Kraków, Uppsala, Bergen (Vestland), Tartu and the five
  // seeds; not Leipzig, in a part of Germany outside it.
  SearchOrganisationsRequest request;
  request.add_countries("INTERREG_BSR");
  std::vector<v1::OrganisationHit> hits = SearchAll(request, 500);
  EXPECT_EQ(hits.size(), 5u + kGenerated / 6 * 5);
  for (const auto& hit : hits) EXPECT_NE(hit.organisation().country(), "DE");
  // Central Europe: Leipzig (Saxony) and Poland's.
  request.set_countries(0, "INTERREG_CENTRAL_EUROPE");
  hits = SearchAll(request, 500);
  EXPECT_EQ(hits.size(), 2u + kGenerated / 6 * 2);
  for (const auto& hit : hits) {
    EXPECT_TRUE(hit.organisation().country() == "PL" ||
                hit.organisation().nuts_region().rfind("DED", 0) == 0)
        << hit.organisation().display_name();
  }
  // With text the words are looked up in each country, the regions confining Germany.
  request.set_query("Leipzig");
  EXPECT_EQ(Found(request).size(), static_cast<size_t>(kGenerated / 6));
  request.set_countries(0, "INTERREG_BSR");
  EXPECT_TRUE(Found(request).empty());
  request.set_query("Gdansk");
  EXPECT_EQ(Found(request), std::vector<std::string>{biser_.name()});

  // The directory's list takes groups the same way.
  v1::ListOrganisationsRequest list;
  list.add_countries("INTERREG_CENTRAL_EUROPE");
  list.set_page_size(100);
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
  v1::ListOrganisationsResponse listed;
  ASSERT_TRUE(stub_->ListOrganisations(&context, list, &listed).ok());
  EXPECT_EQ(listed.organisations_size(), 2 + kGenerated / 6 * 2);
}

TEST_F(OrganisationSearchTest, TheCountryGroupsAreListedWithTheirRegions) {
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
  v1::ListCountryGroupsResponse groups;
  ASSERT_TRUE(stub_->ListCountryGroups(&context, v1::ListCountryGroupsRequest(), &groups).ok());
  EXPECT_FALSE(groups.version().empty());
  const auto bsr =
      std::find_if(groups.country_groups().begin(), groups.country_groups().end(),
                   [](const v1::CountryGroup& g) { return g.code() == "INTERREG_BSR"; });
  ASSERT_NE(bsr, groups.country_groups().end());
  EXPECT_EQ(bsr->display_name(), "Interreg Baltic Sea Region");
  EXPECT_NE(std::find(bsr->regions().begin(), bsr->regions().end(), "DE8"), bsr->regions().end());
  EXPECT_EQ(std::find(bsr->countries().begin(), bsr->countries().end(), "DE"),
            bsr->countries().end());
}

TEST_F(OrganisationSearchTest, WithoutTextTheNewestComeFirst) {
  std::vector<v1::OrganisationHit> hits = SearchAll(SearchOrganisationsRequest(), 500);
  ASSERT_EQ(hits.size(), 5u + kGenerated);
  EXPECT_EQ(hits.back().organisation().name(), kofoed_.name());
  for (size_t i = 1; i < hits.size(); ++i) {
    EXPECT_GT(hits[i - 1].organisation().name(), hits[i].organisation().name());
  }
}

TEST_F(OrganisationSearchTest, PagesGiveEveryHitOnceInTheOrderOfOnePage) {
  SearchOrganisationsRequest request;
  request.set_query("youth projects");
  const std::vector<v1::OrganisationHit> whole = SearchAll(request, 500);
  ASSERT_GT(whole.size(), 10u);
  const std::vector<v1::OrganisationHit> paged = SearchAll(request, 4);
  ASSERT_EQ(paged.size(), whole.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(paged[i].organisation().name(), whole[i].organisation().name()) << i;
    EXPECT_TRUE(seen.insert(paged[i].organisation().name()).second);
    if (i > 0) {
      // Most relevant first; ties in creation order.
      EXPECT_TRUE(whole[i - 1].relevance() > whole[i].relevance() ||
                  (whole[i - 1].relevance() == whole[i].relevance() &&
                   whole[i - 1].organisation().name() < whole[i].organisation().name()));
    }
  }
  // Ties exist here, so the id really decides between equals.
  std::set<double> relevances;
  for (const auto& hit : whole) relevances.insert(hit.relevance());
  EXPECT_LT(relevances.size(), whole.size());
}

TEST_F(OrganisationSearchTest, ATokenFromAnotherQueryIsRefused) {
  SearchOrganisationsRequest request;
  request.set_query("youth");
  request.set_page_size(2);
  SearchOrganisationsResponse first;
  ASSERT_TRUE(Search(request, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  for (const auto& change : std::vector<std::function<void(SearchOrganisationsRequest&)>>{
           [](auto& r) { r.set_query("culture"); }, [](auto& r) { r.add_countries("DK"); },
           [](auto& r) { r.set_looking_for_partners(true); }}) {
    SearchOrganisationsRequest other = request;
    other.set_page_token(first.next_page_token());
    change(other);
    SearchOrganisationsResponse response;
    grpc::Status s = Search(other, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"page_token"});
  }
  request.set_page_token("not-a-token");
  SearchOrganisationsResponse response;
  EXPECT_EQ(FieldsOf(Search(request, &response)), std::vector<std::string>{"page_token"});
}

TEST_F(OrganisationSearchTest, BadFiltersNameTheField) {
  SearchOrganisationsRequest request;
  request.add_countries("PL");
  request.add_countries("Poland");
  request.set_nuts_prefix("pl6");
  request.add_sdgs(0);
  request.set_network("network-1");
  SearchOrganisationsResponse response;
  grpc::Status s = Search(request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s),
            (std::vector<std::string>{"countries[1]", "nuts_prefix", "sdgs[0]", "network"}));
}

TEST_F(OrganisationSearchTest, AQueryWithoutWordsSearchesByFiltersAlone) {
  SearchOrganisationsRequest request;
  request.set_query("- ! a");
  request.add_countries("SE");
  std::vector<std::string> found = Found(request);
  EXPECT_EQ(found.size(), 1u + kGenerated / 6);
  EXPECT_EQ(found.back(), orebro_.name());
}

TEST_F(OrganisationSearchTest, AnUpdatedNameIsFoundAndTheOldOneNoLonger) {
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Admin());
  v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name(biser_.name());
  update.mutable_organisation()->set_display_name("Bałtycka Sieć Współpracy");
  update.mutable_update_mask()->add_paths("display_name");
  Organisation updated;
  ASSERT_TRUE(stub_->UpdateOrganisation(&context, update, &updated).ok());
  EXPECT_EQ(First("Baltycka"), biser_.name());
  EXPECT_TRUE(Found("biser").empty());
}

TEST_F(OrganisationSearchTest, NetworkFilterKeepsItsMembersOnly) {
  auto networks = stack_.NetworkStub();
  v1::Network network;
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateNetworkRequest request;
    *request.mutable_network() = NgoNetvaerk(kofoed_.name());
    grpc::Status s = networks->CreateNetwork(&context, request, &network);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::AddMemberRequest request;
    request.set_parent(network.name());
    request.mutable_membership()->set_organisation(orebro_.name());
    request.mutable_membership()->set_role(v1::Membership::MEMBER);
    v1::Membership membership;
    grpc::Status s = networks->AddMember(&context, request, &membership);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  SearchOrganisationsRequest request;
  request.set_network(network.name());
  std::vector<std::string> found = Found(request);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()),
            (std::set<std::string>{kofoed_.name(), orebro_.name()}));
  request.set_query("region");
  EXPECT_EQ(Found(request), std::vector<std::string>{orebro_.name()});
}

TEST_F(OrganisationSearchTest, LookupFindsWhoHoldsAnIdentifier) {
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
  v1::LookupOrganisationRequest request;
  request.mutable_identifier()->set_scheme("PIC");
  request.mutable_identifier()->set_value("949685493");
  Organisation found;
  grpc::Status s = stub_->LookupOrganisation(&context, request, &found);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(found.name(), urzad_.name());
  EXPECT_EQ(found.identifiers(0).value(), "949685493");
}

TEST_F(OrganisationSearchTest, LookupOfAnIdentifierNobodyHoldsIsNotFound) {
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
  v1::LookupOrganisationRequest request;
  request.mutable_identifier()->set_scheme("PIC");
  request.mutable_identifier()->set_value("123456789");
  Organisation found;
  grpc::Status s = stub_->LookupOrganisation(&context, request, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(s), "IDENTIFIER_NOT_FOUND");
}

TEST_F(OrganisationSearchTest, LookupOfAMalformedIdentifierNamesTheField) {
  grpc::ClientContext context;
  OrganisationsStack::Sign(context, principal::Anonymous("198.51.100.7"));
  v1::LookupOrganisationRequest request;
  request.mutable_identifier()->set_scheme("PIC");
  request.mutable_identifier()->set_value("94968549");
  Organisation found;
  grpc::Status s = stub_->LookupOrganisation(&context, request, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldsOf(s), std::vector<std::string>{"identifier.value"});
}

}  // namespace
}  // namespace coopnet::organisations
