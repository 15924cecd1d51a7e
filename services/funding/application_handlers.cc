// FundingService: applications, from draft to decision.
#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/funding/funding_rules.h"
#include "services/funding/funding_service.h"
#include "services/funding/handler_basics.h"

namespace coopnet::funding {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kApplications[] = "applications";

// `t` as the funder reads it: "2014-01-31 23:59 Europe/Warsaw".
std::string LocalTime(const google::protobuf::Timestamp& t, const std::string& zone_name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  absl::LoadTimeZone(zone_name, &zone);
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", ToTime(t), zone), " ", zone_name);
}

absl::Status NotLead(absl::string_view name, absl::string_view lead) {
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_LEAD",
                       absl::StrCat("only the lead, ", lead, ", may change or submit ", name,
                                    "; partners may read it"));
}

// OK while `call` takes applications at `now`: FAILED_PRECONDITION saying when it opens
// or when its deadline passed otherwise.
absl::Status RequireOpen(const Call& call, absl::Time now) {
  switch (CallStateAt(call, now)) {
    case Call::OPEN:
      return absl::OkStatus();
    case Call::FORTHCOMING:
      return status::Error(
          absl::StatusCode::kFailedPrecondition, "CALL_NOT_OPEN",
          absl::StrCat(call.name(), " opens at ", LocalTime(call.open_time(), call.time_zone()),
                       "; submit from then on"));
    case Call::CLOSED:
      return status::Error(absl::StatusCode::kFailedPrecondition, "DEADLINE_PASSED",
                           absl::StrCat("the deadline of ", call.name(), " passed at ",
                                        LocalTime(call.deadline(), call.time_zone())));
    default:
      return status::Error(absl::StatusCode::kFailedPrecondition, "CALL_NOT_OPEN",
                           absl::StrCat(call.name(), " is not published"));
  }
}

// FAILED_PRECONDITION (NOT_ELIGIBLE) listing every unmet reason, each also in the
// ErrorInfo metadata under its criterion; OK when all are met.
absl::Status RequireEligible(const std::vector<Reason>& reasons) {
  std::vector<std::string> unmet;
  std::map<std::string, std::string> metadata;
  for (const Reason& r : reasons) {
    if (r.met()) continue;
    unmet.push_back(r.explanation());
    metadata[r.criterion()] = r.explanation();
  }
  if (unmet.empty()) return absl::OkStatus();
  return status::Error(absl::StatusCode::kFailedPrecondition, "NOT_ELIGIBLE",
                       absl::StrCat("the application does not meet the call's criteria: ",
                                    absl::StrJoin(unmet, "; ")),
                       std::move(metadata));
}

// FAILED_PRECONDITION (PARTNERS_NOT_CONSENTED) naming every participant still PROPOSED.
absl::Status RequireConsent(const Application& application) {
  const std::vector<std::string> awaiting = AwaitingConsent(application);
  if (awaiting.empty()) return absl::OkStatus();
  const std::string partners = absl::StrJoin(awaiting, ", ");
  return status::Error(
      absl::StatusCode::kFailedPrecondition, "PARTNERS_NOT_CONSENTED",
      absl::StrCat(application.name(), " awaits the consent of ", partners,
                   ": each accepts with AcceptPartnership, or the lead removes it"),
      {{"partners", partners}});
}

// What a caller may decide for: the organisations it acts for with FUNDING_WRITE.
std::function<bool(absl::string_view)> ActingFor(const server::Call& call) {
  return [&call](absl::string_view organisation) {
    return principal::ActsFor(call.principal, organisation, type::v1::FUNDING_WRITE);
  };
}

Announcement Proposal(const Application& application, const std::vector<std::string>& partners) {
  if (partners.empty()) return nullptr;
  auto proposed = std::make_unique<v1::PartnershipProposed>();
  *proposed->mutable_application() = application;
  for (const std::string& p : partners) proposed->add_partners(p);
  return proposed;
}

}  // namespace

absl::StatusOr<std::pair<Application, Call>> FundingService::VisibleApplication(
    const server::Call& call, absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", name, kApplications));
  COOPNET_ASSIGN_OR_RETURN(Application application, store_.GetApplication(id));
  COOPNET_ASSIGN_OR_RETURN(Call to, LoadCall(resource::IdOf(application.call())));
  const bool sees =
      SpeaksForConsortium(call.principal, application) ||
      (application.state() != Application::DRAFT && SpeaksFor(call.principal, to.funder()));
  // Telling "exists but not for you" apart from "does not exist" would leak the first.
  if (!sees) {
    return status::Error(absl::StatusCode::kNotFound, "APPLICATION_NOT_FOUND",
                         absl::StrCat(name, " does not exist"));
  }
  return std::make_pair(std::move(application), std::move(to));
}

