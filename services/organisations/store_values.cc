#include "services/organisations/store_values.h"

#include "absl/strings/str_cat.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace coopnet::organisations {

using google::protobuf::util::TimeUtil;

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

absl::Status FromJson(absl::string_view json, google::protobuf::Message& message) {
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json), &message);
  if (!s.ok())
    return absl::InternalError(absl::StrCat("stored JSON unreadable: ", std::string(s.message())));
  return absl::OkStatus();
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

absl::Status OrganisationNotFound(absl::string_view organisation_id, absl::string_view field) {
  const std::string name = resource::Name("organisations", organisation_id);
  return status::Error(absl::StatusCode::kNotFound, "ORGANISATION_NOT_FOUND",
                       field.empty() ? absl::StrCat(name, " does not exist")
                                     : absl::StrCat(field, ": ", name, " does not exist"));
}

absl::Status RequireOrganisation(pg::Pool& pool, absl::string_view organisation_id,
                                 absl::string_view field) {
  static const pg::Statement kExists{"SELECT 1 FROM organisations WHERE id = $1"};
  COOPNET_ASSIGN_OR_RETURN(pg::Result exists, pool.Exec(kExists, organisation_id));
  if (exists.rows() == 0) return OrganisationNotFound(organisation_id, field);
  return absl::OkStatus();
}

v1::OrganisationChange ChangeAt(v1::OrganisationChange::Type type, absl::Time when) {
  v1::OrganisationChange change;
  change.set_type(type);
  *change.mutable_change_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(when));
  return change;
}

}  // namespace coopnet::organisations
