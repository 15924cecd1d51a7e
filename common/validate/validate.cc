#include "common/validate/validate.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/validate/codes.h"

namespace coopnet::validate {
namespace {

// Values are cut here in messages: enough to recognise them, never a 100 KB echo.
constexpr size_t kQuotedBytes = 40;
constexpr size_t kMaxLanguageTag = 35;
constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxDomain = 253;
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxLocalPart = 64;
constexpr size_t kMaxUrl = 2048;
constexpr size_t kMaxTimeZone = 64;

// The code tables are std::string_view (constexpr-sortable); Debian's Abseil has its own
// string_view type.
std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

std::string HexUpper(uint32_t value, int width) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0 || static_cast<int>(out.size()) < width);
  return out;
}

// Decodes the code point at `*pos` and moves past it; on bytes that are not UTF-8 —
// overlong forms, surrogates and values past U+10FFFF included — returns -1 and moves
// one byte, so that a caller can report or escape that byte and go on.
int32_t DecodeUtf8(absl::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  size_t length;
  int32_t cp;
  // The first continuation byte's range is what excludes overlongs (E0, F0), surrogates
  // (ED) and code points past U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    ++*pos;
    return -1;
  }
  if (s.size() - *pos < length) {
    ++*pos;
    return -1;
  }
  for (size_t i = 1; i < length; ++i) {
    const unsigned char b = byte(*pos + i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF)) {
      ++*pos;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos += length;
  return cp;
}

