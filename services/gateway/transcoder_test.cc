#include "services/gateway/transcoder.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "coopnet/events/v1/events.pb.h"
#include "coopnet/registrations/v1/registrations.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/gateway/routes_test_fixture.h"

namespace coopnet::gateway {
namespace {

using events::v1::Event;
using ::testing::AllOf;
using ::testing::HasSubstr;

class TranscoderTest : public RoutesTest {
 protected:
  // The request `method target` with `body` becomes, or the error it gives.
  template <typename Request>
  absl::StatusOr<Request> Build(const std::string& method, const std::string& target,
                                const std::string& body = "") {
    const size_t question = target.find('?');
    RouteMatch match = routes_->Match(method, target.substr(0, question));
    EXPECT_NE(match.route, nullptr) << method << " " << target;
    if (match.route == nullptr) return absl::NotFoundError(target);
    Request request;
    COOPNET_RETURN_IF_ERROR(BuildRequest(
        *match.route, body, question == std::string::npos ? "" : target.substr(question + 1),
        match.bindings, request));
    return request;
  }

  const HttpRoute& RouteOf(const std::string& method, const std::string& path) {
    return *routes_->Match(method, path).route;
  }
};

TEST_F(TranscoderTest, FillsListFiltersFromTheQuery) {
  auto request = Build<events::v1::ListEventsRequest>(
      "GET",
      "/v1/events?page_size=10&countries=DK&countries=SE&kinds=WORKSHOP&kinds=9&upcoming=true"
      "&fromTime=2022-10-13T14:30:00Z&query=K%C3%B8benhavn");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->page_size(), 10);
  EXPECT_THAT(request->countries(), ::testing::ElementsAre("DK", "SE"));
  EXPECT_THAT(request->kinds(), ::testing::ElementsAre(Event::WORKSHOP, Event::OTHER));
  EXPECT_TRUE(request->upcoming());
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(request->from_time()),
            "2022-10-13T14:30:00Z");
  EXPECT_EQ(request->query(), "København");
}

TEST_F(TranscoderTest, ReachesNestedFiltersByTheirPath) {
  auto request = Build<events::v1::ListEventsCalendarRequest>(
      "GET", "/v1/events:calendar?filter.upcoming=true&filter.countries=DK");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->filter().upcoming());
  EXPECT_THAT(request->filter().countries(), ::testing::ElementsAre("DK"));
}

