// coopnet::gateway — the OpenAPI 3 description of the HTTP/JSON API, made from the same
// routes the gateway serves, so that portals can generate their clients from
// `GET /openapi.json` and it can never disagree with what is served.
//
// Each route is one operation: a resource name variable becomes its path segments with
// one parameter per id (`/v1/{name=organisations/*/apiKeys/*}` is
// `/v1/organisations/{organisation}/apiKeys/{apiKey}`), the request's other fields are
// query parameters or the JSON body, the answer and the error (google.rpc.Status) are
// schemas made from the messages. Who may call it is the `apiKey` security scheme, and
// the method's policy is repeated in `x-coopnet-policy`.
//
// The protos' comments (ApiComments) describe the services (as tags), methods, messages,
// fields, query parameters and enum values; what a field's comment says in the words of
// Google's AIPs makes it `readOnly` or `required` (FieldBehaviourOf).
//
//   const std::string document = OpenApiDocument(routes);
#ifndef COOPNET_SERVICES_GATEWAY_OPENAPI_H_
#define COOPNET_SERVICES_GATEWAY_OPENAPI_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/gateway/http_route.h"

namespace coopnet::gateway {

// The OpenAPI 3.0 document (JSON) of `routes`.
std::string OpenApiDocument(const RouteTable& routes);

// What a field's comment (ApiComments::OfGroup) says of it, sentence by sentence, in the
// words proto/coopnet uses: "Output only." (or "Output only: ...", "Output only (...)")
// makes it output only; "Required.", "Required, ...", "Required; ..." and "Both required."
// make it required. A condition does not ("Required for NETWORK visibility.", "Required to
// submit.", "Required when adding.", "required for ONLINE and MIXED"): the field may be
// left out of some requests.
struct FieldBehaviour {
  bool output_only = false;
  bool required = false;
};
FieldBehaviour FieldBehaviourOf(absl::string_view comment);

// The OpenAPI path of a route's template, and the parameter a path variable's
// wildcard becomes (`organisations` -> `organisation`).
std::string OpenApiPath(const PathTemplate& path);
std::string ParameterName(absl::string_view collection);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_OPENAPI_H_