// Unicode category Cc.
bool IsControl(int32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Characters that change how the text around them reads without showing: escaped in
// messages so that a value cannot reorder or hide the message it appears in.
bool IsInvisible(int32_t cp) {
  return cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

// "<rule> (<detail>), got <value>", or without the parentheses when there is no detail.
absl::Status Refuse(absl::string_view field, absl::string_view rule, absl::string_view detail,
                    absl::string_view value) {
  if (detail.empty()) {
    return status::InvalidField(field, absl::StrCat(rule, ", got ", Quoted(value)));
  }
  return status::InvalidField(field, absl::StrCat(rule, " (", detail, "), got ", Quoted(value)));
}

template <typename Predicate>
bool All(absl::string_view s, Predicate predicate) {
  for (char c : s) {
    if (!predicate(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
bool IsUpperOrDigit(unsigned char c) { return IsUpper(c) || absl::ascii_isdigit(c); }
bool IsAlpha(unsigned char c) { return absl::ascii_isalpha(c); }
bool IsDigit(unsigned char c) { return absl::ascii_isdigit(c); }
bool IsAlnum(unsigned char c) { return absl::ascii_isalnum(c); }

// RFC 5322 atext: what an unquoted local part may hold besides dots.
bool IsAtext(unsigned char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != absl::string_view::npos;
}

// Non-ASCII code points a UTF-8 domain label may hold. Full IDNA2008 needs Unicode's
// tables; this refuses what it can never allow and what would mislead a reader: C1
// controls, no-break and other spaces, the soft hyphen, General Punctuation (zero-width
// and bidi controls; ZWJ/ZWNJ go too, which only scripts our users do not write need),
// the ideographic and fullwidth full stops IDNA reads as ".", private use and specials.
bool IsDomainCodePoint(int32_t cp) {
  if (cp < 0xA1 || cp == 0xAD || cp == 0x1680 || cp == 0x3000 || cp == 0xFEFF) return false;
  if (cp >= 0x2000 && cp <= 0x206F) return false;
  if (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61) return false;
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;
  return cp < 0xF0000;
}

// What is wrong with `domain` as a mail domain or URL host, or "" when nothing is.
std::string DomainProblem(absl::string_view domain) {
  if (domain.size() > kMaxDomain) return "a domain name of at most 253 bytes";
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return "a domain name with at least one dot";
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > kMaxLabel) {
      return "domain name labels of 1 to 63 bytes between dots";
    }
    if (label.front() == '-' || label.back() == '-') {
      return "no hyphen at the start or end of a domain name label";
    }
    size_t pos = 0;
    while (pos < label.size()) {
      const int32_t cp = DecodeUtf8(label, &pos);
      if (cp < 0) return "a domain name in valid UTF-8";
      if (cp < 0x80 ? !(IsAlnum(static_cast<unsigned char>(cp)) || cp == '-')
                    : !IsDomainCodePoint(cp)) {
        return "domain name labels of letters, digits and hyphens";
      }
    }
  }
  const absl::string_view tld = labels.back();
  if (All(tld, IsDigit)) return "a host name, not an IP address";
  const bool ascii_letters = tld.size() >= 2 && All(tld, IsAlpha);
  const bool a_label = tld.size() > 4 && absl::StartsWithIgnoreCase(tld, "xn--");
  const bool u_label = !All(tld, [](unsigned char c) { return c < 0x80; }) &&
                       All(tld, [](unsigned char c) { return !absl::ascii_isdigit(c); });
  if (!ascii_letters && !a_label && !u_label) return "a top-level domain of 2 or more letters";
  return "";
}

// The NUTS prefix of a country, or "" when NUTS has no regions there.
std::string NutsPrefixIfAny(absl::string_view country) {
  if (!HasNutsRegions(country)) return "";
  return NutsPrefixOf(country);
}

bool IsLanguageVariant(absl::string_view subtag) {
  return (subtag.size() >= 5 && subtag.size() <= 8) ||
         (subtag.size() == 4 && absl::ascii_isdigit(static_cast<unsigned char>(subtag[0])));
}

// What is wrong with `tag` as a BCP 47 language tag, or "" when nothing is. The subtags
// are read in RFC 5646's order; each kind is optional, so a subtag that fits none of the
// kinds still possible at its place is out of place.
std::string LanguageTagProblem(absl::string_view tag) {
  if (tag.size() > kMaxLanguageTag) return "at most 35 characters";
  std::vector<absl::string_view> subtags = absl::StrSplit(tag, '-');
  for (absl::string_view subtag : subtags) {
    if (subtag.empty() || subtag.size() > 8 || !All(subtag, IsAlnum)) {
      return "subtags of 1 to 8 letters or digits joined by -";
    }
  }
  const std::string language = absl::AsciiStrToLower(subtags[0]);
  if (language == "x" || language == "i") return "a tag must start with its language";
  if ((language.size() != 2 && language.size() != 3) || !All(language, IsAlpha)) {
    return "the language must be 2 or 3 letters";
  }
  if (language.size() == 2 && !internal::IsIso639Alpha2(language)) {
    return absl::StrCat(language, " is not an ISO 639-1 language code");
  }
  const size_t n = subtags.size();
  size_t i = 1;
  const auto is = [&](size_t length, auto predicate) {
    return i < n && subtags[i].size() == length && All(subtags[i], predicate);
  };
  for (int extlangs = 0; extlangs < 3 && is(3, IsAlpha); ++extlangs) ++i;
  if (is(4, IsAlpha)) ++i;                    // script
  if (is(2, IsAlpha) || is(3, IsDigit)) ++i;  // region
  std::vector<std::string> variants;
  for (; i < n && IsLanguageVariant(subtags[i]); ++i) {
    std::string variant = absl::AsciiStrToLower(subtags[i]);
    for (const std::string& seen : variants) {
      if (seen == variant) return absl::StrCat("variant ", subtags[i], " appears twice");
    }
    variants.push_back(std::move(variant));
  }
  std::string singletons;
  while (i < n && subtags[i].size() == 1 && absl::ascii_tolower(subtags[i][0]) != 'x') {
    const char singleton = absl::ascii_tolower(subtags[i][0]);
    if (singletons.find(singleton) != std::string::npos) {
      return absl::StrCat("extension ", subtags[i], "- appears twice");
    }
    singletons.push_back(singleton);
    const size_t first = ++i;
    while (i < n && subtags[i].size() >= 2) ++i;
    if (i == first) {
      return absl::StrCat("extension ", subtags[first - 1], "- needs subtags of 2 to 8 characters");
    }
  }
  if (i < n && absl::ascii_tolower(subtags[i][0]) == 'x' && subtags[i].size() == 1) {
    if (i + 1 == n) return "private use x- needs subtags";
    i = n;  // anything of 1 to 8 letters or digits, checked above
  }
  if (i < n) return absl::StrCat(subtags[i], " is out of place");
  return "";
}

// True when a file `name` exists in the zoneinfo folder cctz reads (TZDIR, else Debian's
// /usr/share/zoneinfo). cctz remembers every name it is asked to load, found or not, so
// asking it only about files that exist keeps a stream of made-up names from growing
// that cache without bound.
bool ZoneFileExists(absl::string_view name) {
  const char* dir = std::getenv("TZDIR");
  std::filesystem::path path(dir != nullptr && *dir != '\0' ? dir : "/usr/share/zoneinfo");
  path /= std::string(name);
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

bool IsTimeZoneComponent(absl::string_view component) {
  return !component.empty() && absl::ascii_isalpha(static_cast<unsigned char>(component[0])) &&
         All(component, [](unsigned char c) {
           return absl::ascii_isalnum(c) || c == '_' || c == '+' || c == '-';
         });
}

}  // namespace

// `value` in double quotes for a message: cut to about kQuotedBytes at a character
// boundary (then followed by ...) and escaped, so that the message stays valid UTF-8 that
// a proto string field accepts, whatever bytes the caller sent.
std::string Quoted(absl::string_view value) {
  std::string out = "\"";
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(value, &pos);
    if (pos > kQuotedBytes) {
      pos = start;
      break;
    }
    if (cp < 0) {
      absl::StrAppend(&out, "\\x", HexUpper(static_cast<unsigned char>(value[start]), 2));
    } else if (cp == '"' || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && IsControl(cp)) {
      absl::StrAppend(&out, "\\x", HexUpper(cp, 2));
    } else if (IsControl(cp) || IsInvisible(cp)) {
      absl::StrAppend(&out, "\\u", HexUpper(cp, 4));
    } else {
      out.append(value.data() + start, pos - start);
    }
  }
  out += "\"";
  if (pos < value.size()) out += "...";
  return out;
}

bool IsCountryCode(absl::string_view code) { return internal::IsIso3166Alpha2(Std(code)); }

absl::Status CountryCode(absl::string_view field, absl::string_view code) {
  if (IsCountryCode(code)) return absl::OkStatus();
  std::string detail;
  if (code.size() == 2) {
    const std::string upper = absl::AsciiStrToUpper(code);
    if (IsCountryCode(upper)) detail = absl::StrCat("upper case: ", upper);
  }
  return Refuse(field, "must be an ISO 3166-1 alpha-2 country code", detail, code);
}

std::string NutsPrefixOf(absl::string_view country) {
  if (country == "GR") return "EL";
  if (country == "GB") return "UK";
  return std::string(country);
}

bool HasNutsRegions(absl::string_view country) { return internal::IsNutsCountry(Std(country)); }

absl::Status NutsCode(absl::string_view field, absl::string_view nuts, absl::string_view country) {
  if (nuts.size() < 3 || nuts.size() > 5 || !All(nuts.substr(0, 2), IsUpper) ||
      !All(nuts.substr(2), IsUpperOrDigit)) {
    return Refuse(field, "must be a NUTS 1, 2 or 3 code",
                  "country letters then 1 to 3 upper-case letters or digits, e.g. PL613", nuts);
  }
  const std::string prefix = NutsPrefixIfAny(country);
  if (prefix.empty()) {
    return status::InvalidField(field, absl::StrCat(nuts, " is not a NUTS region: NUTS has no ",
                                                    "regions in country ", Quoted(country)));
  }
  if (nuts.substr(0, 2) != prefix) {
    return status::InvalidField(
        field, absl::StrCat(nuts, " is not in country ", country, " (NUTS codes of ", country,
                            " start with ", prefix, ")"));
  }
  return absl::OkStatus();
}

absl::Status NutsPrefix(absl::string_view field, absl::string_view prefix) {
  if (prefix.size() < 2 || prefix.size() > 5 || !All(prefix.substr(0, 2), IsUpper) ||
      !All(prefix.substr(2), IsUpperOrDigit)) {
    return Refuse(field, "must be the start of a NUTS code",
                  "country letters then up to 3 upper-case letters or digits, e.g. PL6", prefix);
  }
  const absl::string_view letters = prefix.substr(0, 2);
  // GR and GB are countries NUTS has regions in, but not the letters of their codes.
  constexpr absl::string_view kRule = "must start with a NUTS country prefix";
  if (letters == "GR") return Refuse(field, kRule, "Greece is EL in NUTS", prefix);
  if (letters == "GB") return Refuse(field, kRule, "the United Kingdom is UK in NUTS", prefix);
  if (letters != "EL" && letters != "UK" && !HasNutsRegions(letters)) {
    return Refuse(field, kRule, "", prefix);
  }
  return absl::OkStatus();
}

absl::Status LanguageTag(absl::string_view field, absl::string_view tag) {
  constexpr absl::string_view kRule = "must be a BCP 47 language tag such as \"en-GB\"";
  if (tag.empty()) return Refuse(field, kRule, "", tag);
  const std::string problem = LanguageTagProblem(tag);
  if (problem.empty()) return absl::OkStatus();
  return Refuse(field, kRule, problem, tag);
}

absl::Status Email(absl::string_view field, absl::string_view address) {
  const auto refuse = [&](absl::string_view detail) {
    return Refuse(field, "must be an e-mail address like name@example.org", detail, address);
  };
  if (address.size() > kMaxEmail) return refuse("at most 254 bytes");
  const size_t at = address.find('@');
  if (at == absl::string_view::npos || address.find('@', at + 1) != absl::string_view::npos) {
    return refuse("exactly one @");
  }
  const absl::string_view local = address.substr(0, at);
  const absl::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPart) return refuse("1 to 64 characters before @");
  if (!All(local, [](unsigned char c) { return IsAtext(c) || c == '.'; })) {
    return refuse("before @ only letters, digits, dots and !#$%&'*+-/=?^_`{|}~");
  }
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) {
    return refuse("no dot first or last before @, nor two in a row");
  }
  if (domain.empty()) return refuse("a domain name after @");
  const std::string problem = DomainProblem(domain);
  if (!problem.empty()) return refuse(problem);
  return absl::OkStatus();
}

absl::Status HttpsUrl(absl::string_view field, absl::string_view url) {
  const auto refuse = [&](absl::string_view detail) {
    return Refuse(field, "must be an https:// URL", detail, url);
  };
  if (url.size() > kMaxUrl) return refuse("at most 2048 bytes");
  constexpr absl::string_view kScheme = "https://";
  if (!absl::StartsWith(url, kScheme)) return refuse("");
  size_t pos = 0;
  while (pos < url.size()) {
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(url, &pos);
    if (cp < 0) return refuse("valid UTF-8");
    if (cp == ' ' || cp == 0xA0 || IsControl(cp) || IsInvisible(cp)) {
      return refuse("no spaces or control characters");
    }
    // Browsers read \ as /, so "https://evil.example\@good.example" could be read with
    // two different hosts; quotes and angle brackets end a URL in HTML and mail.
    if (cp == '"' || cp == '<' || cp == '>' || cp == '\\') {
      return refuse("\", <, > and \\ must be %-escaped");
    }
    if (cp == '%' && (url.size() - start < 3 ||
                      !absl::ascii_isxdigit(static_cast<unsigned char>(url[start + 1])) ||
                      !absl::ascii_isxdigit(static_cast<unsigned char>(url[start + 2])))) {
      return refuse("% must start a %-escape of two hex digits");
    }
  }
  const absl::string_view rest = url.substr(kScheme.size());
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return refuse("a host name after https://");
  if (absl::StrContains(authority, "@")) return refuse("no user name or password");
  if (authority.front() == '[') return refuse("a host name, not an IPv6 address");
  const size_t colon = authority.find(':');
  const absl::string_view host = authority.substr(0, colon);
  if (colon != absl::string_view::npos) {
    const absl::string_view port = authority.substr(colon + 1);
    int value = 0;
    if (!port.empty() && port.size() <= 5 && All(port, IsDigit)) {
      for (char c : port) value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) return refuse("a port from 1 to 65535");
  }
  if (host.empty()) return refuse("a host name after https://");
  const std::string problem = DomainProblem(host);
  if (!problem.empty()) return refuse(problem);
  return absl::OkStatus();
}

absl::Status CurrencyCode(absl::string_view field, absl::string_view code) {
  if (internal::IsIso4217Alpha3(Std(code))) return absl::OkStatus();
  return Refuse(field, "must be an ISO 4217 currency code in use such as EUR", "", code);
}

absl::Status TimeZone(absl::string_view field, absl::string_view name) {
  const auto refuse = [&] {
    return Refuse(field, "must be an IANA time zone name such as \"Europe/Copenhagen\"", "", name);
  };
  // Components start with a letter and hold no dot or colon, which keeps out "..",
  // absolute paths, cctz's "file:" paths and fixed offsets ("Fixed/UTC+01:00:00").
  if (name.empty() || name.size() > kMaxTimeZone) return refuse();
  for (absl::string_view component : absl::StrSplit(name, '/')) {
    if (!IsTimeZoneComponent(component)) return refuse();
  }
  if (name == "localtime" || name == "posixrules" || name == "Factory" ||
      absl::StartsWith(name, "posix/") || absl::StartsWith(name, "right/")) {
    return refuse();
  }
  if (name != "UTC" && !ZoneFileExists(name)) return refuse();
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) return refuse();
  return absl::OkStatus();
}