TEST_F(TranscoderTest, PutsTheBodyIntoItsFieldAndThePathOverIt) {
  auto request = Build<events::v1::UpdateEventRequest>(
      "PATCH", "/v1/events/01j9?updateMask=title,venue",
      R"({"name": "events/other", "title": {"translations": {"da": "Møde"}}, "kind": "FORUM"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->event().name(), "events/01j9");
  EXPECT_EQ(request->event().title().translations().at("da"), "Møde");
  EXPECT_EQ(request->event().kind(), Event::FORUM);
  EXPECT_THAT(request->update_mask().paths(), ::testing::ElementsAre("title", "venue"));
}

TEST_F(TranscoderTest, ReadsTheWholeRequestFromABodyStar) {
  auto request = Build<events::v1::CancelEventRequest>(
      "POST", "/v1/events/01j9:cancel", R"({"reason": "Storm", "requestId": "r-1"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->name(), "events/01j9");
  EXPECT_EQ(request->reason(), "Storm");
  EXPECT_EQ(request->request_id(), "r-1");
  auto empty = Build<events::v1::PublishEventRequest>("POST", "/v1/events/01j9:publish", "");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->name(), "events/01j9");
}

// Each bad request is refused with INVALID_ARGUMENT naming the field at fault.
TEST_F(TranscoderTest, NamesWhatIsWrongWithABadRequest) {
  struct Case {
    std::string method, target, body, field;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/events", R"({"title": )", "event"},
      {"POST", "/v1/events", R"({"kind": "MEETING"})", "event.kind"},
      {"POST", "/v1/events", R"({"startTime": 5})", "event.start_time"},
      {"POST", "/v1/events", R"({"startTime": "yesterday"})", "event.start_time"},
      {"POST", "/v1/events", R"({"colour": "red"})", "event"},
      {"POST", "/v1/events", R"([1, 2])", "event"},
      {"GET", "/v1/events?colour=red", "", "colour"},
      {"GET", "/v1/events?upcoming=yes", "", "upcoming"},
      {"GET", "/v1/events?kinds=MEETING", "", "kinds"},
      {"GET", "/v1/events?page_size=many", "", "page_size"},
      {"GET", "/v1/events?fromTime=tomorrow", "", "fromTime"},
      {"GET", "/v1/events?page_size.x=1", "", "page_size.x"},
      {"GET", "/v1/events/01j9", R"({"a": 1})", "body"},
      {"POST", "/v1/events?event.kind=FORUM", "{}", "event.kind"},
      {"POST", "/v1/events/01j9:cancel?reason=x", "{}", "reason"},
  };
  for (const Case& c : cases) {
    RouteMatch match = routes_->Match(c.method, c.target.substr(0, c.target.find('?')));
    ASSERT_NE(match.route, nullptr) << c.target;
    std::unique_ptr<google::protobuf::Message> request = NewRequest(*match.route->method);
    const size_t question = c.target.find('?');
    absl::Status status = BuildRequest(
        *match.route, c.body, question == std::string::npos ? "" : c.target.substr(question + 1),
        match.bindings, *request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.target << " " << c.body;
    auto bad_request = status::GetBadRequest(status);
    ASSERT_TRUE(bad_request.has_value()) << status;
    EXPECT_EQ(bad_request->field_violations(0).field(), c.field) << status;
  }
}

// protobuf's JSON parser would store [["culture"]] as ["culture"], at any depth.
TEST_F(TranscoderTest, RefusesAnArrayInsideAnArray) {
  auto nested = Build<events::v1::CreateEventRequest>(
      "POST", "/v1/events", R"({"themes": [["culture"]], "title": {"translations": {}}})");
  ASSERT_EQ(nested.status().code(), absl::StatusCode::kInvalidArgument) << nested.status();
  EXPECT_EQ(status::GetBadRequest(nested.status())->field_violations(0).field(), "event");
  EXPECT_THAT(nested.status().message(), HasSubstr("array inside an array"));

  const std::string deep =
      absl::StrCat(R"({"themes": )", std::string(10000, '['), std::string(10000, ']'), "}");
  EXPECT_EQ(Build<events::v1::CreateEventRequest>("POST", "/v1/events", deep).status().code(),
            absl::StatusCode::kInvalidArgument);

  // Brackets inside strings are text, and arrays beside arrays are fine.
  auto fine = Build<events::v1::CreateEventRequest>(
      "POST", "/v1/events",
      R"({"themes": ["culture"], "languages": ["da", "sv"], "title": {"translations": {"en": "[[x]]"}}})");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->event().themes(0), "culture");
  EXPECT_EQ(fine->event().title().translations().at("en"), "[[x]]");
}

TEST_F(TranscoderTest, SendsACalendarAsTheDocumentItIs) {
  events::v1::Calendar calendar;
  calendar.set_content_type("text/calendar; charset=utf-8");
  calendar.set_ics("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
  auto body = RenderResponse(RouteOf("GET", "/v1/events/01j9:calendar"), calendar);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->content_type, "text/calendar; charset=utf-8");
  EXPECT_EQ(body->data, calendar.ics());
}

TEST_F(TranscoderTest, SendsOtherAnswersAsProto3Json) {
  Event event;
  event.set_name("events/01j9");
  event.set_kind(Event::STUDY_VISIT);
  *event.mutable_start_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1665671400);
  auto body = RenderResponse(RouteOf("GET", "/v1/events/01j9"), event);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->content_type, "application/json");
  EXPECT_EQ(body->data,
            R"({"name":"events/01j9","kind":"STUDY_VISIT","startTime":"2022-10-13T14:30:00Z"})");
}

TEST(RenderStreamMessage, PassesExportChunksThroughAndWritesOtherMessagesAsJsonLines) {
  registrations::v1::ExportChunk chunk;
  chunk.set_content_type("text/csv; charset=utf-8");
  chunk.set_data("name,organisation\r\n");
  auto raw = RenderStreamMessage(chunk);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(raw->data, "name,organisation\r\n");

  events::v1::EventChange change;
  change.set_cursor("7");
  auto line = RenderStreamMessage(change);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->content_type, "application/x-ndjson");
  EXPECT_EQ(line->data, "{\"cursor\":\"7\"}\n");
}