absl::StatusOr<Consortium> FundingService::ConsortiumOf(const Application& application,
                                                        absl::Time deadline) {
  Consortium consortium;
  for (int i = 0; i < application.participants_size(); ++i) {
    const Application::Participant& p = application.participants(i);
    if (p.role() == Application::ASSOCIATED) continue;
    COOPNET_ASSIGN_OR_RETURN(
        Organisation profile,
        profiles_.Require(absl::StrCat("application.participants[", i, "].organisation"),
                          p.organisation(), deadline));
    if (p.role() == Application::LEAD) {
      consortium.lead = std::move(profile);
    } else {
      consortium.partners.push_back(std::move(profile));
    }
  }
  return consortium;
}

absl::StatusOr<Application> FundingService::LeadEdit(const server::Call& call,
                                                     absl::string_view name, absl::string_view etag,
                                                     std::optional<RequestKey> key,
                                                     ApplicationAction action) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", etag));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, name));
  const std::string lead = LeadOf(found.first);
  if (!principal::ActsFor(call.principal, lead, type::v1::FUNDING_WRITE))
    return NotLead(name, lead);
  ApplicationEdit edit;
  edit.apply = [&](const Application& stored) -> absl::StatusOr<Application> {
    COOPNET_ASSIGN_OR_RETURN(Application::State next, NextState(stored.state(), action));
    Application changed = stored;
    changed.set_state(next);
    return changed;
  };
  return store_.EditApplication(resource::IdOf(name), revision, key, edit);
}

absl::StatusOr<Application> FundingService::FunderEdit(const server::Call& call,
                                                       absl::string_view name,
                                                       absl::string_view etag,
                                                       std::optional<RequestKey> key,
                                                       const ApplicationEdit& edit) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", etag));
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, name));
  COOPNET_RETURN_IF_ERROR(RequireFunder(call, found.second.funder(), "review and decide"));
  return store_.EditApplication(resource::IdOf(name), revision, key, edit);
}

absl::Status FundingService::CreateApplication(const server::Call& call,
                                               const v1::CreateApplicationRequest& r,
                                               Application& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  const Application& application = r.application();
  COOPNET_RETURN_IF_ERROR(ValidateApplication(application));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  const std::string lead = LeadOf(application);
  if (!principal::ActsFor(call.principal, lead, type::v1::FUNDING_WRITE)) {
    return status::Error(absl::StatusCode::kPermissionDenied, "NOT_LEAD",
                         absl::StrCat("only the lead's own key may apply for ", lead));
  }
  absl::StatusOr<Call> to = VisibleCall(call, "application.call", application.call());
  if (to.status().code() == absl::StatusCode::kNotFound) {
    return status::InvalidField("application.call",
                                absl::StrCat(application.call(), " does not exist"));
  }
  COOPNET_RETURN_IF_ERROR(to.status());
  if (to->state() == Call::DRAFT) {
    return status::Error(absl::StatusCode::kFailedPrecondition, "CALL_NOT_OPEN",
                         absl::StrCat(to->name(), " is not published yet"));
  }
  COOPNET_RETURN_IF_ERROR(
      CheckApplicationCurrency(application, to->total_budget().currency_code()));
  COOPNET_RETURN_IF_ERROR(ConsortiumOf(application, call.deadline).status());
  Application settled = application;
  const std::vector<std::string> proposed = SettleConsent(nullptr, ActingFor(call), settled);
  COOPNET_ASSIGN_OR_RETURN(
      response, store_.CreateApplication(
                    settled, to->funder(),
                    request::RequestKeyOf(call.principal, "CreateApplication", r.request_id(), r),
                    [&](const Application& created) { return Proposal(created, proposed); }));
  if (!proposed.empty()) relay_.Wake();
  return absl::OkStatus();
}

absl::Status FundingService::GetApplication(const server::Call& call,
                                            const v1::GetApplicationRequest& r,
                                            Application& response) {
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, r.name()));
  response = std::move(found.first);
  return absl::OkStatus();
}

