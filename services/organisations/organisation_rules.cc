#include "services/organisations/organisation_rules.h"

#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "common/validate/validate.h"

namespace coopnet::organisations {
namespace {

struct SchemeRule {
  const char* scheme;
  const char* pattern;
  const char* shape;  // how the rule reads in an error message
};

// The registers our users name, after org-id.guide; other `XX-ABC` schemes need only
// a plausible value.
constexpr SchemeRule kSchemes[] = {
    {"PIC", "[0-9]{9}", "9 digits"},
    {"OID", "E[0-9]{8}", "E followed by 8 digits"},
    {"VAT", "(EL|[A-Z]{2})[0-9A-Z]{2,13}", "a country prefix and 2 to 13 letters or digits"},
    {"DK-CVR", "[0-9]{8}", "8 digits"},
    {"PL-KRS", "[0-9]{10}", "10 digits"},
    {"PL-REGON", "[0-9]{9}([0-9]{5})?", "9 or 14 digits"},
    {"SE-ON", "[0-9]{6}-?[0-9]{4}", "10 digits (NNNNNN-NNNN)"},
    {"NO-BRC", "[0-9]{9}", "9 digits"},
    {"FI-PRO", "[0-9]{7}-[0-9]", "7 digits, a hyphen and a check digit"},
    {"GB-COH", "[0-9A-Z]{8}", "8 letters or digits"},
    {"GB-CHC", "[0-9]{6,8}", "6 to 8 digits"},
    {"DE-CR", "[A-Z0-9 ]{2,40}", "a court register number"},
};

const std::regex& OrgIdScheme() {
  static const std::regex* pattern = new std::regex("[A-Z]{2}-[A-Z0-9]{2,10}");
  return *pattern;
}

const std::regex& ThemeSlug() {
  static const std::regex* pattern = new std::regex("[a-z0-9]+(-[a-z0-9]+)*");
  return *pattern;
}

std::string Quoted(absl::string_view value) {
  return absl::StrCat("\"", value.substr(0, 40), value.size() > 40 ? "...\"" : "\"");
}

void CheckDescription(validate::Violations& v, const type::v1::LocalizedText& text,
                      const std::string& field) {
  for (const auto& [language, translation] : text.translations()) {
    const std::string entry = absl::StrCat(field, ".translations[", language, "]");
    v.Check(validate::LanguageTag(entry, language));
    v.Check(validate::Utf8Text(entry, translation, 1, kMaxDescription));
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

template <typename List>
void CheckCount(validate::Violations& v, const List& list, const std::string& field, int max) {
  if (list.size() > max) {
    v.Add(field, absl::StrCat("must have at most ", max, " entries, got ", list.size()));
  }
}

void CheckLanguages(validate::Violations& v, const Organisation& o, const std::string& field) {
  CheckCount(v, o.working_languages(), field, kMaxListEntries);
  std::set<std::string> seen;
  for (int i = 0; i < o.working_languages_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string& tag = o.working_languages(i);
    if (v.Check(validate::LanguageTag(entry, tag)) &&
        !seen.insert(absl::AsciiStrToLower(tag)).second) {
      v.Add(entry, absl::StrCat("repeats ", Quoted(tag)));
    }
  }
}

void CheckThemes(validate::Violations& v, const Organisation& o, const std::string& field) {
  CheckCount(v, o.themes(), field, kMaxListEntries);
  std::set<std::string> seen;
  for (int i = 0; i < o.themes_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const std::string& theme = o.themes(i);
    if (theme.size() > 64 || !std::regex_match(theme, ThemeSlug())) {
      v.Add(entry,
            absl::StrCat("must be a lower-case slug like green-transition, got ", Quoted(theme)));
    } else if (!seen.insert(theme).second) {
      v.Add(entry, absl::StrCat("repeats ", Quoted(theme)));
    }
  }
}

void CheckSdgs(validate::Violations& v, const Organisation& o, const std::string& field) {
  std::set<int> seen;
  for (int i = 0; i < o.sdgs_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    if (o.sdgs(i) < 1 || o.sdgs(i) > 17) {
      v.Add(entry, absl::StrCat("must be a UN Sustainable Development Goal from 1 to 17, got ",
                                o.sdgs(i)));
    } else if (!seen.insert(o.sdgs(i)).second) {
      v.Add(entry, absl::StrCat("repeats ", o.sdgs(i)));
    }
  }
}

void CheckIdentifiers(validate::Violations& v, const Organisation& o, const std::string& field) {
  CheckCount(v, o.identifiers(), field, kMaxIdentifiers);
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < o.identifiers_size(); ++i) {
    const std::string entry = absl::StrCat(field, "[", i, "]");
    const Identifier& id = o.identifiers(i);
    if (v.Check(ValidateIdentifier(entry, id)) && !seen.insert({id.scheme(), id.value()}).second) {
      v.Add(entry, absl::StrCat("repeats ", id.scheme(), " ", Quoted(id.value())));
    }
  }
}

void CheckPostalAddress(validate::Violations& v, const google::type::PostalAddress& address,
                        const std::string& field) {
  if (!address.region_code().empty()) {
    v.Check(validate::CountryCode(field + ".region_code", address.region_code()));
  }
  CheckCount(v, address.address_lines(), field + ".address_lines", 5);
  for (int i = 0; i < address.address_lines_size(); ++i) {
    v.Check(validate::Utf8Text(absl::StrCat(field, ".address_lines[", i, "]"),
                               address.address_lines(i), 1, 200));
  }
  for (const auto& [name, value] : {std::pair{"postal_code", &address.postal_code()},
                                    {"locality", &address.locality()},
                                    {"sublocality", &address.sublocality()},
                                    {"administrative_area", &address.administrative_area()},
                                    {"organization", &address.organization()}}) {
    v.Check(validate::Utf8Text(absl::StrCat(field, ".", name), *value, 0, 200));
  }
  if (address.recipients_size() > 0) {
    // A person's name does not belong in an organisation's public record.
    v.Add(field + ".recipients", "must be empty: the directory keeps no personal names");
  }
}

}  // namespace

absl::Status ValidateIdentifier(absl::string_view field, const Identifier& identifier) {
  const std::string& scheme = identifier.scheme();
  const std::string& value = identifier.value();
  for (const SchemeRule& rule : kSchemes) {
    if (scheme != rule.scheme) continue;
    if (!std::regex_match(value, std::regex(rule.pattern))) {
      return status::InvalidField(
          absl::StrCat(field, ".value"),
          absl::StrCat("must be ", rule.shape, " for ", scheme, ", got ", Quoted(value)));
    }
    return absl::OkStatus();
  }
  if (!std::regex_match(scheme, OrgIdScheme())) {
    return status::InvalidField(
        absl::StrCat(field, ".scheme"),
        absl::StrCat("must be PIC, OID, VAT or an org-id.guide scheme like DK-CVR, got ",
                     Quoted(scheme)));
  }
  if (value.empty() || value.size() > 64 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) {
        return absl::ascii_isalnum(c) || c == '-' || c == '/' || c == '.';
      })) {
    return status::InvalidField(
        absl::StrCat(field, ".value"),
        absl::StrCat("must be 1 to 64 letters, digits, '-', '/' or '.', got ", Quoted(value)));
  }
  return absl::OkStatus();
}

