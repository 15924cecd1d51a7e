#include "services/gateway/transcoder.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

google::protobuf::util::JsonParseOptions ParseOptions() {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return options;
}

google::protobuf::util::JsonPrintOptions PrintOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  return options;
}

bool IsBlank(absl::string_view text) { return absl::StripAsciiWhitespace(text).empty(); }

// `text` as a JSON string literal.
std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      absl::StrAppend(&out, "\\u", absl::Hex(u, absl::kZeroPad4));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// `value` as an error message shows it: quoted, and cut short when long.
std::string Shown(absl::string_view value) {
  constexpr size_t kShown = 64;
  if (value.size() <= kShown) return Quote(value);
  // Back to the start of a UTF-8 sequence, so the cut leaves valid text.
  size_t end = kShown;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(Quote(value.substr(0, end)), "...");
}

bool IsUtf8(absl::string_view text) { return validate::Utf8Length(text).has_value(); }

// Well-known types whose JSON is a string, so a query parameter can carry them.
bool IsStringLikeMessage(const Descriptor* type) {
  static const char* const kNames[] = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",    "google.protobuf.FieldMask",
      "google.protobuf.StringValue", "google.protobuf.BytesValue",  "google.protobuf.Int32Value",
      "google.protobuf.Int64Value",  "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
      "google.protobuf.FloatValue",  "google.protobuf.DoubleValue"};
  for (const char* name : kNames) {
    if (type->full_name() == name) return true;
  }
  return false;
}

// What a query parameter of `field` must look like, for the error message.
std::string Expected(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL:
      return "true or false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat("a value of ", field->enum_type()->full_name(), " (by name)");
    case FieldDescriptor::CPPTYPE_STRING:
      return field->type() == FieldDescriptor::TYPE_BYTES ? "base64" : "text";
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (field->message_type()->full_name() == "google.protobuf.Timestamp") {
        return "an RFC 3339 time such as 2022-10-13T14:30:00Z";
      }
      if (field->message_type()->full_name() == "google.protobuf.FieldMask") {
        return "field names separated by commas";
      }
      return absl::StrCat("a ", field->message_type()->full_name());
    default:
      return "a number";
  }
}

// The JSON value a query parameter's text stands for in `field`.
absl::StatusOr<std::string> QueryValueAsJson(absl::string_view name, const FieldDescriptor* field,
                                             absl::string_view value) {
  const bool boolean = field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL ||
                       (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                        field->message_type()->full_name() == "google.protobuf.BoolValue");
  if (boolean) {
    if (value == "true" || value == "false") return std::string(value);
    return status::InvalidField(name, absl::StrCat("must be true or false, got ", Shown(value)));
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !IsStringLikeMessage(field->message_type())) {
    return status::InvalidField(name, "cannot be set from a query parameter: send it in a body");
  }
  // Enums by number are JSON numbers; everything else (numbers included, which the JSON
  // mapping accepts quoted) is a string, so nothing in `value` can escape its field.
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM && !value.empty() &&
      std::all_of(value.begin(), value.end(), [](char c) { return absl::ascii_isdigit(c); }) &&
      value.size() <= 9) {
    return std::string(value);
  }
  return Quote(value);
}

const FieldDescriptor* FindField(const Descriptor* type, absl::string_view name) {
  const FieldDescriptor* field = type->FindFieldByName(std::string(name));
  return field != nullptr ? field : type->FindFieldByCamelcaseName(std::string(name));
}

absl::Status SetQueryParameter(const HttpRoute& route, absl::string_view name,
                               absl::string_view value, Message& request) {
  if (!IsUtf8(name)) return status::InvalidField("query", "has a parameter name that is not UTF-8");
  if (!IsUtf8(value)) return status::InvalidField(name, "is not valid UTF-8");
  Message* container = &request;
  const FieldDescriptor* field = nullptr;
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    field = FindField(container->GetDescriptor(), parts[i]);
    if (field == nullptr) return status::InvalidField(name, "is not a parameter of this method");
    if (i == 0 && field->name() == route.body) {
      return status::InvalidField(name, "belongs in the request body");
    }
    if (i + 1 < parts.size()) {
      if (field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return status::InvalidField(name, "is not a parameter of this method");
      }
      container = container->GetReflection()->MutableMessage(container, field);
    }
  }
  if (field->is_map()) return status::InvalidField(name, "cannot be set from a query parameter");
  if (field == ManageTokenField(request.GetDescriptor())) {
    return status::InvalidField(name, absl::StrCat("must not travel in the URL, where logs and "
                                                   "browser history keep it: send it in the ",
                                                   kManageTokenHeader, " header"));
  }
  COOPNET_ASSIGN_OR_RETURN(std::string json_value, QueryValueAsJson(name, field, value));
  const std::string json = field->is_repeated()
                               ? absl::StrCat("{\"", field->json_name(), "\":[", json_value, "]}")
                               : absl::StrCat("{\"", field->json_name(), "\":", json_value, "}");
  std::unique_ptr<Message> part(container->New());
  if (!google::protobuf::util::JsonStringToMessage(json, part.get(), ParseOptions()).ok()) {
    return status::InvalidField(name,
                                absl::StrCat("must be ", Expected(field), ", got ", Shown(value)));
  }
  container->MergeFrom(*part);
  return absl::OkStatus();
}

