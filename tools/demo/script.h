// A demo script: steps that call coopnet's methods by name with proto3 JSON requests.
//
//   {"steps": [{"as": "kofoeds", "call": "pkg.Service/Method", "request": {...}}, ...]}
//
// Inside any string of a request, `${alias.path}` is a field of an earlier step's answer
// (`${kofoeds.name}`, `${forum.participants.0.id}`) and `${at +21d 16:30 Europe/Copenhagen}`
// is that local time, 21 days after the day the script is loaded, as an RFC 3339 UTC
// timestamp (`${at +3w thu 16:30 Europe/Copenhagen}`: the Thursday of the week three
// weeks on): demo events stay upcoming, on their seed's weekday, whenever they are loaded. Give
// every creating step a request_id: a script run again (after a failure, say) then returns what the
// first run made instead of making it twice, for as long as the services keep request ids.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

namespace coopnet::demo {

struct Step {
  std::string as;    // the name later steps use for this step's answer; may be empty
  std::string call;  // "package.Service/Method"
  google::protobuf::Value request;
};

struct Script {
  std::vector<Step> steps;
};

// Answers of the steps run so far, by their `as` names.
using Answers = std::map<std::string, google::protobuf::Value>;

absl::StatusOr<Script> ParseScript(const std::string& json);

// The request with every `${...}` replaced; INVALID_ARGUMENT names the placeholder that
// refers to no answer, no field or no time zone.
absl::StatusOr<std::string> Render(const google::protobuf::Value& request, const Answers& answers,
                                   absl::Time load_time);

// Parses an answer (proto3 JSON) for later steps to refer to.
absl::StatusOr<google::protobuf::Value> ParseAnswer(const std::string& json);

}  // namespace coopnet::demo
