// Dates and times in an e-mail, as a reader of its language writes them (ICU's data).
#ifndef COOPNET_SERVICES_NOTIFICATIONS_DATES_H_
#define COOPNET_SERVICES_NOTIFICATIONS_DATES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace coopnet::notifications {

// `time` in the IANA zone `zone` (UTC when unknown) as a reader of `language` writes a
// day and a time: the full date and the short time, "torsdag den 13. oktober 2026 kl.
// 16.30" in Danish, "czwartek, 13 października 2026 16:30" in Polish; English as written
// in Europe ("Thursday 13 October 2026 at 16:30").
std::string FormatWhen(absl::Time time, absl::string_view zone, absl::string_view language);

}  // namespace coopnet::notifications

#endif  // COOPNET_SERVICES_NOTIFICATIONS_DATES_H_
