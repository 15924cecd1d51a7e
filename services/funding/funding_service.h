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

class FundingService final : public v1::FundingService::CallbackService {
 public:
  // Calls by name and match results go through `cache` (cache-aside; Redis down is a
  // miss); every write invalidates after it commits and wakes `relay` to publish the
  // domain event it recorded. Profiles come from `profiles`.
  FundingService(server::Server& server, FundingStore& store, cache::Cache& cache,
                 OrganisationProfiles& profiles, outbox::Relay& relay, ServiceOptions options);

#define COOPNET_FUNDING_UNARY(Method, Request, Response)                 \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context, \
                                   const v1::Request* request, Response* response) override

  COOPNET_FUNDING_UNARY(CreateProgramme, CreateProgrammeRequest, Programme);
  COOPNET_FUNDING_UNARY(GetProgramme, GetProgrammeRequest, Programme);
  COOPNET_FUNDING_UNARY(ListProgrammes, ListProgrammesRequest, v1::ListProgrammesResponse);
  COOPNET_FUNDING_UNARY(UpdateProgramme, UpdateProgrammeRequest, Programme);
  COOPNET_FUNDING_UNARY(CreateCall, CreateCallRequest, Call);
  COOPNET_FUNDING_UNARY(GetCall, GetCallRequest, Call);
  COOPNET_FUNDING_UNARY(ListCalls, ListCallsRequest, v1::ListCallsResponse);
  COOPNET_FUNDING_UNARY(UpdateCall, UpdateCallRequest, Call);
  COOPNET_FUNDING_UNARY(PublishCall, PublishCallRequest, Call);
  COOPNET_FUNDING_UNARY(MatchCalls, MatchCallsRequest, v1::MatchCallsResponse);
  COOPNET_FUNDING_UNARY(CreateApplication, CreateApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(GetApplication, GetApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(ListApplications, ListApplicationsRequest, v1::ListApplicationsResponse);
  COOPNET_FUNDING_UNARY(UpdateApplication, UpdateApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(SubmitApplication, SubmitApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(WithdrawApplication, WithdrawApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(ReviewApplication, ReviewApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(DecideApplication, DecideApplicationRequest, Application);
  COOPNET_FUNDING_UNARY(CreateAward, CreateAwardRequest, Award);
  COOPNET_FUNDING_UNARY(GetAward, GetAwardRequest, Award);
  COOPNET_FUNDING_UNARY(ListAwards, ListAwardsRequest, v1::ListAwardsResponse);
  COOPNET_FUNDING_UNARY(UpdateAward, UpdateAwardRequest, Award);
  COOPNET_FUNDING_UNARY(ExportAwards, ExportAwardsRequest, v1::ExportAwardsResponse);
#undef COOPNET_FUNDING_UNARY

  grpc::ServerWriteReactor<v1::FundingChange>* WatchFunding(
      grpc::CallbackServerContext* context, const v1::WatchFundingRequest* request) override;

 private:
  // Programmes (funding_service.cc).
  absl::Status CreateProgrammeOf(const server::Call& call, const v1::CreateProgrammeRequest& r,
                                 Programme& response);
  absl::Status ListProgrammesOf(const server::Call& call, const v1::ListProgrammesRequest& r,
                                v1::ListProgrammesResponse& response);
  absl::Status UpdateProgrammeOf(const server::Call& call, const v1::UpdateProgrammeRequest& r,
                                 Programme& response);

  // Calls (call_handlers.cc).
  absl::Status CreateCallOf(const server::Call& call, const v1::CreateCallRequest& r,
                            Call& response);
  absl::Status ListCallsOf(const server::Call& call, const v1::ListCallsRequest& r,
                           v1::ListCallsResponse& response);
  absl::Status UpdateCallOf(const server::Call& call, const v1::UpdateCallRequest& r,
                            Call& response);
  absl::Status PublishCallOf(const server::Call& call, const v1::PublishCallRequest& r,
                             Call& response);
  absl::Status MatchCallsOf(const server::Call& call, const v1::MatchCallsRequest& r,
                            v1::MatchCallsResponse& response);

  // Applications (application_handlers.cc).
  absl::Status CreateApplicationOf(const server::Call& call, const v1::CreateApplicationRequest& r,
                                   Application& response);
  absl::Status ListApplicationsOf(const server::Call& call, const v1::ListApplicationsRequest& r,
                                  v1::ListApplicationsResponse& response);
  absl::Status UpdateApplicationOf(const server::Call& call, const v1::UpdateApplicationRequest& r,
                                   Application& response);
  absl::Status SubmitApplicationOf(const server::Call& call, const v1::SubmitApplicationRequest& r,
                                   Application& response);
  absl::Status DecideApplicationOf(const server::Call& call, const v1::DecideApplicationRequest& r,
                                   Application& response);

  // Awards (award_handlers.cc).
  absl::Status CreateAwardOf(const server::Call& call, const v1::CreateAwardRequest& r,
                             Award& response);
  absl::Status ListAwardsOf(const server::Call& call, const v1::ListAwardsRequest& r,
                            v1::ListAwardsResponse& response);
  absl::Status UpdateAwardOf(const server::Call& call, const v1::UpdateAwardRequest& r,
                             Award& response);
  absl::Status ExportAwardsOf(const server::Call& call, const v1::ExportAwardsRequest& r,
                              v1::ExportAwardsResponse& response);

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
  // Runs a state change only the call's funder may make.
  absl::StatusOr<Application> FunderEdit(const server::Call& call, absl::string_view name,
                                         absl::string_view etag, std::optional<RequestKey> key,
                                         const ApplicationEdit& edit);
  // The profiles of the application's lead and PARTNERs.
  absl::StatusOr<Consortium> ConsortiumOf(const Application& application, absl::Time deadline);
  // After a commit that changed a call: its cached copy and every cached match are
  // stale; a domain event may wait.
  void CallWritten(absl::string_view id);

  server::Server& server_;
  FundingStore& store_;
  cache::Cache& cache_;
  OrganisationProfiles& profiles_;
  outbox::Relay& relay_;
  const ServiceOptions options_;
  std::unique_ptr<outbox::Watchers<v1::FundingChange>> watchers_;
  // What MatchCalls judges, kept in memory.
  OpenCalls open_calls_;
};

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_FUNDING_SERVICE_H_
