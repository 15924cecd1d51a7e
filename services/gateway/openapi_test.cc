#include "services/gateway/openapi.h"

#include <initializer_list>
#include <string>
#include <vector>

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

// The document of the organisations, events and funding APIs, parsed.
class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog =
        ApiCatalog::Build({"coopnet.organisations.v1", "coopnet.events.v1", "coopnet.funding.v1"});
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    auto routes = RouteTable::Build(*catalog);
    ASSERT_TRUE(routes.ok()) << routes.status();
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(OpenApiDocument(*routes), &document_).ok());
  }

  // The object at `path` from the document's root, or an empty one (and a failure).
  const Struct& At(std::initializer_list<std::string> path) const {
    static const Struct* const kNone = new Struct;
    const Struct* object = &document_;
    for (const std::string& key : path) {
      const auto found = object->fields().find(key);
      if (found == object->fields().end() || !found->second.has_struct_value()) {
        ADD_FAILURE() << "no object " << key << " in " << ::testing::PrintToString(path);
        return *kNone;
      }
      object = &found->second.struct_value();
    }
    return *object;
  }

  const Struct& Schema(const std::string& message) const {
    return At({"components", "schemas", message});
  }

  static std::string Text(const Struct& object, const std::string& key) {
    const auto found = object.fields().find(key);
    return found == object.fields().end() ? "" : found->second.string_value();
  }

  Struct document_;
};

TEST_F(OpenApiDocumentTest, DescribesServicesMethodsMessagesFieldsAndEnumValues) {
  const Value& tags = document_.fields().at("tags");
  ASSERT_GT(tags.list_value().values_size(), 0);
  bool event_service = false;
  for (const Value& tag : tags.list_value().values()) {
    if (Text(tag.struct_value(), "name") != "EventService") continue;
    event_service = true;
    EXPECT_THAT(Text(tag.struct_value(), "description"),
                ::testing::StartsWith("What happens where and when"));
  }
  EXPECT_TRUE(event_service);

  const Struct& get = At({"paths", "/v1/events/{event}", "get"});
  EXPECT_EQ(Text(get, "summary"), "GetEvent");
  EXPECT_THAT(Text(get, "description"), ::testing::StartsWith("One event by name."));

  const Struct& event = Schema("coopnet.events.v1.Event");
  // Comments keep their lines, without the `//`.
  EXPECT_EQ(Text(event, "description"),
            "Something that happens at a time and a place (or online): the Copenhagen info\n"
            "meeting of 13 October 2022, 16:30-18:30 Europe/Copenhagen at Kofoeds Skole.");
  const Struct& properties = event.fields().at("properties").struct_value();
  EXPECT_EQ(Text(properties.fields().at("name").struct_value(), "description"),
            "`events/{id}`. Output only.");
  // A message-typed field refers to its schema through allOf, which may carry a description.
  const Struct& venue = properties.fields().at("venue").struct_value();
  EXPECT_EQ(Text(venue, "description"), "Where it happens; required for IN_PERSON and MIXED.");
  EXPECT_EQ(Text(venue.fields().at("allOf").list_value().values(0).struct_value(), "$ref"),
            "#/components/schemas/coopnet.events.v1.Venue");
  // An enum says what its values mean.
  const std::string visibility =
      Text(properties.fields().at("visibility").struct_value(), "description");
  EXPECT_THAT(visibility, ::testing::StartsWith("Default PUBLIC.\n\nWho sees the event."));
  EXPECT_THAT(visibility,
              ::testing::HasSubstr("- `NETWORK`: The members of `network` only; others are told "
                                   "it does not exist."));
}

TEST_F(OpenApiDocumentTest, DescribesQueryParametersAndRequestBodies) {
  auto parameter = [&](const Struct& operation, const std::string& name) -> Struct {
    for (const Value& parameter : operation.fields().at("parameters").list_value().values()) {
      if (Text(parameter.struct_value(), "name") == name) return parameter.struct_value();
    }
    ADD_FAILURE() << "no parameter " << name;
    return Struct();
  };
  const Struct update_mask = parameter(At({"paths", "/v1/events/{event}", "patch"}), "updateMask");
  EXPECT_THAT(Text(update_mask, "description"), ::testing::StartsWith("The fields to change"));
  const Struct page_size = parameter(At({"paths", "/v1/events", "get"}), "pageSize");
  EXPECT_THAT(Text(page_size, "description"), ::testing::StartsWith("At most this many"));
  EXPECT_THAT(Text(At({"paths", "/v1/events", "post", "requestBody"}), "description"),
              ::testing::HasSubstr("output-only fields are set by the service"));
}

}  // namespace
}  // namespace coopnet::gateway
