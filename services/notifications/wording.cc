#include "services/notifications/wording.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/notifications/templates_data.h"

namespace coopnet::notifications {
namespace {

constexpr absl::string_view kSubject = "subject: ";

// The template of `message` in `language`, or null.
const absl::string_view* FindTemplate(absl::string_view message, absl::string_view language) {
  const std::string key = absl::StrCat(message, "/", language);
  for (const TemplateFile& file : TemplateFiles()) {
    if (file.name == key) return &file.text;
  }
  return nullptr;
}

bool HasTemplates(absl::string_view language) {
  const std::vector<std::string>& all = Languages();
  return std::find(all.begin(), all.end(), language) != all.end();
}

// The language with templates `tag` stands for, or "" when none.
std::string LanguageOf(std::string tag) {
  absl::AsciiStrToLower(&tag);
  std::replace(tag.begin(), tag.end(), '_', '-');
  if (HasTemplates(tag)) return tag;
  const std::string primary = tag.substr(0, tag.find('-'));
  if (primary == "no") return "nb";
  if (HasTemplates(primary)) return primary;
  return "";
}

// `line` with its placeholders replaced; false when one is empty or unknown.
bool Fill(absl::string_view line, const Values& values, std::string& out) {
  out.clear();
  while (true) {
    const size_t open = line.find("{{");
    if (open == absl::string_view::npos) break;
    const size_t close = line.find("}}", open);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, line.substr(0, open));
    const auto value = values.find(std::string(line.substr(open + 2, close - open - 2)));
    if (value == values.end() || value->second.empty()) return false;
    absl::StrAppend(&out, value->second);
    line.remove_prefix(close + 2);
  }
  absl::StrAppend(&out, line);
  return true;
}

// One line of a template, filled in.
struct Line {
  std::string text;
  // Whether HTML keeps the break before it: a line that starts with a value (the
  // organiser under the greeting) or labels one (`Ort: {{event_place}}`) stands apart,
  // while the lines of a sentence, wrapped for plain text, flow together.
  bool stands_apart = false;
};

// A line as HTML, http(s) addresses made links.
std::string HtmlLine(absl::string_view line) {
  std::string html;
  for (absl::string_view word : absl::StrSplit(line, ' ')) {
    if (!html.empty()) html += ' ';
    if (absl::StartsWith(word, "https://") || absl::StartsWith(word, "http://")) {
      absl::StrAppend(&html, "<a href=\"", EscapeHtml(word), "\">", EscapeHtml(word), "</a>");
    } else {
      html += EscapeHtml(word);
    }
  }
  return html;
}

std::string HtmlParagraph(const std::vector<Line>& lines) {
  std::string html = "<p>";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) html += lines[i].stands_apart ? "<br>\n" : " ";
    html += HtmlLine(lines[i].text);
  }
  return html + "</p>\n";
}

}  // namespace

const std::vector<std::string>& Languages() {
  static const auto* const languages =
      new std::vector<std::string>{"da", "nb", "nn", "sv", "pl", "fi", "de", "en"};
  return *languages;
}

const std::vector<std::string>& Messages() {
  static const auto* const messages = new std::vector<std::string>{
      "confirmed", "waitlisted",        "promoted",       "pending_approval",
      "approved",  "rejected",          "cancelled",      "cancelled_by_organiser",
      "reminder",  "event_rescheduled", "event_cancelled"};
  return *messages;
}

std::string ChooseLanguage(absl::string_view preferred,
                           const std::vector<std::string>& event_languages) {
  std::vector<std::string> wishes = {std::string(preferred)};
  wishes.insert(wishes.end(), event_languages.begin(), event_languages.end());
  for (const std::string& wish : wishes) {
    const std::string language = LanguageOf(wish);
    if (!language.empty()) return language;
  }
  return "en";
}

absl::StatusOr<Wording> Write(absl::string_view message, absl::string_view language,
                              const Values& values) {
  const absl::string_view* found = FindTemplate(message, language);
  if (found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no template for message \"", message, "\" in language \"", language, "\""));
  }
  absl::string_view text = *found;
  const size_t end_of_subject = text.find('\n');
  absl::string_view subject_line = text.substr(0, end_of_subject);
  absl::ConsumePrefix(&subject_line, kSubject);
  Wording wording;
  if (!Fill(subject_line, values, wording.subject)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the subject of ", message, "/", language, " needs a value it lacks"));
  }
  std::vector<std::vector<Line>> paragraphs;
  for (absl::string_view paragraph :
       absl::StrSplit(text.substr(end_of_subject + 1), "\n\n", absl::SkipWhitespace())) {
    std::vector<Line> lines;
    bool complete = true;
    for (absl::string_view raw : absl::StrSplit(absl::StripAsciiWhitespace(paragraph), '\n')) {
      Line& line = lines.emplace_back();
      line.stands_apart = absl::StartsWith(raw, "{{") || absl::StrContains(raw, ": {{");
      complete = complete && Fill(raw, values, line.text);
    }
    if (complete) paragraphs.push_back(std::move(lines));
  }
  std::vector<std::string> texts;
  for (const std::vector<Line>& lines : paragraphs) {
    std::vector<std::string> filled;
    for (const Line& line : lines) filled.push_back(line.text);
    texts.push_back(absl::StrJoin(filled, "\n"));
    absl::StrAppend(&wording.html, HtmlParagraph(lines));
  }
  wording.text = absl::StrCat(absl::StrJoin(texts, "\n\n"), "\n");
  wording.html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", language, "\">\n<head><meta charset=\"utf-8\"><title>",
      EscapeHtml(wording.subject), "</title></head>\n<body>\n", wording.html, "</body>\n</html>\n");
  return wording;
}

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

}  // namespace coopnet::notifications
