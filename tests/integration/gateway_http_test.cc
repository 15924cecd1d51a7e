// The gateway's HTTP/JSON port in front of the real organisations and events processes,
// used as a regional portal would: JSON bodies, query filters, an API key, CORS from the
// portal's origin, iCalendar for the calendar widget, and every way of getting it wrong.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/metrics/metrics.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/servers.h"

namespace coopnet::gateway {
namespace {

using testing::GatewayStack;
using ::testing::HasSubstr;
using testing::HttpReply;
using ::testing::Not;

constexpr char kPortal[] = "https://portal.regionorebrolan.se";

// A field of a JSON object answer ("" when absent or not a string).
std::string Field(const std::string& json, const std::string& name) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) return "";
  auto it = object.fields().find(name);
  return it == object.fields().end() ? "" : it->second.string_value();
}

google::rpc::Status StatusOf(const HttpReply& reply) {
  google::rpc::Status status;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &status, options).ok())
      << reply.body;
  return status;
}

const char kMeeting[] = R"({
  "title": {"translations": {"da": "Informations- og debatmøde", "en": "Information and debate meeting"},
            "defaultLanguage": "da"},
  "kind": "INFO_MEETING", "organiser": "ORGANISER",
  "startTime": "2022-10-13T14:30:00Z", "endTime": "END", "timeZone": "Europe/Copenhagen",
  "attendanceMode": "IN_PERSON",
  "venue": {"name": "Kofoeds Skole", "room": "Scherfig-salen",
            "address": {"regionCode": "DK", "postalCode": "2300", "locality": "København S"},
            "nutsRegion": "DK011"}})";

class GatewayHttpTest : public ::testing::Test {
 protected:
  static GatewayOptions WithPortal() {
    GatewayOptions options = GatewayStack::Unlimited();
    options.cors_origins = {kPortal};
    return options;
  }

  explicit GatewayHttpTest(GatewayOptions options = WithPortal())
      : backends_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress()),
        gateway_(testing::BackendsOf(backends_), std::move(options)) {}

  // Kofoeds Skole and a key of its own with the read and write scopes, made through HTTP.
  void SetUp() override {
    HttpReply organisation = gateway_.Http(
        "POST", "/v1/organisations",
        R"({"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK", "nutsRegion": "DK011"})",
        {GatewayStack::AdminAuthorization()});
    ASSERT_EQ(organisation.status, 200) << organisation.body;
    organiser_ = Field(organisation.body, "name");
    HttpReply key =
        gateway_.Http("POST", absl::StrCat("/v1/", organiser_, "/apiKeys"),
                      R"({"displayName": "Portal", "scopes": ["SCOPE_READ", "SCOPE_WRITE"]})",
                      {GatewayStack::AdminAuthorization()});
    ASSERT_EQ(key.status, 200) << key.body;
    google::protobuf::Struct answer;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(key.body, &answer).ok());
    key_ = answer.fields().at("key").string_value();
  }

  std::string Meeting(const std::string& end = "2022-10-13T16:30:00Z") {
    std::string body = kMeeting;
    body.replace(body.find("ORGANISER"), 9, organiser_);
    body.replace(body.find("END"), 3, end);
    return body;
  }

  testing::Header Key() const { return GatewayStack::KeyAuthorization(key_); }

  testing::TestDatabase organisations_db_, events_db_;
  testing::EventsStack backends_;
  GatewayStack gateway_;
  std::string organiser_;
  std::string key_;
};

TEST_F(GatewayHttpTest, APortalPublishesAMeetingAndAnybodyReadsIt) {
  HttpReply created =
      gateway_.Http("POST", "/v1/events?requestId=copenhagen-2022", Meeting(), {Key()});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.headers["content-type"], "application/json");
  const std::string name = Field(created.body, "name");
  EXPECT_EQ(Field(created.body, "state"), "DRAFT");

  HttpReply published = gateway_.Http("POST", absl::StrCat("/v1/", name, ":publish"), "", {Key()});
  ASSERT_EQ(published.status, 200) << published.body;
  // 13 October 2022 is over: a published event that has ended reads COMPLETED.
  EXPECT_THAT(Field(published.body, "state"), ::testing::AnyOf("PUBLISHED", "COMPLETED"));

  HttpReply read = gateway_.Http("GET", absl::StrCat("/v1/", name));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(Field(read.body, "timeZone"), "Europe/Copenhagen");

  HttpReply listed =
      gateway_.Http("GET", "/v1/events?countries=DK&kinds=INFO_MEETING&pageSize=100000");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_THAT(listed.body, HasSubstr(name));
  HttpReply elsewhere = gateway_.Http("GET", "/v1/events?countries=SE");
  ASSERT_EQ(elsewhere.status, 200) << elsewhere.body;
  EXPECT_THAT(elsewhere.body, ::testing::Not(HasSubstr(name)));
}

