#include "services/gateway/openapi.h"

#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "services/gateway/api_comments.h"
#include "services/gateway/transcoder.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

Value String(absl::string_view text) {
  Value value;
  value.set_string_value(std::string(text));
  return value;
}

Value Boolean(bool flag) {
  Value value;
  value.set_bool_value(flag);
  return value;
}

Value Object() {
  Value value;
  value.mutable_struct_value();
  return value;
}

// The member `name` of `object` (made an object if it was not), created when missing.
Value& Member(Value& object, absl::string_view name) {
  return (*object.mutable_struct_value()->mutable_fields())[std::string(name)];
}

Value& Append(Value& array) { return *array.mutable_list_value()->add_values(); }

Value Ref(absl::string_view schema) {
  Value ref = Object();
  Member(ref, "$ref") = String(absl::StrCat("#/components/schemas/", schema));
  return ref;
}

Value TypeSchema(absl::string_view type, absl::string_view format = "") {
  Value schema = Object();
  Member(schema, "type") = String(type);
  if (!format.empty()) Member(schema, "format") = String(format);
  return schema;
}

// Paragraphs of Markdown, the empty ones left out.
std::string Paragraphs(const std::vector<std::string>& paragraphs) {
  std::vector<absl::string_view> kept;
  for (const std::string& paragraph : paragraphs) {
    if (!paragraph.empty()) kept.push_back(paragraph);
  }
  return absl::StrJoin(kept, "\n\n");
}

void Describe(Value& schema, absl::string_view description) {
  if (!description.empty()) Member(schema, "description") = String(description);
}

// Schemas of messages, made once each and referred to by full name, described by the
// protos' comments.
class Schemas {
 public:
  explicit Schemas(const ApiComments& comments) : comments_(comments) {}

  // The schema of a value of `field`, ignoring whether it is repeated.
  Value Single(const FieldDescriptor* field) {
    switch (field->type()) {
      case FieldDescriptor::TYPE_STRING:
        return TypeSchema("string");
      case FieldDescriptor::TYPE_BYTES:
        return TypeSchema("string", "byte");
      case FieldDescriptor::TYPE_BOOL:
        return TypeSchema("boolean");
      case FieldDescriptor::TYPE_DOUBLE:
        return TypeSchema("number", "double");
      case FieldDescriptor::TYPE_FLOAT:
        return TypeSchema("number", "float");
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
        return TypeSchema("integer", "int32");
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        return TypeSchema("integer", "int64");
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        // The JSON mapping writes 64-bit integers as strings.
        return TypeSchema("string", "int64");
      case FieldDescriptor::TYPE_ENUM:
        return Enum(*field->enum_type());
      default:
        return Message(field->message_type());
    }
  }

  // The schema of `field`'s values: a list's or a map's too.
  Value Field(const FieldDescriptor* field) {
    if (field->is_map()) {
      Value schema = TypeSchema("object");
      Member(schema, "additionalProperties") = Single(field->message_type()->map_value());
      return schema;
    }
    if (!field->is_repeated()) return Single(field);
    Value schema = TypeSchema("array");
    Member(schema, "items") = Single(field);
    return schema;
  }

  // The schema of a message: the JSON form of a well-known type, else a reference.
  Value Message(const Descriptor* message) {
    const std::string& name = message->full_name();
    if (name == "google.protobuf.Timestamp") return TypeSchema("string", "date-time");
    if (name == "google.protobuf.Duration" || name == "google.protobuf.FieldMask" ||
        name == "google.protobuf.StringValue") {
      return TypeSchema("string");
    }
    if (name == "google.protobuf.BoolValue") return TypeSchema("boolean");
    if (name == "google.protobuf.Int32Value" || name == "google.protobuf.UInt32Value") {
      return TypeSchema("integer");
    }
    if (name == "google.protobuf.DoubleValue" || name == "google.protobuf.FloatValue") {
      return TypeSchema("number");
    }
    if (name == "google.protobuf.Int64Value" || name == "google.protobuf.UInt64Value" ||
        name == "google.protobuf.BytesValue") {
      return TypeSchema("string");
    }
    if (name == "google.protobuf.Value") return Object();
    if (name == "google.protobuf.Struct" || name == "google.protobuf.Empty") {
      return TypeSchema("object");
    }
    if (name == "google.protobuf.Any") {
      Value schema = TypeSchema("object");
      Member(Member(schema, "properties"), "@type") = TypeSchema("string");
      Member(schema, "additionalProperties") = Boolean(true);
      return schema;
    }
    if (made_.insert(name).second) {
      Value schema = TypeSchema("object");
      Describe(schema, comments_.Of(*message));
      Value& properties = Member(schema, "properties");
      properties.mutable_struct_value();
      Value required;
      for (int i = 0; i < message->field_count(); ++i) {
        const FieldDescriptor* field = message->field(i);
        const FieldBehaviour behaviour = FieldBehaviourOf(comments_.OfGroup(*field));
        Member(properties, field->json_name()) = Property(field, behaviour.output_only);
        // A member of a oneof is never required of the message: another may be set.
        if (behaviour.required && !behaviour.output_only &&
            field->real_containing_oneof() == nullptr) {
          Append(required) = String(field->json_name());
        }
      }
      if (required.has_list_value()) Member(schema, "required") = std::move(required);
      // Filled last: Field may have added other schemas meanwhile.
      Member(components_, name) = std::move(schema);
    }
    return Ref(name);
  }

