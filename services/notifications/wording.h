// What an e-mail to a participant says, in their language: the templates in the tree
// (services/notifications/templates/<message>/<language>.txt, compiled in), the
// language a participant gets, and the text and HTML the message becomes.
//
//   const std::string language = ChooseLanguage(person.preferred_language(), event.languages());
//   absl::StatusOr<Wording> wording =
//       Write("confirmed", language, {{"participant_name", "Anna Nowak"}, ...});
#ifndef COOPNET_SERVICES_NOTIFICATIONS_WORDING_H_
#define COOPNET_SERVICES_NOTIFICATIONS_WORDING_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace coopnet::notifications {

// The languages every message is written in.
const std::vector<std::string>& Languages();

// The messages, by their folder name: `confirmed`, `waitlisted`, ...
const std::vector<std::string>& Messages();

// The language of the messages for someone who prefers `preferred` (a BCP 47 tag, any
// case, `_` or `-`): that language, else its primary language (`de-AT` -> `de`, and `no`
// or `no-NO` -> `nb`); failing that, the first of `event_languages` chosen the same way;
// failing that, `en`.
std::string ChooseLanguage(absl::string_view preferred,
                           const std::vector<std::string>& event_languages);

// A message written out.
struct Wording {
  std::string subject;
  // Plain text: paragraphs separated by a blank line.
  std::string text;
  // The same as HTML: each paragraph a <p>, line breaks kept, addresses made links.
  std::string html;
};

// The placeholders' values, by name (`participant_name`, `event_start`, ...).
using Values = std::map<std::string, std::string>;

// `message` in `language` with `values`: every `{{name}}` replaced by its value; a
// paragraph in which any placeholder is empty or has no value is left out (an online
// event has no place, most events no intro). NOT_FOUND for a message or language with no
// template.
absl::StatusOr<Wording> Write(absl::string_view message, absl::string_view language,
                              const Values& values);

// `text` as HTML text: &, <, >, " and ' escaped.
std::string EscapeHtml(absl::string_view text);

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_WORDING_H_