void SetPathVariable(absl::string_view path, const std::string& value, Message& request) {
  Message* container = &request;
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const FieldDescriptor* field =
        container->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    container = container->GetReflection()->MutableMessage(container, field);
  }
  // RouteTable::Build checked that the path names a singular string field.
  const FieldDescriptor* field =
      container->GetDescriptor()->FindFieldByName(std::string(parts.back()));
  container->GetReflection()->SetString(container, field, value);
}

// Whether `json` holds an array directly inside an array. No field of our API is one
// (it has no google.protobuf.ListValue), but protobuf's parser flattens [["a"]] into
// ["a"] and accepts any depth of it, so such a body would be stored as something the
// caller did not send.
bool HasNestedArray(absl::string_view json) {
  std::vector<char> open;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (c == '[' && !open.empty() && open.back() == '[') return true;
      open.push_back(c);
    } else if ((c == ']' || c == '}') && !open.empty()) {
      open.pop_back();
    }
  }
  return false;
}

absl::Status ParseBody(absl::string_view field_name, absl::string_view body, Message& message) {
  if (IsBlank(body)) return absl::OkStatus();
  if (HasNestedArray(body)) {
    return status::InvalidField(field_name,
                                "must not hold an array inside an array: no field of this API "
                                "is a list of lists");
  }
  google::protobuf::util::Status parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), &message, ParseOptions());
  if (parsed.ok()) return absl::OkStatus();
  // The parser's message may quote the body after a line break: only its first line,
  // and only valid UTF-8, goes back to the caller.
  std::string why(parsed.message());
  why = why.substr(0, why.find('\n'));
  if (!IsUtf8(why)) why = "the body is not valid UTF-8";
  if (why.size() > 200) why = Shown(why);
  // "(venue.address): invalid value ..." names the field inside the body.
  std::string field(field_name);
  const size_t close = why.find("): ");
  if (absl::StartsWith(why, "(") && close != std::string::npos) {
    const std::string inner = why.substr(1, close - 1);
    field = field_name == "body" ? inner : absl::StrCat(field_name, ".", inner);
    why = why.substr(close + 3);
  }
  return status::InvalidField(field, absl::StrCat("is not valid JSON for ",
                                                  message.GetDescriptor()->full_name(), ": ", why));
}

absl::StatusOr<std::string> Json(const Message& message) {
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(message, &json, PrintOptions());
      !s.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetDescriptor()->full_name(),
                                            " as JSON: ", std::string(s.message())));
  }
  return json;
}

}  // namespace

std::unique_ptr<Message> NewRequest(const ApiMethod& method) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(method.descriptor->input_type())->New());
}

std::unique_ptr<Message> NewResponse(const ApiMethod& method) {
  return std::unique_ptr<Message>(
      MessageFactory::generated_factory()->GetPrototype(method.descriptor->output_type())->New());
}

absl::Status BuildRequest(const HttpRoute& route, absl::string_view body, absl::string_view query,
                          const std::vector<std::pair<std::string, std::string>>& bindings,
                          Message& request) {
  if (route.body.empty()) {
    if (!IsBlank(body)) {
      return status::InvalidField(
          "body", absl::StrCat(route.http_method, " ", route.path.text(), " takes no body"));
    }
  } else if (route.body == "*") {
    COOPNET_RETURN_IF_ERROR(ParseBody("body", body, request));
  } else {
    const FieldDescriptor* field = request.GetDescriptor()->FindFieldByName(route.body);
    COOPNET_RETURN_IF_ERROR(
        ParseBody(route.body, body, *request.GetReflection()->MutableMessage(&request, field)));
  }
  for (const auto& [path, value] : bindings) {
    if (!IsUtf8(value)) return status::InvalidField(path, "is not valid UTF-8");
    SetPathVariable(path, value, request);
  }
  const std::vector<std::pair<std::string, std::string>> parameters = ParseQuery(query);
  if (route.body == "*" && !parameters.empty()) {
    return status::InvalidField(parameters.front().first,
                                "is not allowed: this method takes every field in the body");
  }
  for (const auto& [name, value] : parameters) {
    COOPNET_RETURN_IF_ERROR(SetQueryParameter(route, name, value, request));
  }
  return absl::OkStatus();
}

const FieldDescriptor* ManageTokenField(const Descriptor* request) {
  const FieldDescriptor* field = request->FindFieldByName("manage_token");
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_STRING || field->is_repeated()) {
    return nullptr;
  }
  return field;
}

