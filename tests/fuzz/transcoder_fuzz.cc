// Fuzz target: the gateway's JSON transcoder (services/gateway/transcoder.h) over the routes
// of every coopnet API.
//
// The input is an HTTP request without its headers: `POST /v1/events?...`, a line break and
// the JSON body. Whatever it holds, the request is built or refused as INVALID_ARGUMENT; a
// request built prints as JSON that builds the same request again (sent whole as the body;
// update masks naming no field aside, see CarriedByJson); and a body that is JSON of the
// method's response renders as the gateway answers, which reads back as the same response.
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/gateway/transcoder.h"
#include "tests/fuzz/api_routes.h"
#include "tests/fuzz/property.h"

namespace coopnet::gateway {
namespace {

using fuzz::Expect;
using google::protobuf::Message;

// Whether `a` and `b` hold the same values; NaN, which the JSON mapping carries, equals
// itself here.
bool Same(const Message& a, const Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

// Whether the JSON mapping carries the FieldMask path `path` unchanged: "*", or names in
// lower_snake_case, each '_' before a letter, joined by dots (`venue.address_lines`).
// Protobuf reads `title_` or `a__b` from JSON as they are but prints them as `title` and
// `aB`; they name no field, and every service refuses them.
bool CarriedByJson(absl::string_view path) {
  if (path == "*") return true;
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (name.empty() || !absl::ascii_islower(name[0])) return false;
    for (size_t i = 1; i < name.size(); ++i) {
      const bool word_start =
          name[i] == '_' && i + 1 < name.size() && absl::ascii_islower(name[i + 1]);
      if (!word_start && !absl::ascii_islower(name[i]) && !absl::ascii_isdigit(name[i])) {
        return false;
      }
    }
  }
  return true;
}

// Clears, in `a` and `b`, each google.protobuf.FieldMask field of theirs that holds in `a` a
// path the JSON mapping does not carry unchanged.
void ClearMasksJsonChanges(Message& a, Message& b) {
  const google::protobuf::Descriptor* type = a.GetDescriptor();
  const google::protobuf::Reflection* reflection = a.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (field->is_repeated() || field->message_type() == nullptr ||
        field->message_type()->full_name() != "google.protobuf.FieldMask" ||
        !reflection->HasField(a, field)) {
      continue;
    }
    const Message& mask = reflection->GetMessage(a, field);
    const google::protobuf::FieldDescriptor* paths = mask.GetDescriptor()->FindFieldByName("paths");
    for (int p = 0; p < mask.GetReflection()->FieldSize(mask, paths); ++p) {
      if (!CarriedByJson(mask.GetReflection()->GetRepeatedString(mask, paths, p))) {
        reflection->ClearField(&a, field);
        reflection->ClearField(&b, field);
        break;
      }
    }
  }
}

void CheckRequestRoundTrip(const HttpRoute& route, const Message& request) {
  std::string json;
  Expect(google::protobuf::util::MessageToJsonString(request, &json).ok(),
         "a request built prints as JSON", request.DebugString());
  HttpRoute whole_body = route;
  // Built as a std::string: GCC 12 warns falsely (-Wrestrict) about assigning "*".
  whole_body.body = std::string(1, '*');
  std::unique_ptr<Message> again = NewRequest(*route.method);
  const absl::Status rebuilt = BuildRequest(whole_body, json, "", {}, *again);
  Expect(rebuilt.ok(), "a request's JSON builds a request", absl::StrCat(rebuilt.ToString(), json));
  std::unique_ptr<Message> sent(request.New());
  sent->CopyFrom(request);
  ClearMasksJsonChanges(*sent, *again);
  Expect(Same(*sent, *again), "a request's JSON builds the same request",
         absl::StrCat(json, " builds ", again->DebugString()));
}

void CheckResponseRoundTrip(const HttpRoute& route, absl::string_view body) {
  // No route of the API sends a field of its response; RenderResponse's own tests cover it.
  if (!route.response_body.empty()) return;
  std::unique_ptr<Message> response = NewResponse(*route.method);
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(body.data(), body.size()), response.get())
           .ok()) {
    return;
  }
  const bool stream = route.method->descriptor->server_streaming();
  const absl::StatusOr<HttpBody> rendered =
      stream ? RenderStreamMessage(*response) : RenderResponse(route, *response);
  Expect(rendered.ok(), "every response renders", rendered.status().ToString());
  if (const auto* raw = RawBodyField(response->GetDescriptor())) {
    Expect(rendered->data == response->GetReflection()->GetString(*response, raw),
           "a raw body is sent as it is", rendered->data);
    return;
  }
  std::unique_ptr<Message> back = NewResponse(*route.method);
  Expect(google::protobuf::util::JsonStringToMessage(rendered->data, back.get()).ok(),
         "a rendered response is JSON of the response", rendered->data);
  Expect(Same(*response, *back), "a rendered response reads back as itself", rendered->data);
}

void CheckTranscoding(absl::string_view input) {
  const size_t newline = input.find('\n');
  const absl::string_view line = input.substr(0, newline);
  const absl::string_view body =
      newline == absl::string_view::npos ? absl::string_view() : input.substr(newline + 1);
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return;
  const absl::string_view target = line.substr(space + 1);
  const size_t question = target.find('?');
  const absl::string_view query =
      question == absl::string_view::npos ? absl::string_view() : target.substr(question + 1);
  const RouteMatch match =
      fuzz::ApiRoutes().Match(line.substr(0, space), target.substr(0, question));
  if (match.route == nullptr) return;

  std::unique_ptr<Message> request = NewRequest(*match.route->method);
  const absl::Status built = BuildRequest(*match.route, body, query, match.bindings, *request);
  if (built.ok()) {
    CheckRequestRoundTrip(*match.route, *request);
  } else {
    Expect(built.code() == absl::StatusCode::kInvalidArgument,
           "a request that cannot be built is INVALID_ARGUMENT", built.ToString());
  }
  CheckResponseRoundTrip(*match.route, body);
}

}  // namespace
}  // namespace coopnet::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coopnet::gateway::CheckTranscoding(coopnet::fuzz::AsText(data, size));
  return 0;
}
