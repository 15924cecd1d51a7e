#include "services/gateway/openapi.h"

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

TEST(OpenApiPath, SpellsResourceNamesAsSegmentsWithOneParameterPerId) {
  auto path = [](const char* text) { return OpenApiPath(*PathTemplate::Parse(text)); };
  EXPECT_EQ(path("/v1/{name=events/*}"), "/v1/events/{event}");
  EXPECT_EQ(path("/v1/{name=organisations/*/apiKeys/*}:revoke"),
            "/v1/organisations/{organisation}/apiKeys/{apiKey}:revoke");
  EXPECT_EQ(path("/v1/{name=series/*}"), "/v1/series/{series}");
  EXPECT_EQ(path("/v1/events:calendar"), "/v1/events:calendar");
  EXPECT_EQ(ParameterName("partnerRequests"), "partnerRequest");
  EXPECT_EQ(ParameterName("activities"), "activity");
}

TEST(OpenApiDocument, DescribesEveryRouteWithSchemasAndSecurity) {
  auto catalog = ApiCatalog::Build({"coopnet.organisations.v1", "coopnet.events.v1"});
  ASSERT_TRUE(catalog.ok());
  auto routes = RouteTable::Build(*catalog);
  ASSERT_TRUE(routes.ok());
  Struct document;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(OpenApiDocument(*routes), &document).ok());
  EXPECT_EQ(document.fields().at("openapi").string_value(), "3.0.3");

  const Struct& paths = document.fields().at("paths").struct_value();
  ASSERT_TRUE(paths.fields().contains("/v1/events/{event}"));
  const Struct& get =
      paths.fields().at("/v1/events/{event}").struct_value().fields().at("get").struct_value();
  EXPECT_EQ(get.fields().at("operationId").string_value(), "EventService_GetEvent");
  // Anonymous callers may read it: security lists "no key" beside the key.
  EXPECT_EQ(get.fields().at("security").list_value().values_size(), 2);
  EXPECT_EQ(get.fields()
                .at("responses")
                .struct_value()
                .fields()
                .at("200")
                .struct_value()
                .fields()
                .at("content")
                .struct_value()
                .fields()
                .at("application/json")
                .struct_value()
                .fields()
                .at("schema")
                .struct_value()
                .fields()
                .at("$ref")
                .string_value(),
            "#/components/schemas/coopnet.events.v1.Event");
  EXPECT_FALSE(paths.fields().contains("/v1/apiKeys:authenticate"));
  const Struct& schemas =
      document.fields().at("components").struct_value().fields().at("schemas").struct_value();
  EXPECT_TRUE(schemas.fields().contains("coopnet.events.v1.Event"));
  EXPECT_TRUE(schemas.fields().contains("google.rpc.Status"));
  const Struct& list =
      paths.fields().at("/v1/events").struct_value().fields().at("get").struct_value();
  std::vector<std::string> parameters;
  for (const Value& parameter : list.fields().at("parameters").list_value().values()) {
    parameters.push_back(parameter.struct_value().fields().at("name").string_value());
  }
  EXPECT_THAT(parameters,
              ::testing::IsSupersetOf({"pageSize", "countries", "upcoming", "fromTime"}));
}

}  // namespace
}  // namespace coopnet::gateway