absl::Status SetManageToken(absl::string_view token, Message& request) {
  const FieldDescriptor* field = ManageTokenField(request.GetDescriptor());
  if (field == nullptr) {
    return status::InvalidField(kManageTokenHeader, "is not taken by this method");
  }
  const google::protobuf::Reflection* reflection = request.GetReflection();
  const std::string in_body = reflection->GetString(request, field);
  if (!in_body.empty() && in_body != token) {
    return status::InvalidField(kManageTokenHeader,
                                "differs from the manageToken in the body: send one");
  }
  reflection->SetString(&request, field, std::string(token));
  return absl::OkStatus();
}

bool CapPageSize(const ApiMethod& method, int max_page_size, Message& request) {
  if (method.page_size == nullptr) return false;
  const google::protobuf::Reflection* reflection = request.GetReflection();
  if (reflection->GetInt32(request, method.page_size) <= max_page_size) return false;
  reflection->SetInt32(&request, method.page_size, max_page_size);
  return true;
}

const FieldDescriptor* RawBodyField(const Descriptor* message) {
  const FieldDescriptor* content_type = message->FindFieldByName("content_type");
  if (content_type == nullptr || content_type->type() != FieldDescriptor::TYPE_STRING ||
      content_type->is_repeated()) {
    return nullptr;
  }
  const FieldDescriptor* data = nullptr;
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    // google.api.HttpBody's `extensions` say nothing about the content.
    if (field == content_type || (field->name() == "extensions" && field->is_repeated())) continue;
    if (data != nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return nullptr;
    }
    data = field;
  }
  return data;
}

absl::StatusOr<HttpBody> RenderStreamMessage(const Message& message) {
  if (const FieldDescriptor* data = RawBodyField(message.GetDescriptor())) {
    const google::protobuf::Reflection* reflection = message.GetReflection();
    const FieldDescriptor* content_type = message.GetDescriptor()->FindFieldByName("content_type");
    return HttpBody{reflection->GetString(message, content_type),
                    reflection->GetString(message, data)};
  }
  COOPNET_ASSIGN_OR_RETURN(std::string json, Json(message));
  json.push_back('\n');
  return HttpBody{"application/x-ndjson", std::move(json)};
}

absl::StatusOr<HttpBody> RenderResponse(const HttpRoute& route, const Message& response) {
  if (route.response_body.empty()) {
    if (RawBodyField(response.GetDescriptor()) != nullptr) {
      COOPNET_ASSIGN_OR_RETURN(HttpBody body, RenderStreamMessage(response));
      if (body.content_type.empty()) body.content_type = "application/octet-stream";
      return body;
    }
    COOPNET_ASSIGN_OR_RETURN(std::string json, Json(response));
    return HttpBody{"application/json", std::move(json)};
  }
  const FieldDescriptor* field = response.GetDescriptor()->FindFieldByName(route.response_body);
  if (!field->is_repeated() && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    COOPNET_ASSIGN_OR_RETURN(std::string json,
                             Json(response.GetReflection()->GetMessage(response, field)));
    return HttpBody{"application/json", std::move(json)};
  }
  // A scalar or repeated field: print a message holding only it, then take its value out
  // of `{"jsonName":VALUE}`.
  std::unique_ptr<Message> only(response.New());
  only->CopyFrom(response);
  std::vector<const FieldDescriptor*> set;
  only->GetReflection()->ListFields(*only, &set);
  for (const FieldDescriptor* other : set) {
    if (other != field) only->GetReflection()->ClearField(only.get(), other);
  }
  google::protobuf::util::JsonPrintOptions options = PrintOptions();
  options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*only, &json, options).ok()) {
    return absl::InternalError("cannot print the response body as JSON");
  }
  const std::string prefix = absl::StrCat("{\"", field->json_name(), "\":");
  if (!absl::StartsWith(json, prefix) || !absl::EndsWith(json, "}")) {
    return absl::InternalError("unexpected JSON for the response body");
  }
  return HttpBody{"application/json", json.substr(prefix.size(), json.size() - prefix.size() - 1)};
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS
      return 500;
  }
}

HttpError RenderError(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) {
    rpc_status.Clear();
  }
  // gRPC's own code and message are what the caller was told; the details add to them.
  rpc_status.set_code(static_cast<int>(status.error_code()));
  rpc_status.set_message(status.error_message());
  HttpError error;
  error.http_status = HttpStatusOf(status.error_code());
  if (!google::protobuf::util::MessageToJsonString(rpc_status, &error.json, PrintOptions()).ok()) {
    // A detail of a type this gateway does not know cannot be printed: leave the details out.
    rpc_status.clear_details();
    error.json.clear();
    (void)google::protobuf::util::MessageToJsonString(rpc_status, &error.json, PrintOptions());
  }
  return error;
}

HttpResponse RenderRefusal(const HttpRefusal& refusal) {
  const grpc::StatusCode code = refusal.status == 400 ? grpc::StatusCode::INVALID_ARGUMENT
                                                      : grpc::StatusCode::RESOURCE_EXHAUSTED;
  HttpError error = RenderError(grpc::Status(code, refusal.message));
  return HttpResponse{
      refusal.status, {{"Content-Type", "application/json"}}, std::move(error.json)};
}

}  // namespace coopnet::gateway
