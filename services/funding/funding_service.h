// coopnet.funding.v1.FundingService: the gRPC handlers. Each reads like DESIGN.md's four
// steps: validate, authorise, act (store, cache, outbox), answer. Programmes are handled
// in funding_service.cc, calls and matching in call_handlers.cc, applications in
// application_handlers.cc, awards and their export in award_handlers.cc.
#ifndef COOPNET_SERVICES_FUNDING_FUNDING_SERVICE_H_
#define COOPNET_SERVICES_FUNDING_FUNDING_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/cache/cache.h"
#include "common/outbox/relay.h"
#include "common/outbox/watch.h"
#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/funding/v1/funding.grpc.pb.h"
#include "services/funding/eligibility.h"
#include "services/funding/funding_rules.h"
#include "services/funding/funding_store.h"
#include "services/funding/funding_watch.h"
#include "services/funding/open_calls.h"
#include "services/funding/organisation_profiles.h"

namespace coopnet::funding {

inline constexpr char kServiceName[] = "coopnet.funding.v1.FundingService";
inline constexpr char kErrorDomain[] = "funding.coopnet";

struct ServiceOptions {
  // The publisher prefix of exported 360Giving identifiers.
  std::string giving360_prefix = "360G-coopnet";
  outbox::WatchOptions watch;
};

class FundingService {
 public:
  // Calls by name and match results go through `cache` (cache-aside; Redis down is a
  // miss); every write invalidates after it commits and wakes `relay` to publish the
  // domain event it recorded. Profiles come from `profiles`.
  FundingService(server::Server& server, FundingStore& store, cache::Cache& cache,
                 OrganisationProfiles& profiles, outbox::Relay& relay, ServiceOptions options);

  // The methods of coopnet.funding.v1.FundingService, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  // Programmes (funding_service.cc).
  absl::Status CreateProgramme(const server::Call& call, const v1::CreateProgrammeRequest& r,
                               Programme& response);
  absl::Status GetProgramme(const server::Call& call, const v1::GetProgrammeRequest& r,
                            Programme& response);
  absl::Status ListProgrammes(const server::Call& call, const v1::ListProgrammesRequest& r,
                              v1::ListProgrammesResponse& response);
  absl::Status UpdateProgramme(const server::Call& call, const v1::UpdateProgrammeRequest& r,
                               Programme& response);

  // Calls (call_handlers.cc).
  absl::Status CreateCall(const server::Call& call, const v1::CreateCallRequest& r, Call& response);
  absl::Status GetCall(const server::Call& call, const v1::GetCallRequest& r, Call& response);
  absl::Status ListCalls(const server::Call& call, const v1::ListCallsRequest& r,
                         v1::ListCallsResponse& response);
  absl::Status UpdateCall(const server::Call& call, const v1::UpdateCallRequest& r, Call& response);
  absl::Status PublishCall(const server::Call& call, const v1::PublishCallRequest& r,
                           Call& response);
  absl::Status MatchCalls(const server::Call& call, const v1::MatchCallsRequest& r,
                          v1::MatchCallsResponse& response);

  // Applications (application_handlers.cc).
  absl::Status CreateApplication(const server::Call& call, const v1::CreateApplicationRequest& r,
                                 Application& response);
  absl::Status GetApplication(const server::Call& call, const v1::GetApplicationRequest& r,
                              Application& response);
  absl::Status ListApplications(const server::Call& call, const v1::ListApplicationsRequest& r,
                                v1::ListApplicationsResponse& response);
  absl::Status UpdateApplication(const server::Call& call, const v1::UpdateApplicationRequest& r,
                                 Application& response);
  absl::Status SubmitApplication(const server::Call& call, const v1::SubmitApplicationRequest& r,
                                 Application& response);
  absl::Status AcceptPartnership(const server::Call& call, const v1::AcceptPartnershipRequest& r,
                                 Application& response);
  absl::Status WithdrawPartnership(const server::Call& call,
                                   const v1::WithdrawPartnershipRequest& r, Application& response);
  absl::Status WithdrawApplication(const server::Call& call,
                                   const v1::WithdrawApplicationRequest& r, Application& response);
  absl::Status ReviewApplication(const server::Call& call, const v1::ReviewApplicationRequest& r,
                                 Application& response);
  absl::Status DecideApplication(const server::Call& call, const v1::DecideApplicationRequest& r,
                                 Application& response);

