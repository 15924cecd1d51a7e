#include "common/validate/messages.h"

#include <regex>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"

namespace coopnet::validate {
namespace {

const std::regex& ThemeSlug() {
  static const std::regex* pattern = new std::regex("[a-z0-9]+(-[a-z0-9]+)*");
  return *pattern;
}

}  // namespace

void CheckLocalizedText(Violations& v, const type::v1::LocalizedText& text,
                        const std::string& field, size_t max_chars, bool required) {
  if (required && text.translations().empty()) {
    v.Add(field, "must have a text in at least one language");
    return;
  }
  for (const auto& [language, translation] : text.translations()) {
    const std::string entry = absl::StrCat(field, ".translations[", language, "]");
    v.Check(LanguageTag(entry, language));
    v.Check(Utf8Text(entry, translation, 1, max_chars));
  }
  if (text.translations().empty()) {
    if (!text.default_language().empty()) {
      v.Add(absl::StrCat(field, ".default_language"), "must be empty when there is no text");
    }
  } else if (text.translations().count(text.default_language()) == 0) {
    v.Add(absl::StrCat(field, ".default_language"),
          absl::StrCat("must be one of the translations' languages, got ",
                       Quoted(text.default_language())));
  }
}

void CheckThemes(Violations& v, const google::protobuf::RepeatedPtrField<std::string>& themes,
                 const std::string& field, int max) {
  CheckCount(v, themes, field, max);
  std::set<std::string> seen;
  for (int i = 0; i < themes.size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string& theme = themes[i];
    if (theme.size() > 64 || !std::regex_match(theme, ThemeSlug())) {
      v.Add(entry,
            absl::StrCat("must be a lower-case slug like green-transition, got ", Quoted(theme)));
    } else if (!seen.insert(theme).second) {
      v.Add(entry, absl::StrCat("repeats ", Quoted(theme)));
    }
  }
}

void CheckLanguageTags(Violations& v, const google::protobuf::RepeatedPtrField<std::string>& tags,
                       const std::string& field, int max) {
  CheckCount(v, tags, field, max);
  std::set<std::string> seen;
  for (int i = 0; i < tags.size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (v.Check(LanguageTag(entry, tags[i])) &&
        !seen.insert(absl::AsciiStrToLower(tags[i])).second) {
      v.Add(entry, absl::StrCat("repeats ", Quoted(tags[i])));
    }
  }
}

void CheckPostalAddress(Violations& v, const google::type::PostalAddress& address,
                        const std::string& field, const AddressRules& rules) {
  if (!address.region_code().empty()) {
    v.Check(CountryCode(field + ".region_code", address.region_code()));
  } else if (rules.country_required) {
    v.Add(field + ".region_code", rules.country_hint.empty()
                                      ? "must be the country (ISO 3166-1 alpha-2, e.g. DK)"
                                      : rules.country_hint);
  }
  CheckCount(v, address.address_lines(), field + ".address_lines", 5);
  for (int i = 0; i < address.address_lines_size(); ++i) {
    v.Check(
        Utf8Text(absl::StrCat(field, ".address_lines[", i, "]"), address.address_lines(i), 1, 200));
  }
  for (const auto& [name, value] : {std::pair{"postal_code", &address.postal_code()},
                                    {"locality", &address.locality()},
                                    {"sublocality", &address.sublocality()},
                                    {"administrative_area", &address.administrative_area()},
                                    {"organization", &address.organization()}}) {
    v.Check(Utf8Text(absl::StrCat(field, ".", name), *value, 0, 200));
  }
  if (address.recipients_size() > 0) {
    v.Add(field + ".recipients", rules.why_no_recipients);
  }
}

}  // namespace coopnet::validate