std::optional<size_t> Utf8Length(absl::string_view text) {
  size_t chars = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (DecodeUtf8(text, &pos) < 0) return std::nullopt;
    ++chars;
  }
  return chars;
}

absl::Status Utf8Text(absl::string_view field, absl::string_view text, size_t min_chars,
                      size_t max_chars) {
  size_t chars = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = pos;
    const int32_t cp = DecodeUtf8(text, &pos);
    if (cp < 0) {
      return status::InvalidField(field,
                                  absl::StrCat("must be valid UTF-8, got byte 0x",
                                               HexUpper(static_cast<unsigned char>(text[start]), 2),
                                               " at byte offset ", start));
    }
    if (IsControl(cp) && cp != '\n' && cp != '\r' && cp != '\t') {
      return status::InvalidField(
          field, absl::StrCat("must not contain control characters other than line breaks ",
                              "and tabs, got U+", HexUpper(cp, 4), " at character ", chars + 1));
    }
    ++chars;
  }
  if (chars == 0 && min_chars == 1) return status::InvalidField(field, "must not be empty");
  if (chars < min_chars) {
    return status::InvalidField(
        field, absl::StrCat("must be at least ", min_chars, " characters, got ", chars));
  }
  if (chars > max_chars) {
    return status::InvalidField(
        field, absl::StrCat("must be at most ", max_chars, " characters, got ", chars));
  }
  return absl::OkStatus();
}

bool Violations::Check(const absl::Status& status) {
  if (status.ok()) return true;
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    if (error_.ok()) error_ = status;
    return false;
  }
  std::optional<google::rpc::BadRequest> bad_request = status::GetBadRequest(status);
  if (!bad_request || bad_request->field_violations().empty()) {
    violations_.push_back({"", std::string(status.message())});
    return false;
  }
  for (const auto& violation : bad_request->field_violations()) {
    violations_.push_back({violation.field(), violation.description()});
  }
  return false;
}

void Violations::Add(absl::string_view field, absl::string_view description) {
  violations_.push_back({std::string(field), std::string(description)});
}

absl::Status Violations::ToStatus() const {
  if (!error_.ok()) return error_;
  if (violations_.empty()) return absl::OkStatus();
  return status::InvalidArgument(violations_);
}

}  // namespace coopnet::validate
