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

TEST(FieldBehaviourOf, ReadsTheAipWordingOfTheProtos) {
  EXPECT_TRUE(FieldBehaviourOf("`events/{id}`. Output only.").output_only);
  EXPECT_TRUE(FieldBehaviourOf("Output only: seats taken and free at this moment.").output_only);
  EXPECT_TRUE(FieldBehaviourOf("Why it was cancelled or rejected. Output only "
                               "(see the Cancel and Reject "
                               "requests).")
                  .output_only);
  EXPECT_FALSE(FieldBehaviourOf("`name`, `state` and the other output-only fields are set by the "
                                "service.")
                   .output_only);

  EXPECT_TRUE(FieldBehaviourOf("Required.").required);
  EXPECT_TRUE(FieldBehaviourOf("ISO 3166-1 alpha-2, e.g. `DK`. Required.").required);
  EXPECT_TRUE(FieldBehaviourOf("Required, in one or more languages; at most 300 characters each.")
                  .required);
  EXPECT_TRUE(FieldBehaviourOf("`organisations/{id}` of the organisation running it. Required, "
                               "and fixed once\ncreated.")
                  .required);
  EXPECT_TRUE(FieldBehaviourOf("What the call has to give. Required; its currency is the call's "
                               "currency.")
                  .required);
  EXPECT_TRUE(
      FieldBehaviourOf("Required. One e-mail holds one live registration per event.").required);
  EXPECT_TRUE(FieldBehaviourOf("When applications may be submitted: from `open_time` until "
                               "`deadline` (after\nopen_time). Both required.")
                  .required);

  // Conditions: the field may be left out of some requests.
  EXPECT_FALSE(FieldBehaviourOf("`networks/{id}` the event belongs to. Required for NETWORK "
                                "visibility.")
                   .required);
  EXPECT_FALSE(
      FieldBehaviourOf("What is asked for, in the call's currency. Required to submit.").required);
  EXPECT_FALSE(
      FieldBehaviourOf("`organisations/{id}` of the member. Required when adding.").required);
  EXPECT_FALSE(FieldBehaviourOf("Where it happens; required for IN_PERSON and MIXED.").required);
  EXPECT_FALSE(FieldBehaviourOf("When it starts (required) and ends (optional).").required);
  EXPECT_FALSE(FieldBehaviourOf("").required);
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

  // The object at `path` from the document's root, or an empty one (and a
  // failure).
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

  static std::vector<std::string> Required(const Struct& schema) {
    std::vector<std::string> names;
    if (!schema.fields().contains("required")) return names;
    for (const Value& name : schema.fields().at("required").list_value().values()) {
      names.push_back(name.string_value());
    }
    return names;
  }

  static bool ReadOnly(const Struct& property) {
    return property.fields().contains("readOnly") && property.fields().at("readOnly").bool_value();
  }

  Struct document_;
};

TEST_F(OpenApiDocumentTest, MarksOutputOnlyFieldsReadOnlyAndRequiredFieldsRequired) {
  const Struct& event = Schema("coopnet.events.v1.Event");
  const Struct& properties = event.fields().at("properties").struct_value();
  auto property = [&](const std::string& name) -> const Struct& {
    return properties.fields().at(name).struct_value();
  };
  EXPECT_TRUE(ReadOnly(property("name")));
  EXPECT_TRUE(ReadOnly(property("state")));
  EXPECT_TRUE(ReadOnly(property("etag")));
  // Declared right under etag's "Output only.", with no comment of their own.
  EXPECT_TRUE(ReadOnly(property("createTime")));
  EXPECT_TRUE(ReadOnly(property("updateTime")));
  EXPECT_FALSE(ReadOnly(property("title")));
  EXPECT_FALSE(ReadOnly(property("network")));

  const std::vector<std::string> required = Required(event);
  EXPECT_THAT(required, ::testing::UnorderedElementsAre("title", "kind", "organiser", "startTime",
                                                        "endTime", "timeZone", "attendanceMode"));
  // "Required for NETWORK visibility.", "required for IN_PERSON and MIXED":
  // conditions.
  EXPECT_THAT(required, ::testing::Not(::testing::Contains("network")));
  EXPECT_THAT(required, ::testing::Not(::testing::Contains("venue")));
  EXPECT_THAT(required, ::testing::Not(::testing::Contains("name")));

  // "Required to submit." is a condition too; "Both required." holds for the
  // pair.
  EXPECT_THAT(Required(Schema("coopnet.funding.v1.Application")),
              ::testing::Not(::testing::Contains("requestedAmount")));
  EXPECT_THAT(Required(Schema("coopnet.funding.v1.Call")),
              ::testing::IsSupersetOf({"openTime", "deadline", "totalBudget"}));
  // A message without required fields has no `required` at all (OpenAPI 3.0
  // wants none rather than an empty list).
  EXPECT_FALSE(Schema("coopnet.events.v1.ListEventsResponse").fields().contains("required"));
}

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
            "Something that happens at a time and a place (or online): the "
            "Copenhagen info\n"
            "meeting of 13 October 2022, 16:30-18:30 Europe/Copenhagen at "
            "Kofoeds Skole.");
  const Struct& properties = event.fields().at("properties").struct_value();
  EXPECT_EQ(Text(properties.fields().at("name").struct_value(), "description"),
            "`events/{id}`. Output only.");
  // A message-typed field refers to its schema through allOf, which may carry a
  // description.
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

TEST_F(OpenApiDocumentTest, DescribesQueryParametersAndRequiresTheRequiredOnes) {
  auto parameter = [&](const Struct& operation, const std::string& name) -> Struct {
    for (const Value& parameter : operation.fields().at("parameters").list_value().values()) {
      if (Text(parameter.struct_value(), "name") == name) return parameter.struct_value();
    }
    ADD_FAILURE() << "no parameter " << name;
    return Struct();
  };
  const Struct update_mask = parameter(At({"paths", "/v1/events/{event}", "patch"}), "updateMask");
  EXPECT_TRUE(update_mask.fields().at("required").bool_value());
  EXPECT_THAT(Text(update_mask, "description"), ::testing::StartsWith("The fields to change"));
  const Struct page_size = parameter(At({"paths", "/v1/events", "get"}), "pageSize");
  EXPECT_FALSE(page_size.fields().at("required").bool_value());
  EXPECT_THAT(Text(page_size, "description"), ::testing::StartsWith("At most this many"));
  EXPECT_THAT(Text(At({"paths", "/v1/events", "post", "requestBody"}), "description"),
              ::testing::HasSubstr("output-only fields are set by the service"));
}

}  // namespace
}  // namespace coopnet::gateway
