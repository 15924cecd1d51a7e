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
constexpr absl::Duration kCallTtl = absl::Minutes(10);

// Whether a change on the stream is for the watching caller: calls and awards are
// public; the events of an application are seen by its consortium, a submission also by
// the funder and a partner's leaving also by the partner.
bool MaySee(const server::Call& call, const v1::FundingChange& change) {
  const Application* application = nullptr;
  const std::string* also = nullptr;
  switch (change.change_case()) {
    case v1::FundingChange::kApplicationSubmitted:
      application = &change.application_submitted().application();
      also = &change.application_submitted().funder();
      break;
    case v1::FundingChange::kPartnershipProposed:
      application = &change.partnership_proposed().application();
      break;
    case v1::FundingChange::kPartnershipAccepted:
      application = &change.partnership_accepted().application();
      break;
    case v1::FundingChange::kPartnershipWithdrawn:
      application = &change.partnership_withdrawn().application();
      also = &change.partnership_withdrawn().partner();
      break;
    default:
      return true;
  }
  return (also != nullptr && SpeaksFor(call.principal, *also)) ||
         SpeaksForConsortium(call.principal, *application);
}

}  // namespace

FundingService::FundingService(server::Server& server, FundingStore& store, cache::Cache& cache,
                               OrganisationProfiles& profiles, outbox::Relay& relay,
                               ServiceOptions options)
    : store_(store),
      cache_(cache),
      profiles_(profiles),
      relay_(relay),
      options_(std::move(options)),
      watchers_(std::make_unique<outbox::Watchers<v1::FundingChange>>(server, options_.watch,
                                                                      DecodeChange, &MaySee)),
      open_calls_(store, OpenCalls::Options{}),
      table_(server, kServiceName) {
  table_.Unary("CreateProgramme", this, &FundingService::CreateProgramme)
      .Unary("GetProgramme", this, &FundingService::GetProgramme)
      .Unary("ListProgrammes", this, &FundingService::ListProgrammes)
      .Unary("UpdateProgramme", this, &FundingService::UpdateProgramme)
      .Unary("CreateCall", this, &FundingService::CreateCall)
      .Unary("GetCall", this, &FundingService::GetCall)
      .Unary("ListCalls", this, &FundingService::ListCalls)
      .Unary("UpdateCall", this, &FundingService::UpdateCall)
      .Unary("PublishCall", this, &FundingService::PublishCall)
      .Unary("MatchCalls", this, &FundingService::MatchCalls)
      .Unary("CreateApplication", this, &FundingService::CreateApplication)
      .Unary("GetApplication", this, &FundingService::GetApplication)
      .Unary("ListApplications", this, &FundingService::ListApplications)
      .Unary("UpdateApplication", this, &FundingService::UpdateApplication)
      .Unary("SubmitApplication", this, &FundingService::SubmitApplication)
      .Unary("AcceptPartnership", this, &FundingService::AcceptPartnership)
      .Unary("WithdrawPartnership", this, &FundingService::WithdrawPartnership)
      .Unary("WithdrawApplication", this, &FundingService::WithdrawApplication)
      .Unary("ReviewApplication", this, &FundingService::ReviewApplication)
      .Unary("DecideApplication", this, &FundingService::DecideApplication)
      .Unary("CreateAward", this, &FundingService::CreateAward)
      .Unary("GetAward", this, &FundingService::GetAward)
      .Unary("ListAwards", this, &FundingService::ListAwards)
      .Unary("UpdateAward", this, &FundingService::UpdateAward)
      .Unary("ExportAwards", this, &FundingService::ExportAwards)
      .ServerStream("WatchFunding", this, &FundingService::WatchFunding);
}

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
      !principal::ActsFor(call.principal, found.funder(), type::v1::FUNDING_WRITE)) {
    return status::Error(absl::StatusCode::kNotFound, "CALL_NOT_FOUND",
                         absl::StrCat(name, " does not exist"));
  }
  return found;
}

absl::Status FundingService::RequireFunder(const server::Call& call, absl::string_view funder,
                                           absl::string_view what) {
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  if (principal::ActsFor(call.principal, funder, type::v1::FUNDING_WRITE)) return absl::OkStatus();
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

absl::Status FundingService::CreateProgramme(const server::Call& call,
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

absl::Status FundingService::GetProgramme(const server::Call&, const v1::GetProgrammeRequest& r,
                                          Programme& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", r.name(), kProgrammes));
  COOPNET_ASSIGN_OR_RETURN(response, store_.GetProgramme(id));
  return absl::OkStatus();
}

absl::Status FundingService::ListProgrammes(const server::Call& call,
                                            const v1::ListProgrammesRequest& r,
                                            v1::ListProgrammesResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  validate::Violations v;
  resource::CheckNameFilter(v, "funder", r.funder(), "organisations");
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
    response.set_next_page_token(resource::EncodePageToken(
        fingerprint, resource::IdOf(response.programmes().rbegin()->name())));
  }
  return absl::OkStatus();
}

absl::Status FundingService::UpdateProgramme(const server::Call& call,
                                             const v1::UpdateProgrammeRequest& r,
                                             Programme& response) {
  const Programme& patch = r.programme();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("programme.name", patch.name(), kProgrammes));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("programme.etag", patch.etag()));
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
