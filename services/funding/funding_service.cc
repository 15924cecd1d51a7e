#include "services/funding/funding_service.h"

#include "absl/strings/str_cat.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "services/funding/funding_rules.h"
#include "services/funding/handler_basics.h"

namespace coopnet::funding {
namespace {

constexpr char kProgrammes[] = "programmes";
constexpr char kCalls[] = "calls";
constexpr char kAwards[] = "awards";
constexpr absl::Duration kCallTtl = absl::Minutes(10);

// Whether a change on the stream is for the watching caller: calls and awards are
// public; a submitted application is seen by its consortium and the funder.
bool MaySee(const server::Call& call, const v1::FundingChange& change) {
  if (!change.has_application_submitted()) return true;
  if (IsPrivileged(call.principal)) return true;
  const v1::ApplicationSubmitted& submitted = change.application_submitted();
  const std::string organisation = CallerOrganisation(call.principal);
  return !organisation.empty() &&
         (organisation == submitted.funder() || TakesPart(submitted.application(), organisation));
}

}  // namespace

FundingService::FundingService(server::Server& server, FundingStore& store, cache::Cache& cache,
                               OrganisationProfiles& profiles, outbox::Relay& relay,
                               ServiceOptions options)
    : server_(server),
      store_(store),
      cache_(cache),
      profiles_(profiles),
      relay_(relay),
      options_(std::move(options)),
      watchers_(std::make_unique<outbox::Watchers<v1::FundingChange>>(server, options_.watch,
                                                                      DecodeChange, &MaySee)),
      open_calls_(store, OpenCalls::Options{}) {}

// ---- The gRPC methods: each hands its work to the worker pool. ----

// The body, a block, comes last: its commas would otherwise split the macro's arguments.
#define COOPNET_FUNDING_SERVE(Method, Request, Response, ...)                                 \
  grpc::ServerUnaryReactor* FundingService::Method(                                           \
      grpc::CallbackServerContext* context, const v1::Request* request, Response* response) { \
    return server_.Unary(context, [ =, this ](const server::Call& call) __VA_ARGS__);         \
  }

COOPNET_FUNDING_SERVE(CreateProgramme, CreateProgrammeRequest, Programme,
                      { return CreateProgrammeOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(GetProgramme, GetProgrammeRequest, Programme, {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request->name(), kProgrammes));
  COOPNET_ASSIGN_OR_RETURN(*response, store_.GetProgramme(id));
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(ListProgrammes, ListProgrammesRequest, v1::ListProgrammesResponse,
                      { return ListProgrammesOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(UpdateProgramme, UpdateProgrammeRequest, Programme,
                      { return UpdateProgrammeOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(CreateCall, CreateCallRequest, Call,
                      { return CreateCallOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(GetCall, GetCallRequest, Call, {
  COOPNET_ASSIGN_OR_RETURN(*response, VisibleCall(call, "name", request->name()));
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(ListCalls, ListCallsRequest, v1::ListCallsResponse,
                      { return ListCallsOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(UpdateCall, UpdateCallRequest, Call,
                      { return UpdateCallOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(PublishCall, PublishCallRequest, Call,
                      { return PublishCallOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(MatchCalls, MatchCallsRequest, v1::MatchCallsResponse,
                      { return MatchCallsOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(CreateApplication, CreateApplicationRequest, Application,
                      { return CreateApplicationOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(GetApplication, GetApplicationRequest, Application, {
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, request->name()));
  *response = std::move(found.first);
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(ListApplications, ListApplicationsRequest, v1::ListApplicationsResponse,
                      { return ListApplicationsOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(UpdateApplication, UpdateApplicationRequest, Application,
                      { return UpdateApplicationOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(SubmitApplication, SubmitApplicationRequest, Application,
                      { return SubmitApplicationOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(WithdrawApplication, WithdrawApplicationRequest, Application, {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request->request_id()));
  COOPNET_ASSIGN_OR_RETURN(*response,
                           LeadEdit(call, request->name(), request->etag(),
                                    request::RequestKeyOf(call.principal, "WithdrawApplication",
                                                          request->request_id(), *request),
                                    ApplicationAction::kWithdraw));
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(ReviewApplication, ReviewApplicationRequest, Application, {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request->request_id()));
  ApplicationEdit edit;
  edit.apply = [](const Application& stored) -> absl::StatusOr<Application> {
    COOPNET_ASSIGN_OR_RETURN(Application::State next,
                             NextState(stored.state(), ApplicationAction::kReview));
    Application reviewed = stored;
    reviewed.set_state(next);
    return reviewed;
  };
  COOPNET_ASSIGN_OR_RETURN(*response,
                           FunderEdit(call, request->name(), request->etag(),
                                      request::RequestKeyOf(call.principal, "ReviewApplication",
                                                            request->request_id(), *request),
                                      edit));
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(DecideApplication, DecideApplicationRequest, Application,
                      { return DecideApplicationOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(CreateAward, CreateAwardRequest, Award,
                      { return CreateAwardOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(GetAward, GetAwardRequest, Award, {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", request->name(), kAwards));
  COOPNET_ASSIGN_OR_RETURN(*response, store_.GetAward(id));
  return absl::OkStatus();
})
COOPNET_FUNDING_SERVE(ListAwards, ListAwardsRequest, v1::ListAwardsResponse,
                      { return ListAwardsOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(UpdateAward, UpdateAwardRequest, Award,
                      { return UpdateAwardOf(call, *request, *response); })
COOPNET_FUNDING_SERVE(ExportAwards, ExportAwardsRequest, v1::ExportAwardsResponse,
                      { return ExportAwardsOf(call, *request, *response); })
#undef COOPNET_FUNDING_SERVE

grpc::ServerWriteReactor<v1::FundingChange>* FundingService::WatchFunding(
    grpc::CallbackServerContext* context, const v1::WatchFundingRequest* request) {
  return watchers_->Start(context, request->cursor());
}

// ---- What several resources share. ----

absl::StatusOr<Programme> FundingService::ProgrammeFor(absl::string_view field,
                                                       absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName(field, name, kProgrammes));
  absl::StatusOr<Programme> programme = store_.GetProgramme(id);
  if (programme.status().code() == absl::StatusCode::kNotFound) {
    return status::InvalidField(field, absl::StrCat(name, " does not exist"));
  }
  return programme;
}

absl::StatusOr<Call> FundingService::LoadCall(absl::string_view id) {
  cache::LookupResult lookup = cache_.Lookup(absl::StrCat("call:", id));
  Call call;
  if (!lookup.hit || !call.ParseFromString(*lookup.value)) {
    COOPNET_ASSIGN_OR_RETURN(call, store_.GetCall(id));
    cache_.Fill(lookup, call.SerializeAsString(), kCallTtl);
  }
  call.set_state(CallStateAt(call, absl::Now()));
  return call;
}

absl::StatusOr<Call> FundingService::VisibleCall(const server::Call& call, absl::string_view field,
                                                 absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName(field, name, kCalls));
  COOPNET_ASSIGN_OR_RETURN(Call found, LoadCall(id));
  if (found.state() == Call::DRAFT && !IsPrivileged(call.principal) &&
      !principal::ActsFor(call.principal, found.funder())) {
    return status::Error(absl::StatusCode::kNotFound, "CALL_NOT_FOUND",
                         absl::StrCat(name, " does not exist"));
  }
  return found;
}

absl::Status FundingService::RequireFunder(const server::Call& call, absl::string_view funder,
                                           absl::string_view what) {
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  if (principal::ActsFor(call.principal, funder)) return absl::OkStatus();
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_FUNDER",
                       absl::StrCat("only the funder, ", funder, ", may ", what));
}

void FundingService::CallWritten(absl::string_view id) {
  cache_.Invalidate(absl::StrCat("call:", id));
  cache_.BumpGeneration(kCalls);
  open_calls_.Changed();
  relay_.Wake();
}

// ---- Programmes. ----

absl::Status FundingService::CreateProgrammeOf(const server::Call& call,
                                               const v1::CreateProgrammeRequest& r,
                                               Programme& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateProgramme(r.programme()));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, r.programme().funder(), "create its programmes"));
  COOPNET_RETURN_IF_ERROR(
      profiles_.Require("programme.funder", r.programme().funder(), call.deadline).status());
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.CreateProgramme(r.programme(), request::RequestKeyOf(call.principal, "CreateProgramme",
                                                                  r.request_id(), r)));
  return absl::OkStatus();
}

absl::Status FundingService::ListProgrammesOf(const server::Call& call,
                                              const v1::ListProgrammesRequest& r,
                                              v1::ListProgrammesResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  validate::Violations v;
  CheckNameFilter(v, "funder", r.funder(), "organisations");
  ProgrammeQuery q;
  q.levels = EnumFilter<Programme::Level>(v, "levels", r.levels(), &Programme::Level_IsValid,
                                          &Programme::Level_Name);
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = request::ListFingerprint(r);
  COOPNET_ASSIGN_OR_RETURN(q.after_id, resource::DecodePageToken(r.page_token(), fingerprint));
  q.funder = r.funder();
  q.themes.assign(r.themes().begin(), r.themes().end());
  q.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Programme> found, store_.ListProgrammes(q));
  const bool more = request::TrimToPage(found, page_size);
  for (Programme& p : found) *response.add_programmes() = std::move(p);
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, IdOf(response.programmes().rbegin()->name())));
  }
  return absl::OkStatus();
}

absl::Status FundingService::UpdateProgrammeOf(const server::Call& call,
                                               const v1::UpdateProgrammeRequest& r,
                                               Programme& response) {
  const Programme& patch = r.programme();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("programme.name", patch.name(), kProgrammes));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           RevisionOf("programme.etag", patch.etag()));
  Programme scratch;
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(patch, r.update_mask(), ProgrammeFixedFields(), scratch));
  COOPNET_ASSIGN_OR_RETURN(Programme stored, store_.GetProgramme(id));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, stored.funder(), "change its programmes"));
  COOPNET_ASSIGN_OR_RETURN(
      response, store_.UpdateProgramme(
                    id, revision, [&](const Programme& current) -> absl::StatusOr<Programme> {
                      Programme next = current;
                      COOPNET_RETURN_IF_ERROR(
                          ApplyUpdateMask(patch, r.update_mask(), ProgrammeFixedFields(), next));
                      COOPNET_RETURN_IF_ERROR(ValidateProgramme(next));
                      return next;
                    }));
  return absl::OkStatus();
}

}  // namespace coopnet::funding
