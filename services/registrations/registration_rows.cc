#include "services/registrations/registration_rows.h"

#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/time_util.h"

namespace coopnet::registrations {

using google::protobuf::util::TimeUtil;

std::string RegistrationName(absl::string_view event_id, absl::string_view id) {
  return absl::StrCat("events/", event_id, "/registrations/", id);
}

absl::StatusOr<Registration> ReadRegistration(const pg::Result& r, int row) {
  Registration registration;
  if (!registration.ParseFromString(r.GetBytes(row, 3))) {
    return absl::InternalError("stored registration unreadable");
  }
  registration.set_name(RegistrationName(r.GetString(row, 0), r.GetString(row, 1)));
  Registration::State state;
  if (Registration::State_Parse(r.GetString(row, 2), &state)) registration.set_state(state);
  registration.set_etag(resource::Etag(r.GetInt64(row, 4)));
  *registration.mutable_create_time() = ToTimestamp(r.GetTime(row, 5));
  *registration.mutable_update_time() = ToTimestamp(r.GetTime(row, 6));
  registration.set_waitlist_position(r.GetInt32(row, 7));
  const std::vector<std::string> given = r.GetStringArray(row, 8);
  const std::vector<std::string> family = r.GetStringArray(row, 9);
  const std::vector<std::string> emails = r.GetStringArray(row, 10);
  const std::vector<std::string> jobs = r.GetStringArray(row, 11);
  const std::vector<std::string> languages = r.GetStringArray(row, 12);
  const std::vector<int64_t> check_ins = r.GetInt64Array(row, 13);
  for (size_t i = 0; i < given.size(); ++i) {
    v1::Participant& person = *registration.add_participants();
    person.set_id(absl::StrCat(i + 1));
    person.set_given_name(given[i]);
    if (i < family.size()) person.set_family_name(family[i]);
    if (i < emails.size()) person.set_email(emails[i]);
    if (i < jobs.size()) person.set_job_title(jobs[i]);
    if (i < languages.size()) person.set_preferred_language(languages[i]);
    if (i < check_ins.size() && check_ins[i] != 0) {
      *person.mutable_check_in_time() = TimeUtil::MicrosecondsToTimestamp(check_ins[i]);
    }
  }
  registration.set_reason(r.GetString(row, 14));
  if (!registration.consent().notice_version().empty()) {
    *registration.mutable_consent()->mutable_consent_time() = registration.create_time();
  }
  return registration;
}

absl::StatusOr<std::vector<Registration>> ReadRegistrations(const pg::Result& r) {
  std::vector<Registration> registrations;
  registrations.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Registration registration, ReadRegistration(r, row));
    registrations.push_back(std::move(registration));
  }
  return registrations;
}

Registration DocumentOf(const Registration& registration) {
  Registration document = registration;
  document.clear_name();
  document.clear_participants();
  document.clear_state();
  document.clear_waitlist_position();
  document.clear_reason();
  document.clear_manage_token();
  document.clear_etag();
  document.clear_create_time();
  document.clear_update_time();
  document.mutable_consent()->clear_consent_time();
  return document;
}

}  // namespace coopnet::registrations
