#include "tools/demo/script.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"

namespace coopnet::demo {
namespace {

using google::protobuf::Value;

absl::StatusOr<Value> ParseJson(const std::string& json, absl::string_view what) {
  Value value;
  if (auto s = google::protobuf::util::JsonStringToMessage(json, &value); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not JSON: ", std::string(s.message())));
  }
  return value;
}

const Value* Field(const Value& value, absl::string_view key) {
  if (value.kind_case() == Value::kStructValue) {
    auto it = value.struct_value().fields().find(std::string(key));
    return it == value.struct_value().fields().end() ? nullptr : &it->second;
  }
  size_t index = 0;
  if (value.kind_case() == Value::kListValue && absl::SimpleAtoi(key, &index) &&
      index < static_cast<size_t>(value.list_value().values_size())) {
    return &value.list_value().values(static_cast<int>(index));
  }
  return nullptr;
}

absl::StatusOr<Step> ParseStep(const Value& value, absl::string_view where) {
  if (value.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError(absl::StrCat(where, " must be an object"));
  }
  Step step;
  const Value* call = Field(value, "call");
  if (call == nullptr || call->string_value().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".call must name a method"));
  }
  step.call = call->string_value();
  if (const Value* as = Field(value, "as")) step.as = as->string_value();
  if (const Value* request = Field(value, "request")) {
    step.request = *request;
  } else {
    step.request.mutable_struct_value();
  }
  return step;
}

// The day of the week a three-letter English name (`thu`) stands for, from Monday: 0-6.
std::optional<int> WeekdayIndex(absl::string_view name) {
  static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (int i = 0; i < 7; ++i) {
    if (name == kDays[i]) return i;
  }
  return std::nullopt;
}

// `at +21d 16:30 Europe/Copenhagen`, or `at +3w thu 16:30 Europe/Copenhagen`: the
// Thursday of the week three weeks after the load's week (weeks start on Monday), so
// that a seed's "Thursday, registration by Monday" stays a Thursday and its Monday.
absl::StatusOr<std::string> LocalTime(absl::string_view spec, absl::Time load_time) {
  std::vector<std::string> parts = absl::StrSplit(spec, ' ', absl::SkipEmpty());
  std::optional<int> weekday;
  if (parts.size() == 5) {
    weekday = WeekdayIndex(parts[2]);
    parts.erase(parts.begin() + 2);
  }
  int count = 0;
  absl::string_view offset = parts.size() == 4 ? absl::string_view(parts[1]) : "";
  absl::TimeZone zone;
  int hour = 0, minute = 0;
  const std::vector<std::string> clock =
      parts.size() == 4 ? absl::StrSplit(parts[2], ':') : std::vector<std::string>{};
  const bool weeks = weekday.has_value();
  if (parts.size() != 4 || !absl::ConsumePrefix(&offset, "+") ||
      !absl::ConsumeSuffix(&offset, weeks ? "w" : "d") || !absl::SimpleAtoi(offset, &count) ||
      clock.size() != 2 || !absl::SimpleAtoi(clock[0], &hour) ||
      !absl::SimpleAtoi(clock[1], &minute) || !absl::LoadTimeZone(parts[3], &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "${", spec, "} must read ${at +Nd HH:MM Area/City} or ${at +Nw mon..sun HH:MM Area/City}"));
  }
  const absl::CivilDay today = absl::ToCivilDay(load_time, zone);
  const absl::CivilDay monday = today - static_cast<int>(absl::GetWeekday(today));
  const absl::CivilDay day = weeks ? monday + 7 * count + *weekday : today + count;
  const absl::Time t =
      absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute), zone);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<std::string> Lookup(absl::string_view path, const Answers& answers) {
  const std::vector<std::string> keys = absl::StrSplit(path, '.');
  auto answer = answers.find(keys[0]);
  if (answer == answers.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("${", path, "}: no earlier step is named ", keys[0]));
  }
  const Value* value = &answer->second;
  for (size_t i = 1; i < keys.size() && value != nullptr; ++i) value = Field(*value, keys[i]);
  if (value == nullptr ||
      (value->kind_case() != Value::kStringValue && value->kind_case() != Value::kNumberValue)) {
    return absl::InvalidArgumentError(absl::StrCat("${", path, "}: the answer has no such field"));
  }
  return value->kind_case() == Value::kStringValue ? value->string_value()
                                                   : absl::StrCat(value->number_value());
}

absl::StatusOr<std::string> Expand(const std::string& text, const Answers& answers,
                                   absl::Time load_time) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = text.find("${", at);
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\": ${ is never closed"));
    }
    out.append(text, at, open - at);
    const absl::string_view spec(text.data() + open + 2, close - open - 2);
    absl::StatusOr<std::string> value =
        absl::StartsWith(spec, "at ") ? LocalTime(spec, load_time) : Lookup(spec, answers);
    if (!value.ok()) return value.status();
    out += *value;
    at = close + 1;
  }
  out.append(text, at, std::string::npos);
  return out;
}

absl::Status ExpandAll(Value& value, const Answers& answers, absl::Time load_time) {
  switch (value.kind_case()) {
    case Value::kStringValue: {
      absl::StatusOr<std::string> expanded = Expand(value.string_value(), answers, load_time);
      if (!expanded.ok()) return expanded.status();
      value.set_string_value(*expanded);
      return absl::OkStatus();
    }
    case Value::kStructValue:
      for (auto& [key, field] : *value.mutable_struct_value()->mutable_fields()) {
        if (auto s = ExpandAll(field, answers, load_time); !s.ok()) return s;
      }
      return absl::OkStatus();
    case Value::kListValue:
      for (Value& item : *value.mutable_list_value()->mutable_values()) {
        if (auto s = ExpandAll(item, answers, load_time); !s.ok()) return s;
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<Script> ParseScript(const std::string& json) {
  absl::StatusOr<Value> root = ParseJson(json, "the script");
  if (!root.ok()) return root.status();
  Script script;
  const Value* steps = Field(*root, "steps");
  if (steps == nullptr || steps->kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError("the script needs a list of steps");
  }
  for (int i = 0; i < steps->list_value().values_size(); ++i) {
    absl::StatusOr<Step> step =
        ParseStep(steps->list_value().values(i), absl::StrCat("steps[", i, "]"));
    if (!step.ok()) return step.status();
    script.steps.push_back(*std::move(step));
  }
  return script;
}

absl::StatusOr<std::string> Render(const Value& request, const Answers& answers,
                                   absl::Time load_time) {
  Value expanded = request;
  if (auto s = ExpandAll(expanded, answers, load_time); !s.ok()) return s;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(expanded, &json);
  return json;
}

absl::StatusOr<Value> ParseAnswer(const std::string& json) { return ParseJson(json, "the answer"); }

}  // namespace coopnet::demo
