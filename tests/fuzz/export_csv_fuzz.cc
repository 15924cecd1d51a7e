// Fuzz target: the CSV export of registrations (services/registrations/export_csv.h).
//
// The input is one participant's text, separated by '|': the organisation's name, given
// name, family name, email and job title, then any number of free-text answers, each also
// its question's label. Whatever they hold, the header and the row read back as RFC 4180
// records of as many cells, each cell is its text, and none is what a spreadsheet runs as
// a formula: a text that could be one comes back with a ' before it.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/registrations/export_csv.h"
#include "tests/fuzz/property.h"

namespace coopnet::registrations {
namespace {

using fuzz::Expect;
using Records = std::vector<std::vector<std::string>>;

// `csv` read as RFC 4180 has it: records ended by CRLF, fields separated by commas, a field
// in double quotes holding commas, line breaks and doubled quotes. Nullopt for anything
// else: a quote inside an unquoted field, text after a closing quote, a line break outside
// quotes that is not CRLF, a last record without its CRLF.
std::optional<Records> ReadCsv(absl::string_view csv) {
  Records records;
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  while (i < csv.size()) {
    if (csv[i] == '"') {
      for (++i;; ++i) {
        if (i == csv.size()) return std::nullopt;
        if (csv[i] == '"') {
          if (i + 1 < csv.size() && csv[i + 1] == '"') {
            field.push_back('"');
            ++i;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(csv[i]);
      }
    } else {
      while (i < csv.size() && csv[i] != ',' && csv[i] != '\r') {
        if (csv[i] == '"' || csv[i] == '\n') return std::nullopt;
        field.push_back(csv[i++]);
      }
    }
    record.push_back(std::move(field));
    field.clear();
    if (absl::StartsWith(csv.substr(i), "\r\n")) {
      records.push_back(std::move(record));
      record.clear();
      i += 2;
    } else if (i < csv.size() && csv[i] == ',') {
      ++i;
    } else {
      return std::nullopt;
    }
  }
  if (!record.empty()) return std::nullopt;
  return records;
}

// Whether a spreadsheet may run `cell` as a formula: it starts, after any spaces, with one
// of these (the full-width four are read as their ASCII twins by some).
bool RunsAsFormula(absl::string_view cell) {
  static constexpr absl::string_view kFormulaStarts[] = {"=",  "+",  "-",  "@",  "\t",
                                                         "\r", "＝", "＋", "－", "＠"};
  while (absl::ConsumePrefix(&cell, " ")) {
  }
  return std::any_of(std::begin(kFormulaStarts), std::end(kFormulaStarts),
                     [&](absl::string_view start) { return absl::StartsWith(cell, start); });
}

// The cell a text must become: itself, or behind a ' when it could run as a formula.
std::string Neutralised(absl::string_view text) {
  return RunsAsFormula(text) ? absl::StrCat("'", text) : std::string(text);
}

void ExpectCell(const Records& csv, absl::string_view column, size_t index,
                absl::string_view text) {
  Expect(csv[1][index] == Neutralised(text), absl::StrCat("the ", column, " cell is its text"),
         absl::StrCat(text, " -> ", csv[1][index]));
}

// Exports the registration `input` describes and checks the file.
void CheckExport(absl::string_view input) {
  std::vector<std::string> parts = absl::StrSplit(input, '|');
  parts.resize(std::max<size_t>(parts.size(), 5));
  v1::Registration registration;
  registration.set_name(
      "events/01gf3y3q3f1m4d6t2kq0v9w8zx/registrations/01gh2k4m6p8r0t2v4x6z8b0d2f");
  registration.set_state(v1::Registration::CONFIRMED);
  registration.set_organisation("organisations/01gf0a1b2c3d4e5f6g7h8j9k0m");
  registration.set_organisation_name(parts[0]);
  registration.set_organisation_country("DK");
  v1::Participant* participant = registration.add_participants();
  participant->set_id("01gh2k4m6p8r0t2v4x6z8b0d2g");
  participant->set_given_name(parts[1]);
  participant->set_family_name(parts[2]);
  participant->set_email(parts[3]);
  participant->set_job_title(parts[4]);
  participant->set_preferred_language("da");
  v1::RegistrationPolicy policy;
  for (size_t i = 5; i < parts.size(); ++i) {
    v1::Question* question = policy.add_questions();
    question->set_id(absl::StrCat("q", i));
    question->set_kind(v1::Question::TEXT);
    (*question->mutable_label()->mutable_translations())["da"] = parts[i];
    question->mutable_label()->set_default_language("da");
    v1::Answer* answer = registration.add_answers();
    answer->set_question(question->id());
    answer->set_text(parts[i]);
  }

  const std::string csv = CsvHeader(policy, "da") + CsvRows(policy, registration, "da");
  const std::optional<Records> records = ReadCsv(csv);
  Expect(records.has_value(), "the export is RFC 4180 CSV", csv);
  Expect(records->size() == 2, "the export is a header and one row", csv);
  const std::vector<std::string>& header = (*records)[0];
  Expect((*records)[1].size() == header.size(), "the row has a cell for every column", csv);
  for (const std::vector<std::string>& record : *records) {
    for (const std::string& cell : record) {
      Expect(!RunsAsFormula(cell), "no cell runs as a formula", cell);
    }
  }
  const size_t questions = parts.size() - 5;
  Expect(header.size() >= questions, "the header has a column for every question", csv);
  auto column = [&](absl::string_view name) {
    const auto found = std::find(header.begin(), header.end(), name);
    Expect(found != header.end(), absl::StrCat("the header names ", name), csv);
    return static_cast<size_t>(found - header.begin());
  };
  ExpectCell(*records, "organisation_name", column("organisation_name"), parts[0]);
  ExpectCell(*records, "given_name", column("given_name"), parts[1]);
  ExpectCell(*records, "family_name", column("family_name"), parts[2]);
  ExpectCell(*records, "email", column("email"), parts[3]);
  ExpectCell(*records, "job_title", column("job_title"), parts[4]);
  for (size_t i = 0; i < questions; ++i) {
    const size_t index = header.size() - questions + i;
    const std::string& text = parts[5 + i];
    const std::string label = text.empty() ? absl::StrCat("q", 5 + i) : text;
    Expect(header[index] == Neutralised(label), "a question's column is its label",
           absl::StrCat(label, " -> ", header[index]));
    ExpectCell(*records, "answer", index, text);
  }
}

}  // namespace
}  // namespace coopnet::registrations

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coopnet::registrations::CheckExport(coopnet::fuzz::AsText(data, size));
  return 0;
}
