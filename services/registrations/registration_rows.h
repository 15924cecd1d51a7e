// How a registration is read from its rows, for the two stores that read them
// (registration_store.cc, personal_data_store.cc): the columns every read selects, in
// order, and the Registration they make.
#ifndef COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_ROWS_H_
#define COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/result.h"
#include "common/time/time.h"
#include "coopnet/registrations/v1/registrations.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace coopnet::registrations {

using v1::Registration;

// The columns of a registration read, from `registrations r` joined with
// COOPNET_REGISTRATION_PARTICIPANTS (see ReadRegistration).
#define COOPNET_REGISTRATION_COLUMNS                                                 \
  "r.event_id, r.id, r.state, r.document, r.revision, r.create_time, r.update_time," \
  " CASE WHEN r.state = 'WAITLISTED' THEN (SELECT count(*) FROM registrations w"     \
  "   WHERE w.event_id = r.event_id AND w.state = 'WAITLISTED'"                      \
  "     AND w.waitlist_number <= r.waitlist_number) ELSE 0 END,"                     \
  " p.given_names, p.family_names, p.emails, p.job_titles, p.languages, p.check_ins, r.reason"

// The participants of `r`, in order, as arrays.
#define COOPNET_REGISTRATION_PARTICIPANTS                                             \
  " CROSS JOIN LATERAL (SELECT"                                                       \
  "   array_agg(q.given_name ORDER BY q.position) AS given_names,"                    \
  "   array_agg(q.family_name ORDER BY q.position) AS family_names,"                  \
  "   array_agg(coalesce(q.email, '') ORDER BY q.position) AS emails,"                \
  "   array_agg(q.job_title ORDER BY q.position) AS job_titles,"                      \
  "   array_agg(q.preferred_language ORDER BY q.position) AS languages,"              \
  "   array_agg(coalesce((extract(epoch FROM q.check_in_time) * 1000000)::bigint, 0)" \
  "             ORDER BY q.position) AS check_ins"                                    \
  "   FROM participants q WHERE q.event_id = r.event_id AND q.registration_id = r.id) p"

// `events/{event}/registrations/{id}`.
std::string RegistrationName(absl::string_view event_id, absl::string_view id);

// The registration in `row` of a result with COOPNET_REGISTRATION_COLUMNS.
absl::StatusOr<Registration> ReadRegistration(const pg::Result& r, int row);
absl::StatusOr<std::vector<Registration>> ReadRegistrations(const pg::Result& r);

// What the `document` column keeps: the registration without its participants and
// output-only fields, which have columns and rows of their own.
Registration DocumentOf(const Registration& registration);

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_ROWS_H_
