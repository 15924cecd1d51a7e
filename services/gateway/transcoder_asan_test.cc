// The HTTP/JSON path — route matching, request building, answer and error rendering —
// fed hostile and random input in a build with AddressSanitizer: whatever arrives, the
// answer is a request or an INVALID_ARGUMENT, never a crash or a stray memory access.
#include <random>

#include "common/status/status.h"
#include "coopnet/events/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/gateway/http_route.h"
#include "services/gateway/routes_test_fixture.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {
namespace {

class HostileInputTest : public RoutesTest {
 protected:
  // What the gateway does with one request, up to the call to the backend.
  absl::Status Transcode(const std::string& method, const std::string& target,
                         const std::string& body) {
    const size_t question = target.find('?');
    RouteMatch match = routes_->Match(method, target.substr(0, question));
    if (match.route == nullptr) return absl::NotFoundError("no route");
    std::unique_ptr<google::protobuf::Message> request = NewRequest(*match.route->method);
    absl::Status built = BuildRequest(
        *match.route, body, question == std::string::npos ? "" : target.substr(question + 1),
        match.bindings, *request);
    if (built.ok()) CapPageSize(*match.route->method, 500, *request);
    return built;
  }

  void ExpectRefused(const std::string& method, const std::string& target,
                     const std::string& body) {
    absl::Status status = Transcode(method, target, body);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << method << " " << target.substr(0, 80) << " " << body.substr(0, 80);
  }
};

TEST_F(HostileInputTest, RefusesMalformedBodies) {
  const std::vector<std::string> bodies = {
      "{",
      "}",
      R"({"title": {"translations": {"da": 5}}})",
      R"({"kind": "NOT_A_KIND"})",
      R"({"startTime": "2022-13-45T99:99:99Z"})",
      R"({"agenda": [{"startTime": 1}]})",
      R"({"venue": {"location": {"latitude": "north"}}})",
      R"({"sequence": "9999999999999999999999999"})",
      R"({"title": "\ud800"})",
      std::string("{\"name\": \"\xff\xfe\"}"),
      std::string("{\"name\": \"a\0b\"}", 14),
      R"({"name": "x", "name": 5})",
      "null",
      "[]",
      "\"just a string\"",
      std::string(200000, '['),
      std::string(200000, '{'),
      "{" + std::string(100000, ' ') + "\"name\": 1}",
  };
  for (const std::string& body : bodies) ExpectRefused("POST", "/v1/events", body);
}

TEST_F(HostileInputTest, SurvivesATenMegabyteBody) {
  std::string huge = R"({"description": {"translations": {"en": ")";
  huge.append(10 << 20, 'x');
  huge += R"("}}})";
  // Well-formed and huge: the transport refuses it first (413), but the transcoder must
  // not mind either way.
  EXPECT_TRUE(Transcode("POST", "/v1/events", huge).ok());
  ExpectRefused("POST", "/v1/events", huge.substr(0, huge.size() - 3));
}

TEST_F(HostileInputTest, RefusesMalformedQueries) {
  for (const std::string& query : std::vector<std::string>{
           "page_size=%", "page_size=%zz", "kinds=%00", "countries", "=x", "&&&&", "a.b.c.d.e=1",
           "filter.filter.filter=1", "page_size=99999999999999999999", "upcoming=%ff%fe",
           "fromTime=9999-99-99", "kinds=-1", "kinds=2147483648"}) {
    absl::Status status = Transcode("GET", "/v1/events?" + query, "");
    EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kInvalidArgument)
        << query << ": " << status;
  }
}

TEST_F(HostileInputTest, MatchesHostilePathsWithoutHarm) {
  for (const std::string& path : std::vector<std::string>{
           "/v1/events/%", "/v1/events/%2", "/v1/events/%%%%", "/v1/events/:", "/v1/events/::::",
           "/v1/events/a:b:c", "/v1/events:", "/:", "//", "/v1/organisations/%2F..%2F..",
           "/v1/" + std::string(100000, 'a'), "/v1/events/" + std::string(50000, '%')}) {
    for (const char* method : {"GET", "POST", "PATCH", "DELETE", "PUT", "BREW"}) {
      absl::Status status = Transcode(method, path, "");
      EXPECT_NE(status.code(), absl::StatusCode::kInternal) << method << " " << path.substr(0, 60);
    }
  }
}

// Random bytes in every place a client controls, from a fixed seed.
TEST_F(HostileInputTest, NeverCrashesOnRandomInput) {
  std::mt19937 random(20221013);
  const std::string alphabet = "{}[]\":,.%/?=&+-0123456789abcdefxyz_ \\\x01\xff\xc3\xb8";
  auto noise = [&](size_t max) {
    std::string text(random() % max, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    return text;
  };
  const std::vector<std::string> prefixes = {"/v1/events",
                                             "/v1/events/",
                                             "/v1/organisations/",
                                             "/v1/events:calendar?",
                                             "/v1/organisations:search?",
                                             "/v1/networks/"};
  for (int i = 0; i < 20000; ++i) {
    const std::string target = prefixes[random() % prefixes.size()] + noise(40);
    const char* method = i % 3 == 0 ? "POST" : i % 3 == 1 ? "GET" : "PATCH";
    absl::Status status = Transcode(method, target, noise(200));
    EXPECT_NE(status.code(), absl::StatusCode::kInternal);
  }
}

TEST(HostileAnswers, RendersAnyErrorAndAnyMessage) {
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    std::string details(random() % 300, '\0');
    for (char& c : details) c = static_cast<char>(random());
    HttpError error = RenderError(grpc::Status(static_cast<grpc::StatusCode>(random() % 20),
                                               std::string(random() % 50, 'm'), details));
    EXPECT_FALSE(error.json.empty());
  }
}

TEST_F(HostileInputTest, RefusesTextThatIsNotUtf8) {
  ExpectRefused("GET", "/v1/events/%ff%fe", "");
  ExpectRefused("GET", "/v1/events?query=%c3", "");
  ExpectRefused("GET", "/v1/events?%ff=1", "");
}

}  // namespace
}  // namespace coopnet::gateway
