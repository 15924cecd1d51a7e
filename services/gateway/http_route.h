// coopnet::gateway — HTTP routes made from the methods' google.api.http rules.
//
// A rule's path template (`/v1/{name=events/*}:cancel`, after google/api/http.proto) is
// compiled once at start; a request path is matched against every route of its HTTP
// method, the most literal template first, and each variable is bound to the segments it
// covers, percent-decoded: `/v1/events/01j9:cancel` binds `name` to `events/01j9`. A
// variable of several segments never matches an encoded '/' (%2F) inside one.
//
//   COOPNET_ASSIGN_OR_RETURN(RouteTable routes, RouteTable::Build(catalog));
//   RouteMatch match = routes.Match("GET", "/v1/events/01j9");
//   if (match.route == nullptr) ...  // 404, or 405 when match.allowed names other methods
#ifndef COOPNET_SERVICES_GATEWAY_HTTP_ROUTE_H_
#define COOPNET_SERVICES_GATEWAY_HTTP_ROUTE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/api_catalog.h"

namespace coopnet::gateway {

// A compiled path template.
class PathTemplate {
 public:
  // INVALID_ARGUMENT for text that is not a template of google/api/http.proto (`**` only
  // last; variables not nested).
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // One `{field.path=segments}` variable: the field it sets and the segments it covers.
  struct Variable {
    std::string field_path;
    int first_segment = 0;
    // One past the last; -1 for a variable ending in `**` (to the end of the path).
    int end_segment = 0;
  };

  // One segment of the template: a literal, `*` (one segment) or `**` (the rest).
  struct Segment {
    enum class Kind { kLiteral, kOne, kRest };
    Kind kind = Kind::kLiteral;
    std::string literal;
  };

  // The variable bindings when `segments` (split at '/', still percent-encoded) and
  // `verb` (after the last ':' of the last segment, "" when none) match; false otherwise.
  bool Match(const std::vector<absl::string_view>& segments, absl::string_view verb,
             std::vector<std::pair<std::string, std::string>>* bindings) const;

  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }
  const std::string& text() const { return text_; }
  // How many segments are literals: more literal templates are tried first.
  int literal_count() const;

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// One HTTP binding of a method.
struct HttpRoute {
  const ApiMethod* method = nullptr;
  // "GET", "POST", "PATCH", "PUT" or "DELETE".
  std::string http_method;
  PathTemplate path;
  // The request field the body fills: "" (no body), "*" (the whole request) or a field.
  std::string body;
  // The response field sent as the body; "" for the whole response.
  std::string response_body;
};

struct RouteMatch {
  const HttpRoute* route = nullptr;
  // The variables of the path, percent-decoded: {"name", "events/01j9"}.
  std::vector<std::pair<std::string, std::string>> bindings;
  // When no route of the HTTP method matched: the methods whose routes would have (for
  // 405 and its Allow header); empty when the path matches nothing (404).
  std::vector<std::string> allowed;
};

class RouteTable {
 public:
  // Every rule (with its additional bindings) of every method of `catalog`, which must
  // outlive the table. INVALID_ARGUMENT naming the method whose rule does not parse, or
  // whose body or path names a field its request lacks.
  static absl::StatusOr<RouteTable> Build(const ApiCatalog& catalog);

  // `path` is the request target's path (before '?'), percent-encoded as received.
  RouteMatch Match(absl::string_view http_method, absl::string_view path) const;

  const std::vector<HttpRoute>& routes() const { return routes_; }

 private:
  std::vector<HttpRoute> routes_;
};

// `text` with %XX escapes decoded (and '+' as a space when `plus_is_space`, as in query
// strings). A malformed escape is kept as it is.
std::string PercentDecode(absl::string_view text, bool plus_is_space = false);

// The `name=value` pairs of a query string, decoded, in order; a name without '=' has an
// empty value.
std::vector<std::pair<std::string, std::string>> ParseQuery(absl::string_view query);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_HTTP_ROUTE_H_
