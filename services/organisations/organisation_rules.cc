#include "services/organisations/organisation_rules.h"

#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/field_mask.h"

namespace coopnet::organisations {
namespace {

using validate::CheckCount;
using validate::CheckLanguageTags;
using validate::CheckLocalizedText;
using validate::CheckPostalAddress;
using validate::CheckThemes;
using validate::Quoted;

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
  if (o.has_postal_address()) {
    // A person's name does not belong in an organisation's public record.
    CheckPostalAddress(
        v, o.postal_address(), f("postal_address"),
        {.why_no_recipients = "must be empty: the directory keeps no personal names"});
  }
  if (!o.website().empty()) v.Check(validate::HttpsUrl(f("website"), o.website()));
  if (!o.email().empty()) v.Check(validate::Email(f("email"), o.email()));
  CheckLocalizedText(v, o.description(), f("description"), kMaxDescription);
  CheckLanguageTags(v, o.working_languages(), f("working_languages"), kMaxListEntries);
  CheckThemes(v, o.themes(), f("themes"), kMaxListEntries);
  CheckSdgs(v, o, f("sdgs"));
  if (!Organisation::Experience_IsValid(o.international_experience())) {
    v.Add(f("international_experience"), "must be NEWCOMER, SOME or EXPERIENCED");
  }
  CheckIdentifiers(v, o, f("identifiers"));
  return v.ToStatus();
}

absl::Status RequireOperator(const type::v1::Principal& caller) {
  if (principal::IsAdmin(caller)) return absl::OkStatus();
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_OPERATOR",
                       "only a coopnet operator verifies identifiers or takes a verification "
                       "back, after checking the claim in its register; an organisation's key "
                       "cannot, whatever its scopes");
}

absl::StatusOr<Identifier> ClaimOf(const Organisation& organisation, const Identifier& identifier,
                                   absl::string_view field) {
  for (const Identifier& claim : organisation.identifiers()) {
    if (claim.scheme() == identifier.scheme() && claim.value() == identifier.value()) return claim;
  }
  return status::Error(absl::StatusCode::kNotFound, "IDENTIFIER_NOT_CLAIMED",
                       absl::StrCat(field, ": ", organisation.name(), " does not claim ",
                                    identifier.scheme(), " ", Quoted(identifier.value())),
                       {{"field", std::string(field)}, {"organisation", organisation.name()}});
}

absl::StatusOr<Organisation> ApplyUpdateMask(const Organisation& stored, const Organisation& patch,
                                             const google::protobuf::FieldMask& mask) {
  Organisation result = stored;
  COOPNET_RETURN_IF_ERROR(
      ApplyFieldMask(patch, mask, {"name", "etag", "create_time", "update_time"}, result));
  return result;
}

}  // namespace coopnet::organisations
