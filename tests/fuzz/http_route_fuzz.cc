// Fuzz target: the gateway's HTTP route matcher (services/gateway/http_route.h) over the
// routes of every coopnet API.
//
// The input is a request line without its version: `GET /v1/events/01gf3y3q`. Whatever it
// holds, a path either matches a route of its method, whose variables, expanded as a
// client expands them (google/api/http.proto), give back the path, or it matches none and
// the methods named as allowed are exactly those that would have matched.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/gateway/http_route.h"
#include "tests/fuzz/api_routes.h"
#include "tests/fuzz/property.h"

namespace coopnet::gateway {
namespace {

using fuzz::Expect;

// `text` as a client puts it into a path: every octet but the unreserved [-_.~0-9A-Za-z]
// as %XX.
std::string Encoded(absl::string_view text) {
  std::string out;
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", absl::Hex(u, absl::kZeroPad2));
    }
  }
  return out;
}

// The segments of `path` (the verb of `route` taken off) as a client would have sent the
// same values.
std::vector<std::string> SentSegments(const HttpRoute& route, absl::string_view path) {
  absl::string_view rest = path.substr(1);
  if (!route.path.verb().empty()) {
    const std::string verb = absl::StrCat(":", route.path.verb());
    Expect(absl::EndsWith(rest, verb), "a route with a verb matches a path ending in it", path);
    rest.remove_suffix(verb.size());
  }
  std::vector<std::string> segments;
  for (absl::string_view segment : absl::StrSplit(rest, '/')) {
    segments.push_back(Encoded(PercentDecode(segment)));
  }
  return segments;
}

// The segments a client expanding `route`'s template with `bindings` sends: a variable of
// one segment whole, one of several (`events/*`) split at its '/'. Nullopt for a template
// with a wildcard outside any variable, whose segment no binding holds.
std::optional<std::vector<std::string>> ExpandedSegments(
    const HttpRoute& route, const std::vector<std::pair<std::string, std::string>>& bindings) {
  const std::vector<PathTemplate::Segment>& segments = route.path.segments();
  const std::vector<PathTemplate::Variable>& variables = route.path.variables();
  std::vector<std::string> expanded;
  size_t next = 0;
  auto literals_until = [&](size_t end) {
    for (; next < end; ++next) {
      if (segments[next].kind != PathTemplate::Segment::Kind::kLiteral) return false;
      expanded.push_back(Encoded(segments[next].literal));
    }
    return true;
  };
  for (size_t v = 0; v < variables.size(); ++v) {
    const PathTemplate::Variable& variable = variables[v];
    if (!literals_until(variable.first_segment)) return std::nullopt;
    const size_t end = variable.end_segment < 0 ? segments.size() : variable.end_segment;
    const bool one_segment =
        end == next + 1 && segments[next].kind == PathTemplate::Segment::Kind::kOne;
    if (one_segment) {
      expanded.push_back(Encoded(bindings[v].second));
    } else {
      for (absl::string_view piece : absl::StrSplit(bindings[v].second, '/')) {
        expanded.push_back(Encoded(piece));
      }
    }
    next = end;
  }
  if (!literals_until(segments.size())) return std::nullopt;
  return expanded;
}

void CheckMatch(absl::string_view input) {
  const size_t space = input.find(' ');
  const absl::string_view method =
      space == absl::string_view::npos ? "GET" : input.substr(0, space);
  absl::string_view path = space == absl::string_view::npos ? input : input.substr(space + 1);
  path = path.substr(0, path.find('?'));  // as the gateway takes the path from a target
  const RouteMatch match = fuzz::ApiRoutes().Match(method, path);

  if (match.route == nullptr) {
    std::vector<std::string> matching;
    for (const char* other : {"GET", "PUT", "POST", "PATCH", "DELETE"}) {
      if (other != method && fuzz::ApiRoutes().Match(other, path).route != nullptr) {
        matching.push_back(other);
      }
    }
    std::vector<std::string> allowed = match.allowed;
    std::sort(allowed.begin(), allowed.end());
    std::sort(matching.begin(), matching.end());
    Expect(allowed == matching, "the methods allowed are those that match",
           absl::StrCat(input, " allows ", absl::StrJoin(match.allowed, ","), ", matched by ",
                        absl::StrJoin(matching, ",")));
    return;
  }
  const HttpRoute& route = *match.route;
  Expect(route.http_method == method, "a route matches only its own method", input);
  Expect(match.bindings.size() == route.path.variables().size(), "every variable is bound", input);
  for (size_t v = 0; v < match.bindings.size(); ++v) {
    Expect(match.bindings[v].first == route.path.variables()[v].field_path,
           "variables are bound in order", input);
  }
  const std::optional<std::vector<std::string>> expanded = ExpandedSegments(route, match.bindings);
  if (!expanded) return;
  const std::vector<std::string> sent = SentSegments(route, path);
  Expect(*expanded == sent, "the variables expand to the path",
         absl::StrCat(input, " matched ", route.path.text(), " and expands to /",
                      absl::StrJoin(*expanded, "/")));
}

}  // namespace
}  // namespace coopnet::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coopnet::gateway::CheckMatch(coopnet::fuzz::AsText(data, size));
  return 0;
}