  // Awards (award_handlers.cc).
  absl::Status CreateAward(const server::Call& call, const v1::CreateAwardRequest& r,
                           Award& response);
  absl::Status GetAward(const server::Call& call, const v1::GetAwardRequest& r, Award& response);
  absl::Status ListAwards(const server::Call& call, const v1::ListAwardsRequest& r,
                          v1::ListAwardsResponse& response);
  absl::Status UpdateAward(const server::Call& call, const v1::UpdateAwardRequest& r,
                           Award& response);
  absl::Status ExportAwards(const server::Call& call, const v1::ExportAwardsRequest& r,
                            v1::ExportAwardsResponse& response);
  // Changes (funding_service.cc).
  grpc::ServerWriteReactor<v1::FundingChange>* WatchFunding(grpc::CallbackServerContext* context,
                                                            const v1::WatchFundingRequest* request);

  // The programme `name` (a field of the request, `field`): INVALID_ARGUMENT naming the
  // field when it does not exist.
  absl::StatusOr<Programme> ProgrammeFor(absl::string_view field, absl::string_view name);
  // The stored call `id`, through the cache, its state as of now.
  absl::StatusOr<Call> LoadCall(absl::string_view id);
  // The call `name` if the caller may see it (a draft only its funder); NOT_FOUND as if
  // it did not exist if not.
  absl::StatusOr<Call> VisibleCall(const server::Call& call, absl::string_view field,
                                   absl::string_view name);
  // PERMISSION_DENIED unless the caller has the write scope and acts for `funder`.
  absl::Status RequireFunder(const server::Call& call, absl::string_view funder,
                             absl::string_view what);
  // The application `name` and its call, if the caller may see it (its participants,
  // and the call's funder once submitted); NOT_FOUND otherwise.
  absl::StatusOr<std::pair<Application, Call>> VisibleApplication(const server::Call& call,
                                                                  absl::string_view name);
  // Runs a state change of an application only its lead may make.
  absl::StatusOr<Application> LeadEdit(const server::Call& call, absl::string_view name,
                                       absl::string_view etag, std::optional<RequestKey> key,
                                       ApplicationAction action);
  // A participant's own change to its place in the consortium: accepting it (`accept`)
  // or leaving. The caller acts for `organisation`.
  absl::StatusOr<Application> EditPartnership(const server::Call& call, absl::string_view name,
                                              absl::string_view organisation,
                                              absl::string_view etag, std::optional<RequestKey> key,
                                              bool accept);
  // Runs a state change only the call's funder may make.
  absl::StatusOr<Application> FunderEdit(const server::Call& call, absl::string_view name,
                                         absl::string_view etag, std::optional<RequestKey> key,
                                         const ApplicationEdit& edit);
  // The profiles of the application's lead and PARTNERs.
  absl::StatusOr<Consortium> ConsortiumOf(const Application& application, absl::Time deadline);
  // After a commit that changed a call: its cached copy and every cached match are
  // stale; a domain event may wait.
  void CallWritten(absl::string_view id);

  FundingStore& store_;
  cache::Cache& cache_;
  OrganisationProfiles& profiles_;
  outbox::Relay& relay_;
  const ServiceOptions options_;
  std::unique_ptr<outbox::Watchers<v1::FundingChange>> watchers_;
  // What MatchCalls judges, kept in memory.
  OpenCalls open_calls_;
  server::ServiceTable table_;
};

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_FUNDING_SERVICE_H_
