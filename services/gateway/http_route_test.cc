#include "services/gateway/http_route.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/gateway/routes_test_fixture.h"

namespace coopnet::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

class RouteTableTest : public RoutesTest {
 protected:
  std::string MethodOf(const RouteMatch& match) {
    return match.route == nullptr ? "" : match.route->method->descriptor->name();
  }
};

TEST_F(RouteTableTest, BindsAResourceNameToItsVariable) {
  RouteMatch match = routes_->Match("GET", "/v1/events/01j9xyz");
  EXPECT_EQ(MethodOf(match), "GetEvent");
  EXPECT_THAT(match.bindings, ElementsAre(Pair("name", "events/01j9xyz")));
}

TEST_F(RouteTableTest, TellsCustomMethodsFromResourcesByTheirVerb) {
  EXPECT_EQ(MethodOf(routes_->Match("GET", "/v1/events:calendar")), "ListEventsCalendar");
  EXPECT_EQ(MethodOf(routes_->Match("GET", "/v1/events/01j9:calendar")), "GetEventCalendar");
  RouteMatch publish = routes_->Match("POST", "/v1/events/01j9:publish");
  EXPECT_EQ(MethodOf(publish), "PublishEvent");
  EXPECT_THAT(publish.bindings, ElementsAre(Pair("name", "events/01j9")));
  EXPECT_EQ(MethodOf(routes_->Match("GET", "/v1/organisations:search")), "SearchOrganisations");
}

TEST_F(RouteTableTest, BindsNestedFieldsAndChildResources) {
  RouteMatch update = routes_->Match("PATCH", "/v1/events/01j9");
  EXPECT_EQ(MethodOf(update), "UpdateEvent");
  EXPECT_THAT(update.bindings, ElementsAre(Pair("event.name", "events/01j9")));
  RouteMatch key = routes_->Match("GET", "/v1/organisations/01ab/apiKeys/01cd");
  EXPECT_EQ(MethodOf(key), "GetApiKey");
  EXPECT_THAT(key.bindings, ElementsAre(Pair("name", "organisations/01ab/apiKeys/01cd")));
}

// No verb is empty: a ':' that ends the path belongs to the resource's id, so the path
// never names the same resource as the one without it.
TEST_F(RouteTableTest, KeepsAColonEndingThePathInTheName) {
  RouteMatch match = routes_->Match("GET", "/v1/events/01j9:");
  EXPECT_EQ(MethodOf(match), "GetEvent");
  EXPECT_THAT(match.bindings, ElementsAre(Pair("name", "events/01j9:")));
  EXPECT_EQ(routes_->Match("GET", "/v1/events:").route, nullptr);
}

TEST_F(RouteTableTest, NamesTheAllowedMethodsOfAKnownPath) {
  RouteMatch wrong = routes_->Match("GET", "/v1/events/01j9:publish");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_THAT(wrong.allowed, ElementsAre("POST"));
  RouteMatch put = routes_->Match("PUT", "/v1/events/01j9");
  EXPECT_EQ(put.route, nullptr);
  EXPECT_THAT(put.allowed, ::testing::UnorderedElementsAre("GET", "PATCH", "DELETE"));
}

TEST_F(RouteTableTest, KnowsNothingOfUnknownPathsAndInternalMethods) {
  for (const char* path :
       {"/v1/nothing", "/", "", "v1/events", "/v1/events/", "/v1//x", "/v1/events/a/b/c/d"}) {
    RouteMatch match = routes_->Match("GET", path);
    EXPECT_EQ(match.route, nullptr) << path;
    EXPECT_THAT(match.allowed, IsEmpty()) << path;
  }
  RouteMatch authenticate = routes_->Match("POST", "/v1/apiKeys:authenticate");
  EXPECT_EQ(authenticate.route, nullptr);
  EXPECT_THAT(authenticate.allowed, IsEmpty());
}

TEST_F(RouteTableTest, DecodesPercentEscapesInVariables) {
  RouteMatch match = routes_->Match("GET", "/v1/organisations/K%C3%B8benhavn%20S");
  EXPECT_THAT(match.bindings, ElementsAre(Pair("name", "organisations/København S")));
}

// Decoded, `01j9%2Fregistrations%2F01ab` would make GetEvent's `name` a registration's.
TEST_F(RouteTableTest, MatchesNoNameWithAnEncodedSlashInASegment) {
  for (const char* path : {"/v1/events/01j9%2Fregistrations%2F01ab", "/v1/events/01j9%2f",
                           "/v1/organisations/01ab%2FapiKeys%2F01cd:revoke"}) {
    for (const char* method : {"GET", "POST"}) {
      RouteMatch match = routes_->Match(method, path);
      EXPECT_EQ(match.route, nullptr) << method << " " << path;
      EXPECT_THAT(match.allowed, IsEmpty()) << method << " " << path;
    }
  }
}

TEST(PathTemplate, ParsesVariablesLiteralsAndVerb) {
  auto parsed = PathTemplate::Parse("/v1/{name=organisations/*/apiKeys/*}:revoke");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->verb(), "revoke");
  ASSERT_EQ(parsed->segments().size(), 5u);
  EXPECT_EQ(parsed->literal_count(), 3);
  ASSERT_EQ(parsed->variables().size(), 1u);
  EXPECT_EQ(parsed->variables()[0].first_segment, 1);
  EXPECT_EQ(parsed->variables()[0].end_segment, 5);
}

TEST(PathTemplate, RefusesWhatGoogleApiHttpDoesNotAllow) {
  for (const char* text : {"v1/events", "/v1/{name=**}/x", "/v1/{a={b}}", "/v1/{name", "/v1/}",
                           "/v1//x", "/v1/events:", "/v1/{=x}"}) {
    EXPECT_FALSE(PathTemplate::Parse(text).ok()) << text;
  }
}

TEST(PathTemplate, LetsATrailingDoubleWildcardTakeTheRest) {
  auto parsed = PathTemplate::Parse("/v1/{path=files/**}");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::vector<std::pair<std::string, std::string>> bindings;
  EXPECT_TRUE(parsed->Match({"v1", "files", "a", "b"}, "", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Pair("path", "files/a/b")));
  EXPECT_FALSE(parsed->Match({"v2", "files"}, "", &bindings));
}

TEST(ParseQuery, DecodesNamesAndValues) {
  EXPECT_THAT(ParseQuery("a=1&b=x+y&c=%2F%zz&d&&e="),
              ElementsAre(Pair("a", "1"), Pair("b", "x y"), Pair("c", "/%zz"), Pair("d", ""),
                          Pair("e", "")));
}

}  // namespace
}  // namespace coopnet::gateway