// Every answer says its type is not to be sniffed; what may hold personal data (a keyed
// caller's answers, any write's) is never kept by a browser or proxy, public reads may be.
TEST_F(GatewayHttpTest, AnswersThatMayHoldPersonalDataAreNeverStored) {
  HttpReply created = gateway_.Http("POST", "/v1/events", Meeting(), {Key()});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(created.headers["cache-control"], "no-store");
  HttpReply keyed = gateway_.Http("GET", absl::StrCat("/v1/", organiser_), "", {Key()});
  ASSERT_EQ(keyed.status, 200) << keyed.body;
  EXPECT_EQ(keyed.headers["cache-control"], "no-store");

  HttpReply public_read = gateway_.Http("GET", absl::StrCat("/v1/", organiser_));
  ASSERT_EQ(public_read.status, 200) << public_read.body;
  EXPECT_EQ(public_read.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(public_read.headers.count("cache-control"), 0u);
  HttpReply refused = gateway_.Http("GET", "/v1/nothing-here");
  EXPECT_EQ(refused.headers["x-content-type-options"], "nosniff");
}

TEST_F(GatewayHttpTest, ServesTheCalendarInTheReadersLanguage) {
  HttpReply created = gateway_.Http("POST", "/v1/events", Meeting(), {Key()});
  const std::string name = Field(created.body, "name");
  ASSERT_EQ(gateway_.Http("POST", absl::StrCat("/v1/", name, ":publish"), "{}", {Key()}).status,
            200);

  HttpReply calendar = gateway_.Http("GET", absl::StrCat("/v1/", name, ":calendar"), "",
                                     {{"Accept-Language", "en-GB, da;q=0.5"}});
  ASSERT_EQ(calendar.status, 200) << calendar.body;
  EXPECT_EQ(calendar.headers["content-type"], "text/calendar; charset=utf-8");
  EXPECT_THAT(calendar.body, HasSubstr("BEGIN:VCALENDAR"));
  EXPECT_THAT(calendar.body, HasSubstr("DTSTART;TZID=Europe/Copenhagen:20221013T163000"));
  EXPECT_THAT(calendar.body, HasSubstr("SUMMARY;LANGUAGE=en:Information and debate meeting"));
  HttpReply danish = gateway_.Http("GET", absl::StrCat("/v1/", name, ":calendar"), "",
                                   {{"Accept-Language", "da"}});
  EXPECT_THAT(danish.body, HasSubstr("SUMMARY;LANGUAGE=da:Informations- og debatmøde"));
}

TEST_F(GatewayHttpTest, UpdatesWithAMaskAndDeletesADraft) {
  const std::string name =
      Field(gateway_.Http("POST", "/v1/events", Meeting(), {Key()}).body, "name");
  HttpReply updated = gateway_.Http(
      "PATCH", absl::StrCat("/v1/", name, "?updateMask=summary"),
      R"({"summary": {"translations": {"da": "Erfaringsudveksling"}, "defaultLanguage": "da"}})",
      {Key()});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_THAT(updated.body, HasSubstr("Erfaringsudveksling"));
  HttpReply deleted = gateway_.Http("DELETE", absl::StrCat("/v1/", name), "", {Key()});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, "{}");
  EXPECT_EQ(gateway_.Http("GET", absl::StrCat("/v1/", name), "", {Key()}).status, 404);
}