absl::Status FundingService::ListApplications(const server::Call& call,
                                              const v1::ListApplicationsRequest& r,
                                              v1::ListApplicationsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(r.page_size()));
  validate::Violations v;
  resource::CheckNameFilter(v, "call", r.call(), "calls");
  resource::CheckNameFilter(v, "participant", r.participant(), "organisations");
  ApplicationQuery q;
  q.states = EnumFilter<Application::State>(v, "states", r.states(), &Application::State_IsValid,
                                            &Application::State_Name);
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  const std::string fingerprint = request::ListFingerprint(r);
  COOPNET_ASSIGN_OR_RETURN(q.after_id, resource::DecodePageToken(r.page_token(), fingerprint));
  q.call_id = r.call().empty() ? "" : resource::IdOf(r.call());
  q.participant = r.participant();
  q.viewer_sees_everything = IsPrivileged(call.principal);
  q.viewer_organisation = CallerOrganisation(call.principal);
  q.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Application> found, store_.ListApplications(q));
  const bool more = request::TrimToPage(found, page_size);
  for (Application& a : found) *response.add_applications() = std::move(a);
  if (more) {
    response.set_next_page_token(resource::EncodePageToken(
        fingerprint, resource::IdOf(response.applications().rbegin()->name())));
  }
  return absl::OkStatus();
}

absl::Status FundingService::UpdateApplication(const server::Call& call,
                                               const v1::UpdateApplicationRequest& r,
                                               Application& response) {
  const Application& patch = r.application();
  COOPNET_RETURN_IF_ERROR(
      resource::ParseName("application.name", patch.name(), kApplications).status());
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("application.etag", patch.etag()));
  Application scratch;
  COOPNET_RETURN_IF_ERROR(
      ApplyUpdateMask(patch, r.update_mask(), ApplicationFixedFields(), scratch));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, patch.name()));
  const auto& [stored, to] = found;
  const std::string lead = LeadOf(stored);
  if (!principal::ActsFor(call.principal, lead, type::v1::FUNDING_WRITE))
    return NotLead(patch.name(), lead);

  // Every rule is checked before the transaction, so that bad input changes nothing.
  Application changed = stored;
  COOPNET_RETURN_IF_ERROR(
      ApplyUpdateMask(patch, r.update_mask(), ApplicationFixedFields(), changed));
  COOPNET_RETURN_IF_ERROR(ValidateApplication(changed));
  if (LeadOf(changed) != lead) {
    return status::InvalidField("application.participants",
                                absl::StrCat("must keep ", lead,
                                             " as the LEAD: the lead is "
                                             "fixed once the application is "
                                             "created"));
  }
  COOPNET_RETURN_IF_ERROR(CheckApplicationCurrency(changed, to.total_budget().currency_code()));
  COOPNET_RETURN_IF_ERROR(ConsortiumOf(changed, call.deadline).status());

  std::vector<std::string> proposed;
  ApplicationEdit edit;
  edit.apply = [&](const Application& current) -> absl::StatusOr<Application> {
    COOPNET_RETURN_IF_ERROR(NextState(current.state(), ApplicationAction::kUpdate).status());
    Application next = current;
    COOPNET_RETURN_IF_ERROR(
        ApplyUpdateMask(patch, r.update_mask(), ApplicationFixedFields(), next));
    COOPNET_RETURN_IF_ERROR(ValidateApplication(next));
    proposed = SettleConsent(&current, ActingFor(call), next);
    return next;
  };
  edit.announce = [&](const Application&, const Application& after) {
    return Proposal(after, proposed);
  };
  COOPNET_ASSIGN_OR_RETURN(
      response, store_.EditApplication(resource::IdOf(patch.name()), revision, std::nullopt, edit));
  if (!proposed.empty()) relay_.Wake();
  return absl::OkStatus();
}

