// coopnet::gateway — HTTP/JSON to protobuf and back, after google/api/http.proto and the
// proto3 JSON mapping.
//
// A request message is filled from the body (the whole request for `body: "*"`, or the
// rule's body field), then the path variables, then the query parameters (`page_size=10`,
// `kinds=WORKSHOP&kinds=FORUM`, `filter.upcoming=true`). A response is JSON, except for a
// message shaped like google.api.HttpBody (a `content_type` and one string or bytes
// field, such as an iCalendar document or a chunk of a CSV export), which is sent as it
// is with its own media type. Errors become a JSON google.rpc.Status with the HTTP code
// google/rpc/code.proto gives its gRPC code.
//
//   std::unique_ptr<Message> request = NewRequest(*route.method);
//   COOPNET_RETURN_IF_ERROR(BuildRequest(route, body, query, match.bindings, *request));
//   ...
//   COOPNET_ASSIGN_OR_RETURN(HttpBody reply, RenderResponse(route, *response));
#ifndef COOPNET_SERVICES_GATEWAY_TRANSCODER_H_
#define COOPNET_SERVICES_GATEWAY_TRANSCODER_H_

#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/http_route.h"
#include "services/gateway/http_server.h"

namespace coopnet::gateway {

// Empty messages of the method's request and response types.
std::unique_ptr<google::protobuf::Message> NewRequest(const ApiMethod& method);
std::unique_ptr<google::protobuf::Message> NewResponse(const ApiMethod& method);

// Fills `request` (empty, of the route's request type) from an HTTP request.
// INVALID_ARGUMENT naming what is wrong: the body (malformed JSON, a wrong type, an
// unknown field or enum name), a query parameter (unknown, not settable from a query, or
// of the wrong type), or a body sent to a route that takes none.
absl::Status BuildRequest(const HttpRoute& route, absl::string_view body, absl::string_view query,
                          const std::vector<std::pair<std::string, std::string>>& bindings,
                          google::protobuf::Message& request);

// The header that carries a registration's manage token (the request's `manage_token`):
// a secret, so never in a URL, which access logs, proxies and browser history keep.
inline constexpr char kManageTokenHeader[] = "X-Coopnet-Manage-Token";

// The request's top-level `manage_token` string field; null when the method takes none.
const google::protobuf::FieldDescriptor* ManageTokenField(
    const google::protobuf::Descriptor* request);

// Sets the request's manage_token to `token`, the X-Coopnet-Manage-Token header's value.
// INVALID_ARGUMENT naming the header when the method takes no manage token or the body
// carries a different one.
absl::Status SetManageToken(absl::string_view token, google::protobuf::Message& request);

// Lowers the request's page_size to `max_page_size` when it asks for more; true when it
// changed anything.
bool CapPageSize(const ApiMethod& method, int max_page_size, google::protobuf::Message& request);

// An HTTP response body and its media type.
struct HttpBody {
  std::string content_type;
  std::string data;
};

// The field holding the content when `message` is shaped like google.api.HttpBody: a
// string `content_type` and exactly one other singular string or bytes field. Null
// otherwise.
const google::protobuf::FieldDescriptor* RawBodyField(const google::protobuf::Descriptor* message);

// The body of a unary response: the raw content of an HttpBody-shaped message, or the
// JSON of the message (or of its `response_body` field).
absl::StatusOr<HttpBody> RenderResponse(const HttpRoute& route,
                                        const google::protobuf::Message& response);

// One message of a server stream: raw content for HttpBody-shaped messages (the chunks
// in order are the file; the media type comes with the first), otherwise one line of
// JSON (the stream is `application/x-ndjson`).
absl::StatusOr<HttpBody> RenderStreamMessage(const google::protobuf::Message& message);

// The HTTP status google/rpc/code.proto gives a gRPC code.
int HttpStatusOf(grpc::StatusCode code);

// `status` as the JSON of a google.rpc.Status (the one a service sent in the details,
// else one made of code and message), with its HTTP status.
struct HttpError {
  int http_status = 500;
  std::string json;
};
HttpError RenderError(const grpc::Status& status);

// A request the HTTP transport refused (too large, malformed) as the API answers errors:
// RESOURCE_EXHAUSTED for what is too large, INVALID_ARGUMENT for the rest.
HttpResponse RenderRefusal(const HttpRefusal& refusal);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_TRANSCODER_H_
