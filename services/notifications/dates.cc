#include "services/notifications/dates.h"

#include <unicode/datefmt.h>
#include <unicode/locid.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace coopnet::notifications {

std::string FormatWhen(absl::Time time, absl::string_view zone, absl::string_view language) {
  // English as written in Europe: day before month, a 24-hour clock.
  const std::string locale_name = language == "en" ? "en_GB" : std::string(language);
  std::unique_ptr<icu::DateFormat> format(icu::DateFormat::createDateTimeInstance(
      icu::DateFormat::kFull, icu::DateFormat::kShort, icu::Locale(locale_name.c_str())));
  icu::TimeZone* time_zone = icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(
      icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size()))));
  const UDate millis = static_cast<UDate>(absl::ToUnixMillis(time));
  if (format == nullptr) return absl::FormatTime("%Y-%m-%d %H:%M UTC", time, absl::UTCTimeZone());
  format->adoptTimeZone(time_zone);  // ICU's "Etc/Unknown" (UTC) when the name is not one
  icu::UnicodeString text;
  format->format(millis, text);
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace coopnet::notifications
