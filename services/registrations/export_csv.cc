#include "services/registrations/export_csv.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace coopnet::registrations {
namespace {

using v1::Answer;
using v1::Question;
using v1::Registration;

constexpr const char* kColumns[] = {"registration",
                                    "state",
                                    "waitlist_position",
                                    "organisation",
                                    "organisation_name",
                                    "organisation_kind",
                                    "organisation_country",
                                    "participant",
                                    "given_name",
                                    "family_name",
                                    "email",
                                    "job_title",
                                    "preferred_language",
                                    "check_in_time",
                                    "create_time"};

std::string Line(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  quoted.reserve(fields.size());
  for (const std::string& field : fields) quoted.push_back(CsvField(field));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\r\n");
}

std::string Label(const type::v1::LocalizedText& text, absl::string_view language) {
  const auto found = text.translations().find(std::string(language));
  if (found != text.translations().end()) return found->second;
  const auto fallback = text.translations().find(text.default_language());
  return fallback != text.translations().end() ? fallback->second : "";
}

std::string OptionLabel(const Question& q, absl::string_view id, absl::string_view language) {
  for (const v1::Option& option : q.options()) {
    if (option.id() == id) return Label(option.label(), language);
  }
  return std::string(id);
}

std::string Cell(const Question& q, const Answer& a, absl::string_view language) {
  switch (a.value_case()) {
    case Answer::kText:
      return a.text();
    case Answer::kChoice:
      return OptionLabel(q, a.choice(), language);
    case Answer::kChoices: {
      std::vector<std::string> labels;
      for (const std::string& id : a.choices().options()) {
        labels.push_back(OptionLabel(q, id, language));
      }
      return absl::StrJoin(labels, "; ");
    }
    case Answer::kYes:
      return a.yes() ? "yes" : "no";
    case Answer::kCountry:
      return a.country();
    case Answer::kLanguage:
      return a.language();
    default:
      return "";
  }
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

// Whether a spreadsheet may take `text` for a formula: it starts, perhaps after spaces,
// with = + - @, a tab or a carriage return, or with the full-width ＝ ＋ － ＠ that some
// spreadsheets read as their ASCII twins.
bool LooksLikeFormula(absl::string_view text) {
  const size_t start = text.find_first_not_of(' ');
  if (start == absl::string_view::npos) return false;
  text.remove_prefix(start);
  if (absl::string_view("=+-@\t\r").find(text[0]) != absl::string_view::npos) return true;
  for (absl::string_view wide : {"\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"}) {
    if (absl::StartsWith(text, wide)) return true;
  }
  return false;
}

}  // namespace

std::string CsvField(absl::string_view text) {
  const std::string field = LooksLikeFormula(text) ? absl::StrCat("'", text) : std::string(text);
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

std::string CsvHeader(const v1::RegistrationPolicy& policy, absl::string_view language) {
  std::vector<std::string> fields(std::begin(kColumns), std::end(kColumns));
  for (const Question& q : policy.questions()) {
    const std::string label = Label(q.label(), language);
    fields.push_back(label.empty() ? q.id() : label);
  }
  return Line(fields);
}

std::string CsvRows(const v1::RegistrationPolicy& policy, const Registration& r,
                    absl::string_view language) {
  std::vector<std::string> answers;
  answers.reserve(policy.questions_size());
  for (const Question& q : policy.questions()) {
    std::string cell;
    for (const Answer& a : r.answers()) {
      if (a.question() == q.id()) cell = Cell(q, a, language);
    }
    answers.push_back(std::move(cell));
  }
  std::string rows;
  for (const v1::Participant& person : r.participants()) {
    std::vector<std::string> fields = {
        r.name(),
        Registration::State_Name(r.state()),
        r.waitlist_position() > 0 ? absl::StrCat(r.waitlist_position()) : "",
        r.organisation(),
        r.organisation_name(),
        r.organisation_kind() == organisations::v1::Organisation::KIND_UNSPECIFIED
            ? ""
            : organisations::v1::Organisation::Kind_Name(r.organisation_kind()),
        r.organisation_country(),
        person.id(),
        person.given_name(),
        person.family_name(),
        person.email(),
        person.job_title(),
        person.preferred_language(),
        Time(person.check_in_time()),
        Time(r.create_time())};
    fields.insert(fields.end(), answers.begin(), answers.end());
    absl::StrAppend(&rows, Line(fields));
  }
  return rows;
}

}  // namespace coopnet::registrations