  // The schema of `field` as a property of its message: Field, described by the field's
  // comment and read-only when the service sets it.
  Value Property(const FieldDescriptor* field, bool output_only) {
    Value schema = Field(field);
    const std::string comment = comments_.Of(*field);
    if (schema.struct_value().fields().contains("$ref")) {
      if (comment.empty() && !output_only) return schema;
      // OpenAPI 3.0 ignores whatever stands beside a $ref.
      Value wrapped = Object();
      Append(Member(wrapped, "allOf")) = std::move(schema);
      schema = std::move(wrapped);
    }
    const auto& fields = schema.struct_value().fields();
    Describe(schema, Paragraphs({comment, fields.contains("description")
                                              ? fields.at("description").string_value()
                                              : ""}));
    if (output_only) Member(schema, "readOnly") = Boolean(true);
    return schema;
  }

  const ApiComments& comments() const { return comments_; }
  Value& components() { return components_; }

 private:
  // An enum by value name, described by its comment and those of its values.
  Value Enum(const EnumDescriptor& enumeration) {
    Value schema = TypeSchema("string");
    Value& names = Member(schema, "enum");
    names.mutable_list_value();
    std::vector<std::string> values;
    for (int i = 0; i < enumeration.value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor& value = *enumeration.value(i);
      Append(names) = String(value.name());
      const std::string comment = comments_.Of(value);
      if (!comment.empty()) {
        values.push_back(absl::StrCat("- `", value.name(),
                                      "`: ", absl::StrReplaceAll(comment, {{"\n", "\n  "}})));
      }
    }
    Describe(schema, Paragraphs({comments_.Of(enumeration), absl::StrJoin(values, "\n")}));
    return schema;
  }

  const ApiComments& comments_;
  std::set<std::string> made_;
  Value components_ = Object();
};

void AddParameter(Value& parameters, absl::string_view name, absl::string_view in, bool required,
                  Value schema, absl::string_view description = "") {
  Value& parameter = Append(parameters);
  parameter = Object();
  Member(parameter, "name") = String(name);
  Member(parameter, "in") = String(in);
  Member(parameter, "required") = Boolean(required);
  Describe(parameter, description);
  Member(parameter, "schema") = std::move(schema);
}

// A query parameter for every leaf field of `message` under `prefix` that neither the
// path nor the body sets, descending into plain messages (not into the well-known types a
// query can carry whole). Only a field of the request itself can be required: one inside a
// message is required only when that message is sent.
void AddQueryParameters(const Descriptor* message, const std::string& prefix,
                        const absl::flat_hash_set<std::string>& taken, Schemas& schemas,
                        Value& parameters, int depth) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    const std::string path = absl::StrCat(prefix, field->name());
    const std::string name = absl::StrCat(prefix.empty() ? "" : prefix, field->json_name());
    if (taken.contains(path) || field->is_map()) continue;
    if (depth == 0 && field == ManageTokenField(message)) continue;  // a header (Operation)
    const FieldBehaviour behaviour = FieldBehaviourOf(schemas.comments().OfGroup(*field));
    const bool required = depth == 0 && behaviour.required && !behaviour.output_only;
    const std::string description = schemas.comments().Of(*field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Value schema = schemas.Single(field);
      const bool whole = !schema.struct_value().fields().contains("$ref");
      if (whole) {
        AddParameter(parameters, name, "query", required, schemas.Field(field), description);
      } else if (!field->is_repeated() && depth < 3) {
        AddQueryParameters(field->message_type(), absl::StrCat(path, "."), taken, schemas,
                           parameters, depth + 1);
      }
      continue;
    }
    AddParameter(parameters, name, "query", required, schemas.Field(field), description);
  }
}

