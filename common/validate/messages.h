// Checks of the shared message types every service validates the same way: localized
// texts, theme lists, postal addresses, list lengths. Each records what it refuses in a
// Violations, naming the field and the rule.
//
//   validate::Violations v;
//   validate::CheckLocalizedText(v, event.title(), "event.title", 200, /*required=*/true);
//   validate::CheckThemes(v, event.themes(), "event.themes", 20);
#ifndef COOPNET_COMMON_VALIDATE_MESSAGES_H_
#define COOPNET_COMMON_VALIDATE_MESSAGES_H_

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/validate/validate.h"
#include "coopnet/type/v1/localized_text.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/type/postal_address.pb.h"

namespace coopnet::validate {

// "must have at most <max> entries" when `list` is longer.
template <typename List>
void CheckCount(Violations& v, const List& list, absl::string_view field, int max) {
  if (list.size() > max) {
    v.Add(field, absl::StrCat("must have at most ", max, " entries, got ", list.size()));
  }
}

// Every translation under a valid language tag with 1 to `max_chars` characters, the
// default language one of them; with `required`, at least one translation.
void CheckLocalizedText(Violations& v, const type::v1::LocalizedText& text,
                        const std::string& field, size_t max_chars, bool required = false);

// At most `max` distinct lower-case slugs like green-transition.
void CheckThemes(Violations& v, const google::protobuf::RepeatedPtrField<std::string>& themes,
                 const std::string& field, int max);

// At most `max` BCP 47 language tags, none repeated (ignoring case).
void CheckLanguageTags(Violations& v, const google::protobuf::RepeatedPtrField<std::string>& tags,
                       const std::string& field, int max);

// A public address (of an organisation, of a venue): a valid region code (required with
// `country_required`), up to five address lines, short texts, and no recipients, refused
// with `why_no_recipients`.
struct AddressRules {
  bool country_required = false;
  absl::string_view country_hint = "";
  absl::string_view why_no_recipients = "must be empty: an address here names no person";
};
void CheckPostalAddress(Violations& v, const google::type::PostalAddress& address,
                        const std::string& field, const AddressRules& rules = {});

}  // namespace coopnet::validate

#endif  // COOPNET_COMMON_VALIDATE_MESSAGES_H_