absl::Status ValidateOrganisation(const Organisation& o, absl::string_view prefix) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, ".", name); };
  validate::Violations v;
  v.Check(validate::Utf8Text(f("display_name"), o.display_name(), 1, kMaxDisplayName));
  v.Check(validate::Utf8Text(f("legal_name"), o.legal_name(), 0, kMaxLegalName));
  if (o.kind() == Organisation::KIND_UNSPECIFIED || !Organisation::Kind_IsValid(o.kind())) {
    v.Add(f("kind"),
          "must be one of NGO, ASSOCIATION, FOUNDATION, MUNICIPALITY, "
          "REGIONAL_AUTHORITY, NATIONAL_AUTHORITY, EU_INSTITUTION, EDUCATION, "
          "RESEARCH, BUSINESS, OTHER");
  }
  if (o.country().empty()) {
    v.Add(f("country"), "must not be empty (ISO 3166-1 alpha-2, e.g. DK)");
  } else if (v.Check(validate::CountryCode(f("country"), o.country())) &&
             !o.nuts_region().empty()) {
    v.Check(validate::NutsCode(f("nuts_region"), o.nuts_region(), o.country()));
  }
  v.Check(validate::Utf8Text(f("city"), o.city(), 0, kMaxCity));
  if (o.has_postal_address()) CheckPostalAddress(v, o.postal_address(), f("postal_address"));
  if (!o.website().empty()) v.Check(validate::HttpsUrl(f("website"), o.website()));
  if (!o.email().empty()) v.Check(validate::Email(f("email"), o.email()));
  CheckDescription(v, o.description(), f("description"));
  CheckLanguages(v, o, f("working_languages"));
  CheckThemes(v, o, f("themes"));
  CheckSdgs(v, o, f("sdgs"));
  if (!Organisation::Experience_IsValid(o.international_experience())) {
    v.Add(f("international_experience"), "must be NEWCOMER, SOME or EXPERIENCED");
  }
  CheckIdentifiers(v, o, f("identifiers"));
  return v.ToStatus();
}

absl::StatusOr<Organisation> ApplyUpdateMask(const Organisation& stored, const Organisation& patch,
                                             const google::protobuf::FieldMask& mask) {
  static const std::set<std::string> kOutputOnly = {"name", "etag", "create_time", "update_time"};
  if (mask.paths().empty()) {
    return status::InvalidField("update_mask",
                                "must name the fields to change, e.g. display_name, or *");
  }
  Organisation result = stored;
  const auto* descriptor = Organisation::descriptor();
  const auto* reflection = Organisation::GetReflection();
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (int i = 0; i < descriptor->field_count(); ++i) {
        const auto* field = descriptor->field(i);
        if (kOutputOnly.count(field->name()) > 0) continue;
        reflection->ClearField(&result, field);
      }
      Organisation writable = patch;
      for (const std::string& name : kOutputOnly) {
        reflection->ClearField(&writable, descriptor->FindFieldByName(name));
      }
      result.MergeFrom(writable);
      continue;
    }
    const auto* field = descriptor->FindFieldByName(path);
    if (field == nullptr) {
      return status::InvalidField(
          "update_mask",
          absl::StrCat("names ", Quoted(path), ", which is not a field of Organisation"));
    }
    if (kOutputOnly.count(path) > 0) {
      return status::InvalidField("update_mask",
                                  absl::StrCat("names ", path, ", which is output only"));
    }
    reflection->ClearField(&result, field);
    if (field->is_repeated() || reflection->HasField(patch, field)) {
      // Copy just this field: swap it out of a scratch copy of the patch.
      Organisation scratch = patch;
      reflection->SwapFields(&result, &scratch, {field});
    }
  }
  return result;
}

}  // namespace coopnet::organisations