Value Operation(const HttpRoute& route, const std::string& operation_id, Schemas& schemas) {
  const ApiMethod& method = *route.method;
  const Descriptor* input = method.descriptor->input_type();
  const Descriptor* output = method.descriptor->output_type();
  Value operation = Object();
  Member(operation, "operationId") = String(operation_id);
  Member(operation, "summary") = String(method.descriptor->name());
  Describe(operation, schemas.comments().Of(*method.descriptor));
  Value& tags = Member(operation, "tags");
  Append(tags) = String(method.descriptor->service()->name());

  Value& policy = Member(operation, "x-coopnet-policy");
  policy = Object();
  Member(policy, "scope") = String(type::v1::Scope_Name(method.policy.scope()));
  Member(policy, "anonymous") = Boolean(method.policy.anonymous());
  Value& security = Member(operation, "security");
  security.mutable_list_value();
  if (method.policy.anonymous()) Append(security) = Object();
  Member(Append(security), "apiKey").mutable_list_value();

  Value& parameters = Member(operation, "parameters");
  parameters.mutable_list_value();
  absl::flat_hash_set<std::string> taken;
  for (const PathTemplate::Variable& variable : route.path.variables()) {
    taken.insert(variable.field_path);
    for (int i = variable.first_segment;
         i < (variable.end_segment < 0 ? static_cast<int>(route.path.segments().size())
                                       : variable.end_segment);
         ++i) {
      if (route.path.segments()[i].kind == PathTemplate::Segment::Kind::kLiteral) continue;
      const std::string collection =
          i > variable.first_segment ? route.path.segments()[i - 1].literal : "";
      AddParameter(parameters, collection.empty() ? variable.field_path : ParameterName(collection),
                   "path", true, TypeSchema("string"));
    }
  }
  if (route.body != "*") {
    if (!route.body.empty()) taken.insert(route.body);
    AddQueryParameters(input, "", taken, schemas, parameters, 0);
  }
  if (const FieldDescriptor* token = ManageTokenField(input); token != nullptr) {
    AddParameter(parameters, kManageTokenHeader, "header", false, schemas.Field(token),
                 schemas.comments().Of(*token));
  }
  if (!route.body.empty()) {
    Value& body = Member(operation, "requestBody");
    Member(body, "required") = Boolean(true);
    if (route.body != "*") {
      Describe(body, schemas.comments().Of(*input->FindFieldByName(route.body)));
    }
    Member(Member(Member(body, "content"), "application/json"), "schema") =
        route.body == "*" ? schemas.Message(input)
                          : schemas.Field(input->FindFieldByName(route.body));
  }

  Value& responses = Member(operation, "responses");
  Value& ok = Member(responses, "200");
  Member(ok, "description") = String("OK");
  Value& content = Member(ok, "content");
  if (RawBodyField(output) != nullptr) {
    Member(ok, "description") =
        String("The document itself, with the media type its content_type names");
    Member(Member(content, "*/*"), "schema") = TypeSchema("string", "binary");
  } else if (method.descriptor->server_streaming()) {
    Member(ok, "description") = String("One JSON object per line, as they come");
    Member(Member(content, "application/x-ndjson"), "schema") = schemas.Message(output);
  } else {
    Member(Member(content, "application/json"), "schema") =
        route.response_body.empty() ? schemas.Message(output)
                                    : schemas.Field(output->FindFieldByName(route.response_body));
  }
  Value& error = Member(responses, "default");
  Member(error, "description") =
      String("An error: google.rpc.Status, with the HTTP code of its gRPC code");
  Member(Member(Member(error, "content"), "application/json"), "schema") =
      schemas.Message(google::rpc::Status::descriptor());
  return operation;
}

}  // namespace