absl::Status FundingService::SubmitApplication(const server::Call& call,
                                               const v1::SubmitApplicationRequest& r,
                                               Application& response) {
  COOPNET_RETURN_IF_ERROR(resource::ParseName("name", r.name(), kApplications).status());
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", r.etag()));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, r.name()));
  const auto& [stored, to] = found;
  const std::string lead = LeadOf(stored);
  if (!principal::ActsFor(call.principal, lead, type::v1::FUNDING_WRITE))
    return NotLead(r.name(), lead);
  COOPNET_ASSIGN_OR_RETURN(Consortium consortium, ConsortiumOf(stored, call.deadline));

  ApplicationEdit edit;
  edit.apply = [&](const Application& current) -> absl::StatusOr<Application> {
    COOPNET_ASSIGN_OR_RETURN(Application::State next,
                             NextState(current.state(), ApplicationAction::kSubmit));
    if (next == current.state()) return current;
    const absl::Time now = absl::Now();
    COOPNET_RETURN_IF_ERROR(RequireOpen(to, now));
    COOPNET_RETURN_IF_ERROR(RequireEligible(JudgeApplication(to, current, consortium)));
    // After the criteria: what the lead can fix comes before what it must wait for.
    COOPNET_RETURN_IF_ERROR(RequireConsent(current));
    Application submitted = current;
    submitted.set_state(next);
    *submitted.mutable_submit_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    return submitted;
  };
  edit.announce = [&](const Application& before, const Application& after) -> Announcement {
    if (before.state() != Application::DRAFT) return nullptr;
    auto submitted = std::make_unique<v1::ApplicationSubmitted>();
    *submitted->mutable_application() = after;
    submitted->set_funder(to.funder());
    return submitted;
  };
  COOPNET_ASSIGN_OR_RETURN(
      response,
      store_.EditApplication(
          resource::IdOf(r.name()), revision,
          request::RequestKeyOf(call.principal, "SubmitApplication", r.request_id(), r), edit));
  relay_.Wake();
  return absl::OkStatus();
}

absl::StatusOr<Application> FundingService::EditPartnership(
    const server::Call& call, absl::string_view name, absl::string_view organisation,
    absl::string_view etag, std::optional<RequestKey> key, bool accept) {
  COOPNET_ASSIGN_OR_RETURN(std::string id, resource::ParseName("name", name, kApplications));
  COOPNET_RETURN_IF_ERROR(
      resource::ParseName("organisation", organisation, "organisations").status());
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", etag));
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_RETURN_IF_ERROR(
      principal::MayActFor(call.principal, organisation, type::v1::FUNDING_WRITE, "organisation"));
  // One acting for a participant sees the application as the participant does: an
  // application it takes no part in does not exist for it.
  absl::StatusOr<Application> stored = store_.GetApplication(id);
  if (stored.ok() && !TakesPart(*stored, organisation)) {
    stored = status::Error(absl::StatusCode::kNotFound, "APPLICATION_NOT_FOUND",
                           absl::StrCat(name, " does not exist"));
  }
  COOPNET_RETURN_IF_ERROR(stored.status());

  ApplicationEdit edit;
  edit.apply = [&](const Application& current) -> absl::StatusOr<Application> {
    Application next = current;
    auto& participants = *next.mutable_participants();
    auto place = std::find_if(participants.begin(), participants.end(),
                              [&](const auto& p) { return p.organisation() == organisation; });
    if (place == participants.end()) {
      return status::Error(absl::StatusCode::kNotFound, "APPLICATION_NOT_FOUND",
                           absl::StrCat(name, " does not exist"));
    }
    if (place->role() == Application::LEAD) {
      return status::InvalidField(
          "organisation",
          absl::StrCat(organisation, " is the lead of ", name,
                       ", which takes part by applying and withdraws with WithdrawApplication"));
    }
    if (accept && place->state() == Application::ACTIVE) return current;
    if (current.state() != Application::DRAFT) {
      return status::Error(
          absl::StatusCode::kFailedPrecondition, "APPLICATION_STATE",
          absl::StrCat(name, " is ", Application::State_Name(current.state()), ": a partner ",
                       accept ? "joins" : "leaves", " only a DRAFT",
                       accept ? ""
                              : absl::StrCat("; the lead, ", LeadOf(current),
                                             ", may withdraw the application")));
    }
    if (accept) {
      place->set_state(Application::ACTIVE);
    } else {
      participants.erase(place);
    }
    return next;
  };
  edit.announce = [&](const Application&, const Application& after) -> Announcement {
    if (accept) {
      auto accepted = std::make_unique<v1::PartnershipAccepted>();
      *accepted->mutable_application() = after;
      accepted->set_partner(std::string(organisation));
      return accepted;
    }
    auto withdrawn = std::make_unique<v1::PartnershipWithdrawn>();
    *withdrawn->mutable_application() = after;
    withdrawn->set_partner(std::string(organisation));
    return withdrawn;
  };
  COOPNET_ASSIGN_OR_RETURN(Application edited, store_.EditApplication(id, revision, key, edit));
  relay_.Wake();
  return edited;
}