TEST(RawBodyField, RecognisesOnlyHttpBodyShapedMessages) {
  EXPECT_NE(RawBodyField(events::v1::Calendar::descriptor()), nullptr);
  EXPECT_NE(RawBodyField(registrations::v1::ExportChunk::descriptor()), nullptr);
  EXPECT_EQ(RawBodyField(Event::descriptor()), nullptr);
  EXPECT_EQ(RawBodyField(events::v1::ListEventsResponse::descriptor()), nullptr);
}

TEST(RenderError, WritesTheServicesStatusWithItsHttpCode) {
  const grpc::Status refused = status::ToGrpc(
      status::InvalidField("event.end_time", "must be after start_time"), "events.coopnet");
  HttpError error = RenderError(refused);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_THAT(error.json, HasSubstr(R"("code":3)"));
  EXPECT_THAT(error.json, HasSubstr("event.end_time must be after start_time"));
  EXPECT_THAT(error.json, HasSubstr("type.googleapis.com/google.rpc.BadRequest"));
  EXPECT_THAT(error.json, HasSubstr(R"("domain":"events.coopnet")"));

  HttpError bare = RenderError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  EXPECT_EQ(bare.http_status, 503);
  EXPECT_EQ(bare.json, R"({"code":14,"message":"down"})");
}

TEST(HttpStatusOf, FollowsGoogleRpcCode) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::CANCELLED), 499);
}

TEST_F(TranscoderTest, CapsLargePageSizes) {
  const ApiMethod& list = *catalog_->Find("/coopnet.events.v1.EventService/ListEvents");
  events::v1::ListEventsRequest request;
  request.set_page_size(100000);
  EXPECT_TRUE(CapPageSize(list, 500, request));
  EXPECT_EQ(request.page_size(), 500);
  request.set_page_size(20);
  EXPECT_FALSE(CapPageSize(list, 500, request));
  EXPECT_EQ(request.page_size(), 20);
}

// A manage token is a secret that lets whoever holds it see and cancel a registration:
// it travels in a header, never in a URL that access logs and browser history keep.
TEST(ManageToken, TravelsInItsHeaderAndIsRefusedInTheUrl) {
  absl::StatusOr<ApiCatalog> catalog = ApiCatalog::Build({"coopnet.registrations.v1"});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  absl::StatusOr<RouteTable> routes = RouteTable::Build(*catalog);
  ASSERT_TRUE(routes.ok()) << routes.status();
  const RouteMatch get = routes->Match("GET", "/v1/events/e1/registrations/r1");
  ASSERT_NE(get.route, nullptr);

  registrations::v1::GetRegistrationRequest in_url;
  const absl::Status refused =
      BuildRequest(*get.route, "", "manageToken=cnr_secret", get.bindings, in_url);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.message()),
              AllOf(HasSubstr("manageToken"), HasSubstr("X-Coopnet-Manage-Token header")));

  registrations::v1::GetRegistrationRequest in_header;
  ASSERT_TRUE(BuildRequest(*get.route, "", "", get.bindings, in_header).ok());
  ASSERT_TRUE(SetManageToken("cnr_secret", in_header).ok());
  EXPECT_EQ(in_header.manage_token(), "cnr_secret");
  EXPECT_EQ(in_header.name(), "events/e1/registrations/r1");

  // A body may carry it too (a POST's body is not logged), but not a different one.
  registrations::v1::CancelRegistrationRequest cancel;
  cancel.set_manage_token("cnr_other");
  const absl::Status differs = SetManageToken("cnr_secret", cancel);
  EXPECT_EQ(differs.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(differs.message()), HasSubstr("X-Coopnet-Manage-Token"));
  cancel.set_manage_token("cnr_secret");
  EXPECT_TRUE(SetManageToken("cnr_secret", cancel).ok());

  events::v1::GetEventRequest takes_none;
  EXPECT_EQ(SetManageToken("cnr_secret", takes_none).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coopnet::gateway