std::string ParameterName(absl::string_view collection) {
  if (absl::EndsWith(collection, "series")) return std::string(collection);
  if (absl::EndsWith(collection, "ies")) {
    return absl::StrCat(collection.substr(0, collection.size() - 3), "y");
  }
  if (absl::EndsWith(collection, "s"))
    return std::string(collection.substr(0, collection.size() - 1));
  return std::string(collection);
}

std::string OpenApiPath(const PathTemplate& path) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < path.segments().size(); ++i) {
    const PathTemplate::Segment& segment = path.segments()[i];
    if (segment.kind == PathTemplate::Segment::Kind::kLiteral) {
      parts.push_back(segment.literal);
      continue;
    }
    std::string name;
    for (const PathTemplate::Variable& variable : path.variables()) {
      if (static_cast<int>(i) >= variable.first_segment &&
          (variable.end_segment < 0 || static_cast<int>(i) < variable.end_segment)) {
        name = static_cast<int>(i) > variable.first_segment
                   ? ParameterName(path.segments()[i - 1].literal)
                   : variable.field_path;
      }
    }
    parts.push_back(absl::StrCat("{", name.empty() ? "segment" : name, "}"));
  }
  std::string text = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!path.verb().empty()) absl::StrAppend(&text, ":", path.verb());
  return text;
}

FieldBehaviour FieldBehaviourOf(absl::string_view comment) {
  constexpr absl::string_view kOutputOnly = "Output only";
  FieldBehaviour behaviour;
  const std::string text = absl::StrReplaceAll(comment, {{"\n", " "}});
  for (absl::string_view sentence : absl::StrSplit(text, ". ")) {
    sentence = absl::StripSuffix(absl::StripAsciiWhitespace(sentence), ".");
    if (absl::StartsWith(sentence, kOutputOnly) &&
        (sentence.size() == kOutputOnly.size() ||
         !absl::ascii_isalpha(sentence[kOutputOnly.size()]))) {
      behaviour.output_only = true;
    }
    if (sentence == "Required" || sentence == "Both required" ||
        absl::StartsWith(sentence, "Required,") || absl::StartsWith(sentence, "Required;")) {
      behaviour.required = true;
    }
  }
  return behaviour;
}

std::string OpenApiDocument(const RouteTable& routes) {
  const ApiComments& comments = ApiComments::Embedded();
  Schemas schemas(comments);
  Value document = Object();
  Member(document, "openapi") = String("3.0.3");
  Value& info = Member(document, "info");
  Member(info, "title") = String("coopnet");
  Member(info, "version") = String("v1");
  Member(info, "description") = String(
      "Organisations, events, registrations and funding of international cooperation "
      "between civil-society organisations and public bodies. Send an API key as "
      "`Authorization: Bearer cnk_...`; reads of public data need none. Errors are a "
      "google.rpc.Status with the HTTP code of its gRPC code.");
  Value& security_scheme =
      Member(Member(Member(document, "components"), "securitySchemes"), "apiKey");
  Member(security_scheme, "type") = String("http");
  Member(security_scheme, "scheme") = String("bearer");
  Member(security_scheme, "description") = String("An organisation's API key, cnk_...");

  Value& paths = Member(document, "paths");
  paths.mutable_struct_value();
  Value& tags = Member(document, "tags");
  tags.mutable_list_value();
  std::set<std::string> operation_ids;
  std::set<std::string> services;
  for (const HttpRoute& route : routes.routes()) {
    const google::protobuf::MethodDescriptor& method = *route.method->descriptor;
    if (services.insert(method.service()->full_name()).second) {
      Value& tag = Append(tags);
      tag = Object();
      Member(tag, "name") = String(method.service()->name());
      Describe(tag, comments.Of(*method.service()));
    }
    std::string operation_id = absl::StrCat(method.service()->name(), "_", method.name());
    for (int n = 2; !operation_ids.insert(operation_id).second; ++n) {
      operation_id = absl::StrCat(method.service()->name(), "_", method.name(), n);
    }
    Member(Member(paths, OpenApiPath(route.path)), absl::AsciiStrToLower(route.http_method)) =
        Operation(route, operation_id, schemas);
  }
  Value& components = Member(document, "components");
  for (auto& [name, schema] : *schemas.components().mutable_struct_value()->mutable_fields()) {
    Member(Member(components, "schemas"), name) = schema;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(document, &json, options);
  return json;
}

}  // namespace coopnet::gateway