// Every way of getting a request wrong is a clear 4xx with a google.rpc.Status, and
// nothing is created.
TEST_F(GatewayHttpTest, RefusesBadRequestsClearlyAndChangesNothing) {
  struct Case {
    std::string method, target, body;
    std::vector<testing::Header> headers;
    int status;
    std::string field_or_reason;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/events", R"({"title": )", {Key()}, 400, "event"},
      {"POST", "/v1/events", R"({"kind": "MEETING"})", {Key()}, 400, "event.kind"},
      {"POST", "/v1/events", R"({"startTime": true})", {Key()}, 400, "event.start_time"},
      {"POST", "/v1/events", R"({"colour": "red"})", {Key()}, 400, "event"},
      {"POST", "/v1/events", Meeting("2022-10-13T13:00:00Z"), {Key()}, 400, "event.end_time"},
      {"GET", "/v1/events?upcoming=soon", "", {}, 400, "upcoming"},
      {"GET", "/v1/events?colour=red", "", {}, 400, "colour"},
      {"POST", "/v1/events", Meeting(), {}, 401, "API_KEY_REQUIRED"},
      {"POST",
       "/v1/events",
       Meeting(),
       {GatewayStack::KeyAuthorization("cnk_forged00_" + std::string(64, 'a'))},
       401,
       "API_KEY_INVALID"},
      {"POST",
       "/v1/events",
       Meeting(),
       {{"Authorization", "Basic a2V5OnNlY3JldA=="}},
       401,
       "AUTHORIZATION_MALFORMED"},
      {"GET", "/v1/nothing", "", {}, 404, "UNKNOWN_ROUTE"},
      {"POST", "/v1/apiKeys:authenticate", R"({"key": "cnk_x"})", {}, 404, "UNKNOWN_ROUTE"},
      {"GET", "/v1/events/01hzzzzzzzzzzzzzzzzzzzzzzz", "", {}, 404, "NOT_FOUND"},
  };
  for (const Case& c : cases) {
    HttpReply reply = gateway_.Http(c.method, c.target, c.body, c.headers);
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.target << " " << reply.body;
    EXPECT_EQ(reply.headers["content-type"], "application/json") << c.target;
    const google::rpc::Status status = StatusOf(reply);
    EXPECT_NE(status.code(), 0) << reply.body;
    EXPECT_THAT(reply.body, HasSubstr(c.field_or_reason)) << c.target;
  }
  HttpReply wrong_method = gateway_.Http("GET", "/v1/events/01hzzzzzzzzzzzzzzzzzzzzzzz:publish");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "POST");

  std::string huge = Meeting();
  huge.insert(huge.find("\"kind\""), absl::StrCat("\"summary\": {\"translations\": {\"da\": \"",
                                                  std::string(10 << 20, 'x'), "\"}},"));
  HttpReply too_large = gateway_.Http("POST", "/v1/events", huge, {Key()});
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(StatusOf(too_large).code(), static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));

  HttpReply list = gateway_.Http("GET", "/v1/events?organiser=" + organiser_, "", {Key()});
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body, "{}");
}

