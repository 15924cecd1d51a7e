// The CSV file ExportRegistrations streams: one row per participant, RFC 4180 (fields
// quoted when needed, CRLF line ends), UTF-8, the answers as one column per question.
// Pure functions, so that every quirk of the format has a unit test.
//
//   std::string csv = CsvHeader(policy, "da");
//   for (const Registration& r : page) csv += CsvRows(policy, r, "da");
#ifndef COOPNET_SERVICES_REGISTRATIONS_EXPORT_CSV_H_
#define COOPNET_SERVICES_REGISTRATIONS_EXPORT_CSV_H_

#include <string>

#include "absl/strings/string_view.h"
#include "coopnet/registrations/v1/registrations.pb.h"

namespace coopnet::registrations {

inline constexpr char kCsvContentType[] = "text/csv; charset=utf-8";

// `text` as one CSV field: quoted when it holds a comma, quote, CR or LF (quotes
// doubled), and prefixed with ' when it starts with = + - @ or a tab, so that a
// spreadsheet shows it as text rather than running it as a formula.
std::string CsvField(absl::string_view text);

// The header line: the registration's and participant's columns, then each question's
// label in `language` (its default language when it has none in `language`).
std::string CsvHeader(const v1::RegistrationPolicy& policy, absl::string_view language);

// One line per participant of `registration`, the registration's answers repeated on
// each; choices as their labels in `language`, several joined by "; ".
std::string CsvRows(const v1::RegistrationPolicy& policy, const v1::Registration& registration,
                    absl::string_view language);

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_EXPORT_CSV_H_
