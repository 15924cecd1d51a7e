// How the stores of the organisations process keep protobuf values in PostgreSQL:
// messages kept exactly as given (a postal address, localized text) as JSON, and times
// as Timestamps.
//
//   tx.Exec(kInsert, id, ToJson(network.title()), ...);            // $2::jsonb
//   COOPNET_RETURN_IF_ERROR(FromJson(r.GetStringView(row, 1), *n.mutable_title()));
//   *n.mutable_create_time() = ToTimestamp(r.GetTime(row, 9));
#ifndef COOPNET_SERVICES_ORGANISATIONS_STORE_VALUES_H_
#define COOPNET_SERVICES_ORGANISATIONS_STORE_VALUES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/time/time.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace coopnet::organisations {

// `message` as proto3 JSON with the .proto field names.
std::string ToJson(const google::protobuf::Message& message);

// Reads what ToJson wrote into `message`; INTERNAL when it cannot (the row is damaged).
absl::Status FromJson(absl::string_view json, google::protobuf::Message& message);

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// NOT_FOUND (reason ORGANISATION_NOT_FOUND): `organisations/{id} does not exist`, after
// `field: ` when a field named it.
absl::Status OrganisationNotFound(absl::string_view organisation_id, absl::string_view field = "");

// OK when the organisation exists; OrganisationNotFound otherwise.
absl::Status RequireOrganisation(pg::Pool& pool, absl::string_view organisation_id,
                                 absl::string_view field = "");

// A change of `type` made at `when`, for the stores to fill in and append to the outbox
// (WatchOrganisations).
v1::OrganisationChange ChangeAt(v1::OrganisationChange::Type type, absl::Time when);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_STORE_VALUES_H_