TEST_F(GatewayHttpTest, KeepsAConnectionAliveAcrossRequests) {
  testing::HttpClient client(gateway_.http_port());
  for (int i = 0; i < 5; ++i) {
    HttpReply reply = client.Send("GET", absl::StrCat("/v1/", organiser_));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(Field(reply.body, "displayName"), "Kofoeds Skole");
  }
  EXPECT_EQ(client.Send("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(client.Send("GET", "/openapi.json").status, 200);
  EXPECT_FALSE(client.closed_by_server());
}

TEST_F(GatewayHttpTest, LetsTheConfiguredPortalCallFromABrowser) {
  HttpReply preflight = gateway_.Http("OPTIONS", "/v1/events", "",
                                      {{"Origin", kPortal},
                                       {"Access-Control-Request-Method", "POST"},
                                       {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], kPortal);
  EXPECT_THAT(preflight.headers["access-control-allow-headers"], HasSubstr("Authorization"));

  HttpReply read =
      gateway_.Http("GET", absl::StrCat("/v1/", organiser_), "", {{"Origin", kPortal}});
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.headers["access-control-allow-origin"], kPortal);

  HttpReply stranger = gateway_.Http(
      "OPTIONS", "/v1/events", "",
      {{"Origin", "https://elsewhere.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(stranger.status, 403);
  EXPECT_EQ(stranger.headers.count("access-control-allow-origin"), 0u);
}

TEST_F(GatewayHttpTest, DescribesItselfInOpenApi) {
  HttpReply reply = gateway_.Http("GET", "/openapi.json");
  ASSERT_EQ(reply.status, 200);
  google::protobuf::Struct document;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &document).ok());
  const auto& paths = document.fields().at("paths").struct_value().fields();
  for (const char* path : {"/v1/events/{event}", "/v1/events/{event}:calendar", "/v1/organisations",
                           "/v1/organisations/{organisation}/apiKeys/{apiKey}:revoke"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  EXPECT_FALSE(paths.contains("/v1/apiKeys:authenticate"));
}

TEST_F(GatewayHttpTest, ABackendDownIsServiceUnavailable) {
  backends_.StopOrganisations();
  const absl::Time start = absl::Now();
  HttpReply reply = gateway_.Http("GET", absl::StrCat("/v1/", organiser_));
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("BACKEND_UNAVAILABLE"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
}

// The value of the series `series` (name and labels, as scraped) in the process's shared
// registry, where the in-process gateway counts; 0 before it has been counted.
double Scraped(const std::string& series) {
  const std::string text =
      prometheus::TextSerializer().Serialize(metrics::SharedRegistry()->Collect());
  const size_t at = text.find("\n" + series + " ");
  double value = 0;
  if (at == std::string::npos) return value;
  const size_t start = at + series.size() + 2;
  EXPECT_TRUE(absl::SimpleAtod(text.substr(start, text.find('\n', start) - start), &value));
  return value;
}

TEST_F(GatewayHttpTest, CountsEachAnswerByRouteTemplateAndEachBackendCallByCode) {
  const std::string http_not_found =
      "coopnet_http_requests_total{code=\"404\",method=\"GET\",route=\"/v1/{name=organisations/"
      "*}\"}";
  const std::string unmatched =
      "coopnet_http_requests_total{code=\"404\",method=\"GET\",route=\"unmatched\"}";
  const std::string backend_not_found =
      "grpc_client_handled_total{grpc_code=\"NotFound\",grpc_method=\"GetOrganisation\","
      "grpc_service=\"coopnet.organisations.v1.OrganisationService\",grpc_type=\"unary\"}";
  const double before[] = {Scraped(http_not_found), Scraped(unmatched), Scraped(backend_not_found)};

  EXPECT_EQ(gateway_.Http("GET", "/v1/organisations/01hzzzzzzzzzzzzzzzzzzzzzzz").status, 404);
  EXPECT_EQ(gateway_.Http("GET", "/v1/no/such/path/01hzzzzzzzzzzzzzzzzzzzzzzz").status, 404);

  EXPECT_EQ(Scraped(http_not_found), before[0] + 1);
  EXPECT_EQ(Scraped(unmatched), before[1] + 1);
  EXPECT_EQ(Scraped(backend_not_found), before[2] + 1);
  const std::string text =
      prometheus::TextSerializer().Serialize(metrics::SharedRegistry()->Collect());
  EXPECT_THAT(text, Not(HasSubstr("01hzzzzzzzzzzzzzzzzzzzzzzz")));
  EXPECT_THAT(text, HasSubstr("coopnet_http_request_duration_seconds_bucket{method=\"GET\","
                              "route=\"/v1/{name=organisations/*}\",le=\"0.005\"}"));
}

// Anonymous public reads answered again, as rendered, within the cache time (long here,
// to see which answers come from where).
class GatewayHttpAnswerCacheTest : public GatewayHttpTest {
 protected:
  static GatewayOptions LongAnswers() {
    GatewayOptions options = WithPortal();
    options.anonymous_cache_time = absl::Minutes(5);
    return options;
  }
  GatewayHttpAnswerCacheTest() : GatewayHttpTest(LongAnswers()) {}
};

TEST_F(GatewayHttpAnswerCacheTest, AnonymousReadersGetTheKeptPageWithTheirOwnHeaders) {
  const std::string path = absl::StrCat("/v1/", organiser_);
  ASSERT_EQ(Field(gateway_.Http("GET", path).body, "displayName"), "Kofoeds Skole");
  HttpReply renamed = gateway_.Http("PATCH", absl::StrCat(path, "?updateMask=display_name"),
                                    R"({"displayName": "Kofoeds Skole, Amager"})",
                                    {GatewayStack::AdminAuthorization()});
  ASSERT_EQ(renamed.status, 200) << renamed.body;

  // The same question, now from the portal in a browser: the page kept, as JSON, with
  // the CORS header this request needs (the first one had no Origin).
  HttpReply again = gateway_.Http("GET", path, "", {{"Origin", kPortal}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Field(again.body, "displayName"), "Kofoeds Skole");
  EXPECT_EQ(again.headers["content-type"], "application/json");
  EXPECT_EQ(again.headers["access-control-allow-origin"], kPortal);
  // Without the Origin again: no CORS header, though the page is the same.
  EXPECT_EQ(gateway_.Http("GET", path).headers.count("access-control-allow-origin"), 0u);
  // In another language, or with a key: the backend's fresh answer.
  EXPECT_EQ(Field(gateway_.Http("GET", path, "", {{"Accept-Language", "da"}}).body, "displayName"),
            "Kofoeds Skole, Amager");
  EXPECT_EQ(Field(gateway_.Http("GET", path, "", {Key()}).body, "displayName"),
            "Kofoeds Skole, Amager");

  // A calendar kept is a calendar still.
  const std::string event =
      Field(gateway_.Http("POST", "/v1/events", Meeting(), {Key()}).body, "name");
  ASSERT_EQ(gateway_.Http("POST", absl::StrCat("/v1/", event, ":publish"), "{}", {Key()}).status,
            200);
  for (int i = 0; i < 2; ++i) {
    HttpReply calendar = gateway_.Http("GET", absl::StrCat("/v1/", event, ":calendar"));
    ASSERT_EQ(calendar.status, 200) << calendar.body;
    EXPECT_EQ(calendar.headers["content-type"], "text/calendar; charset=utf-8");
    EXPECT_THAT(calendar.body, HasSubstr("BEGIN:VCALENDAR"));
  }
}

}  // namespace
}  // namespace coopnet::gateway
