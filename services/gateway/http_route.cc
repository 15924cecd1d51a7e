#include "services/gateway/http_route.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"

namespace coopnet::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

absl::Status BadTemplate(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("path template \"", text, "\" ", why));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HoldsEncodedSlash(absl::string_view segment) {
  return absl::StrContains(segment, "%2F") || absl::StrContains(segment, "%2f");
}

// The field `path` (`event.name`) names in `message`, walking singular message fields;
// null when a part is missing, repeated before the end, or not a message where one must be.
const FieldDescriptor* ResolveField(const Descriptor* message, absl::string_view path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) return nullptr;
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr || field->is_repeated()) return nullptr;
    message = field->message_type();
  }
  return field;
}

// The binding of one rule (the main one or an additional binding) of `method`.
absl::StatusOr<HttpRoute> RouteOf(const ApiMethod& method, const google::api::HttpRule& rule) {
  HttpRoute route;
  route.method = &method;
  absl::string_view path;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET", path = rule.get();
      break;
    case google::api::HttpRule::kPut:
      route.http_method = "PUT", path = rule.put();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST", path = rule.post();
      break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE", path = rule.delete_();
      break;
    case google::api::HttpRule::kPatch:
      route.http_method = "PATCH", path = rule.patch();
      break;
    case google::api::HttpRule::kCustom:
      route.http_method = absl::AsciiStrToUpper(rule.custom().kind());
      path = rule.custom().path();
      break;
    default:
      return absl::InvalidArgumentError("the rule has no path");
  }
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return parsed.status();
  route.path = *std::move(parsed);
  const Descriptor* request = method.descriptor->input_type();
  for (const PathTemplate::Variable& variable : route.path.variables()) {
    const FieldDescriptor* field = ResolveField(request, variable.field_path);
    if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return absl::InvalidArgumentError(absl::StrCat("path variable ", variable.field_path,
                                                     " is no string field of the request"));
    }
  }
  route.body = rule.body();
  if (!route.body.empty() && route.body != "*") {
    // A body is parsed into its field as JSON of that message, never spliced into text.
    const FieldDescriptor* field = request->FindFieldByName(route.body);
    if (field == nullptr || field->is_repeated() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat("body ", route.body, " is no singular message field of the request"));
    }
  }
  route.response_body = rule.response_body();
  if (!route.response_body.empty() &&
      method.descriptor->output_type()->FindFieldByName(route.response_body) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("response_body ", route.response_body, " is no response field"));
  }
  return route;
}

}  // namespace

std::string PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = part.find('=');
    if (equals == absl::string_view::npos) {
      pairs.emplace_back(PercentDecode(part, true), "");
    } else {
      pairs.emplace_back(PercentDecode(part.substr(0, equals), true),
                         PercentDecode(part.substr(equals + 1), true));
    }
  }
  return pairs;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate parsed;
  parsed.text_ = std::string(text);
  if (text.empty() || text[0] != '/') return BadTemplate(text, "does not start with '/'");

  // The verb starts at the first ':' outside a variable.
  int depth = 0;
  size_t verb_at = absl::string_view::npos;
  for (size_t i = 0; i < text.size() && verb_at == absl::string_view::npos; ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}') --depth;
    if (depth < 0 || depth > 1) return BadTemplate(text, "has unbalanced or nested braces");
    if (text[i] == ':' && depth == 0) verb_at = i;
  }
  if (depth != 0) return BadTemplate(text, "has unbalanced braces");
  absl::string_view body =
      text.substr(1, verb_at == absl::string_view::npos ? text.npos : verb_at - 1);
  if (verb_at != absl::string_view::npos) {
    parsed.verb_ = std::string(text.substr(verb_at + 1));
    if (parsed.verb_.empty()) return BadTemplate(text, "has an empty verb");
  }

  auto add_segment = [&](absl::string_view token) -> absl::Status {
    if (token.empty()) return BadTemplate(text, "has an empty segment");
    Segment segment;
    if (token == "*") {
      segment.kind = Segment::Kind::kOne;
    } else if (token == "**") {
      segment.kind = Segment::Kind::kRest;
    } else if (token.find_first_of("{}*=") != absl::string_view::npos) {
      return BadTemplate(text, absl::StrCat("has a malformed segment \"", token, "\""));
    } else {
      segment.literal = std::string(token);
    }
    parsed.segments_.push_back(std::move(segment));
    return absl::OkStatus();
  };

  size_t pos = 0;
  while (pos <= body.size()) {
    if (pos < body.size() && body[pos] == '{') {
      const size_t close = body.find('}', pos);
      absl::string_view inside = body.substr(pos + 1, close - pos - 1);
      Variable variable;
      const size_t equals = inside.find('=');
      variable.field_path = std::string(inside.substr(0, equals));
      if (variable.field_path.empty()) return BadTemplate(text, "has a variable without a field");
      variable.first_segment = static_cast<int>(parsed.segments_.size());
      if (equals == absl::string_view::npos) {
        if (absl::Status s = add_segment("*"); !s.ok()) return s;
      } else {
        for (absl::string_view token : absl::StrSplit(inside.substr(equals + 1), '/')) {
          if (absl::Status s = add_segment(token); !s.ok()) return s;
        }
      }
      variable.end_segment = static_cast<int>(parsed.segments_.size());
      if (parsed.segments_.back().kind == Segment::Kind::kRest) variable.end_segment = -1;
      parsed.variables_.push_back(std::move(variable));
      pos = close + 1;
    } else {
      size_t end = body.find('/', pos);
      if (end == absl::string_view::npos) end = body.size();
      if (absl::Status s = add_segment(body.substr(pos, end - pos)); !s.ok()) return s;
      pos = end;
    }
    if (pos >= body.size()) break;
    if (body[pos] != '/') return BadTemplate(text, "has text after a variable");
    ++pos;
  }
  for (size_t i = 0; i + 1 < parsed.segments_.size(); ++i) {
    if (parsed.segments_[i].kind == Segment::Kind::kRest) {
      return BadTemplate(text, "has '**' before its last segment");
    }
  }
  return parsed;
}