absl::Status FundingService::AcceptPartnership(const server::Call& call,
                                               const v1::AcceptPartnershipRequest& r,
                                               Application& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      EditPartnership(call, r.name(), r.organisation(), r.etag(),
                      request::RequestKeyOf(call.principal, "AcceptPartnership", r.request_id(), r),
                      /*accept=*/true));
  return absl::OkStatus();
}

absl::Status FundingService::WithdrawPartnership(const server::Call& call,
                                                 const v1::WithdrawPartnershipRequest& r,
                                                 Application& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_ASSIGN_OR_RETURN(
      response, EditPartnership(
                    call, r.name(), r.organisation(), r.etag(),
                    request::RequestKeyOf(call.principal, "WithdrawPartnership", r.request_id(), r),
                    /*accept=*/false));
  return absl::OkStatus();
}

absl::Status FundingService::WithdrawApplication(const server::Call& call,
                                                 const v1::WithdrawApplicationRequest& r,
                                                 Application& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_ASSIGN_OR_RETURN(
      response,
      LeadEdit(call, r.name(), r.etag(),
               request::RequestKeyOf(call.principal, "WithdrawApplication", r.request_id(), r),
               ApplicationAction::kWithdraw));
  return absl::OkStatus();
}

absl::Status FundingService::ReviewApplication(const server::Call& call,
                                               const v1::ReviewApplicationRequest& r,
                                               Application& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  ApplicationEdit edit;
  edit.apply = [](const Application& stored) -> absl::StatusOr<Application> {
    COOPNET_ASSIGN_OR_RETURN(Application::State next,
                             NextState(stored.state(), ApplicationAction::kReview));
    Application reviewed = stored;
    reviewed.set_state(next);
    return reviewed;
  };
  COOPNET_ASSIGN_OR_RETURN(
      response,
      FunderEdit(call, r.name(), r.etag(),
                 request::RequestKeyOf(call.principal, "ReviewApplication", r.request_id(), r),
                 edit));
  return absl::OkStatus();
}

absl::Status FundingService::DecideApplication(const server::Call& call,
                                               const v1::DecideApplicationRequest& r,
                                               Application& response) {
  COOPNET_RETURN_IF_ERROR(resource::ParseName("name", r.name(), kApplications).status());
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(r.request_id()));
  COOPNET_RETURN_IF_ERROR(validate::Utf8Text("note", r.note(), 0, kMaxSummary));
  if (r.decision() != v1::DecideApplicationRequest::AWARD &&
      r.decision() != v1::DecideApplicationRequest::REJECT) {
    return status::InvalidField("decision", "must be AWARD or REJECT");
  }
  const bool award = r.decision() == v1::DecideApplicationRequest::AWARD;
  COOPNET_ASSIGN_OR_RETURN(auto found, VisibleApplication(call, r.name()));
  const auto& [stored, to] = found;

  // The award as it will be made, checked before anything is written.
  Award made = r.award();
  made.set_funder(to.funder());
  made.set_recipient(LeadOf(stored));
  made.set_programme(to.programme());
  made.set_call(to.name());
  if (made.title().empty()) made.set_title(stored.title());
  if (!made.has_amount()) *made.mutable_amount() = stored.requested_amount();
  if (award) {
    COOPNET_RETURN_IF_ERROR(ValidateAward(made));
    if (made.amount().currency_code() != to.total_budget().currency_code()) {
      return status::InvalidField(
          "award.amount.currency_code",
          absl::StrCat("must be ", to.total_budget().currency_code(), ", the call's currency"));
    }
  }
  ApplicationEdit edit;
  edit.apply = [&](const Application& current) -> absl::StatusOr<Application> {
    COOPNET_ASSIGN_OR_RETURN(
        Application::State next,
        NextState(current.state(), award ? ApplicationAction::kAward : ApplicationAction::kReject));
    if (next == current.state()) return current;
    Application decided = current;
    decided.set_state(next);
    decided.set_decision_note(r.note());
    return decided;
  };
  if (award) edit.award = [&](const Application&) -> std::optional<Award> { return made; };
  COOPNET_ASSIGN_OR_RETURN(
      response,
      FunderEdit(call, r.name(), r.etag(),
                 request::RequestKeyOf(call.principal, "DecideApplication", r.request_id(), r),
                 edit));
  relay_.Wake();
  return absl::OkStatus();
}

}  // namespace coopnet::funding
