// coopnet.registrations.v1.RegistrationService: the gRPC handlers. Each reads like
// DESIGN.md's four steps: validate, authorise, act (desk, store, outbox), answer.
#ifndef COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_SERVICE_H_
#define COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "common/outbox/relay.h"
#include "common/outbox/watch.h"
#include "common/server/server.h"
#include "common/server/service_table.h"
#include "common/server/worker_pool.h"
#include "coopnet/registrations/v1/registrations.grpc.pb.h"
#include "services/registrations/directory.h"
#include "services/registrations/personal_data_store.h"
#include "services/registrations/registration_desk.h"
#include "services/registrations/registration_store.h"

namespace coopnet::registrations {

inline constexpr char kServiceName[] = "coopnet.registrations.v1.RegistrationService";
inline constexpr char kErrorDomain[] = "registrations.coopnet";

// The change a stream entry holds, or nullopt for a type this version does not know.
std::optional<v1::RegistrationChange> DecodeChange(const outbox::StreamEntry& entry);

class RegistrationService {
 public:
  // Writes wake `relay` to publish the domain events they recorded; WatchRegistrations
  // reads the stream `watch` names.
  RegistrationService(server::Server& server, RegistrationStore& store,
                      PersonalDataStore& personal_data, RegistrationDesk& desk,
                      Directory& directory, outbox::Relay& relay, outbox::WatchOptions watch,
                      principal::HmacKey manage_tokens);
  ~RegistrationService();

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  class CsvExport;

  absl::Status GetRegistrationPolicy(const server::Call& call,
                                     const v1::GetRegistrationPolicyRequest& request,
                                     RegistrationPolicy& response);
  absl::Status UpdateRegistrationPolicy(const server::Call& call,
                                        const v1::UpdateRegistrationPolicyRequest& request,
                                        RegistrationPolicy& response);
  absl::Status CreateRegistration(const server::Call& call,
                                  const v1::CreateRegistrationRequest& request,
                                  Registration& response);
  absl::Status GetRegistration(const server::Call& call, const v1::GetRegistrationRequest& request,
                               Registration& response);
  absl::Status ListRegistrations(const server::Call& call,
                                 const v1::ListRegistrationsRequest& request,
                                 v1::ListRegistrationsResponse& response);
  absl::Status ListOrganisationRegistrations(
      const server::Call& call, const v1::ListOrganisationRegistrationsRequest& request,
      v1::ListOrganisationRegistrationsResponse& response);
  absl::Status CancelRegistration(const server::Call& call,
                                  const v1::CancelRegistrationRequest& request,
                                  Registration& response);
  absl::Status ApproveRegistration(const server::Call& call,
                                   const v1::ApproveRegistrationRequest& request,
                                   Registration& response);
  absl::Status RejectRegistration(const server::Call& call,
                                  const v1::RejectRegistrationRequest& request,
                                  Registration& response);
  absl::Status CheckInParticipants(const server::Call& call,
                                   const v1::CheckInParticipantsRequest& request,
                                   Registration& response);
  absl::Status GetEventStatistics(const server::Call& call,
                                  const v1::GetEventStatisticsRequest& request,
                                  v1::EventStatistics& response);
  absl::Status ExportPersonalData(const server::Call& call,
                                  const v1::ExportPersonalDataRequest& request,
                                  v1::ExportPersonalDataResponse& response);
  absl::Status ErasePersonalData(const server::Call& call,
                                 const v1::ErasePersonalDataRequest& request,
                                 v1::ErasePersonalDataResponse& response);

  grpc::ServerWriteReactor<v1::ExportChunk>* ExportRegistrations(
      grpc::CallbackServerContext* context, const v1::ExportRegistrationsRequest* request);
  grpc::ServerWriteReactor<v1::RegistrationChange>* WatchRegistrations(
      grpc::CallbackServerContext* context, const v1::WatchRegistrationsRequest* request);
  // The event `event_id` if the caller organises it (with `scope`): PERMISSION_DENIED
  // (NOT_ORGANISER) when it does not, NOT_FOUND for a draft it may not know of.
  absl::StatusOr<EventFacts> OrganisedEvent(const server::Call& call, absl::string_view event_id,
                                            type::v1::Scope scope);
  // The event `name` if the caller may see it: its organisers always, others a DRAFT
  // never and a NETWORK event when the events service says so; NOT_FOUND otherwise, as
  // for an event that does not exist.
  absl::StatusOr<EventFacts> VisibleEvent(const server::Call& call, absl::string_view name);
  // Whether the caller may act on the registration `name`: with its manage token, or as
  // the event's organiser holding `scope`. NOT_FOUND (as if it did not exist) otherwise.
  absl::Status RequireRegistrationAccess(const server::Call& call, absl::string_view event_id,
                                         absl::string_view name, absl::string_view manage_token,
                                         type::v1::Scope scope);
  // One change of the registration `name`: the name, etag and request id checked, the
  // caller authorised (with `manage_token` the registration's holder or, as without it,
  // the event's organiser with the write scope), then `edit` run (see
  // RegistrationStore::EditRegistration), remembered for retries under `method`.
  absl::StatusOr<Registration> Edit(const server::Call& call, absl::string_view method,
                                    absl::string_view name, absl::string_view etag,
                                    absl::string_view request_id,
                                    const google::protobuf::Message& request,
                                    std::optional<absl::string_view> manage_token,
                                    const RegistrationEdit& edit);

  server::Server& server_;
  // Derives registrations' manage tokens (manage_token.h).
  const principal::HmacKey manage_tokens_;
  RegistrationStore& store_;
  PersonalDataStore& personal_data_;
  RegistrationDesk& desk_;
  Directory& directory_;
  outbox::Relay& relay_;
  outbox::Watchers<v1::RegistrationChange> watchers_;
  server::ServiceTable table_;
  // Exports read pages of registrations here, paced by how fast the caller takes the
  // file; destroyed first, so that no export outlives the rest.
  server::WorkerPool exports_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_REGISTRATION_SERVICE_H_