int PathTemplate::literal_count() const {
  return static_cast<int>(std::count_if(segments_.begin(), segments_.end(), [](const Segment& s) {
    return s.kind == Segment::Kind::kLiteral;
  }));
}

bool PathTemplate::Match(const std::vector<absl::string_view>& segments, absl::string_view verb,
                         std::vector<std::pair<std::string, std::string>>* bindings) const {
  if (verb != verb_) return false;
  const bool rest = !segments_.empty() && segments_.back().kind == Segment::Kind::kRest;
  const size_t fixed = rest ? segments_.size() - 1 : segments_.size();
  if (rest ? segments.size() < fixed : segments.size() != fixed) return false;
  for (size_t i = 0; i < fixed; ++i) {
    const Segment& segment = segments_[i];
    if (segments[i].empty()) return false;
    if (segment.kind == Segment::Kind::kLiteral && segments[i] != segment.literal) return false;
  }
  bindings->clear();
  for (const Variable& variable : variables_) {
    const size_t end = variable.end_segment < 0 ? segments.size() : variable.end_segment;
    std::vector<absl::string_view> covered(segments.begin() + variable.first_segment,
                                           segments.begin() + end);
    // A variable of several segments (`events/*`) is bound to their text joined by '/', so
    // an encoded '/' inside one would bind a name of another shape (`events/1/registrations/2`).
    // google/api/http.proto keeps it encoded instead; no resource id holds one, so such a
    // path names nothing.
    const bool several = variable.end_segment < 0 || end - variable.first_segment > 1;
    if (several && std::any_of(covered.begin(), covered.end(), HoldsEncodedSlash)) return false;
    bindings->emplace_back(variable.field_path, PercentDecode(absl::StrJoin(covered, "/")));
  }
  return true;
}

absl::StatusOr<RouteTable> RouteTable::Build(const ApiCatalog& catalog) {
  RouteTable table;
  for (const ApiMethod& method : catalog.methods()) {
    const google::api::HttpRule& rule =
        method.descriptor->options().GetExtension(google::api::http);
    if (rule.pattern_case() == google::api::HttpRule::PATTERN_NOT_SET) continue;
    std::vector<const google::api::HttpRule*> rules = {&rule};
    for (const google::api::HttpRule& more : rule.additional_bindings()) rules.push_back(&more);
    for (const google::api::HttpRule* one : rules) {
      absl::StatusOr<HttpRoute> route = RouteOf(method, *one);
      if (!route.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("HTTP rule of ", method.path, ": ", route.status().message()));
      }
      table.routes_.push_back(*std::move(route));
    }
  }
  // The most literal template wins: `/v1/events:calendar` before `/v1/{name=events/*}`.
  std::stable_sort(table.routes_.begin(), table.routes_.end(),
                   [](const HttpRoute& a, const HttpRoute& b) {
                     return a.path.literal_count() > b.path.literal_count();
                   });
  return table;
}

RouteMatch RouteTable::Match(absl::string_view http_method, absl::string_view path) const {
  RouteMatch match;
  if (path.empty() || path[0] != '/') return match;
  std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  // A custom method's verb follows the last ':' of the last segment; a path whose last
  // segment merely holds a ':' is tried as it is after that, as is one ending in ':',
  // since no verb is empty.
  struct Candidate {
    std::vector<absl::string_view> segments;
    absl::string_view verb;
  };
  std::vector<Candidate> candidates;
  const size_t colon = segments.back().rfind(':');
  if (colon != absl::string_view::npos && colon + 1 < segments.back().size()) {
    Candidate with_verb{segments, segments.back().substr(colon + 1)};
    with_verb.segments.back() = segments.back().substr(0, colon);
    candidates.push_back(std::move(with_verb));
  }
  candidates.push_back({segments, ""});

  std::vector<std::pair<std::string, std::string>> bindings;
  for (const Candidate& candidate : candidates) {
    for (const HttpRoute& route : routes_) {
      if (!route.path.Match(candidate.segments, candidate.verb, &bindings)) continue;
      if (route.http_method == http_method) {
        match.route = &route;
        match.bindings = std::move(bindings);
        match.allowed.clear();
        return match;
      }
      if (std::find(match.allowed.begin(), match.allowed.end(), route.http_method) ==
          match.allowed.end()) {
        match.allowed.push_back(route.http_method);
      }
    }
    if (!match.allowed.empty()) return match;
  }
  return match;
}

}  // namespace coopnet::gateway
