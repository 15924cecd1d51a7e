#include "services/registrations/registration_service.h"

#include <atomic>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/deadline/deadline.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "services/registrations/export_csv.h"
#include "services/registrations/manage_token.h"
#include "services/registrations/registration_rows.h"

namespace coopnet::registrations {
namespace {

using principal::Principal;
using type::v1::Scope;

constexpr char kEvents[] = "events";
constexpr char kRegistrations[] = "registrations";
// Pieces of the CSV file: large enough to stream quickly, small enough for any proxy.
constexpr size_t kChunkBytes = 64 * 1024;
constexpr int kExportPage = 200;
constexpr int kExportThreads = 2;
constexpr int kQueuedExportSteps = 32;
// The event id of `<collection>/<id>/<singleton>` (`events/{id}/registrationPolicy`).
absl::StatusOr<std::string> ParseSingleton(absl::string_view field, absl::string_view name,
                                           absl::string_view singleton) {
  absl::string_view parent = name;
  if (!absl::ConsumeSuffix(&parent, absl::StrCat("/", singleton))) {
    return status::InvalidField(field, absl::StrCat("must be events/{event}/", singleton, ", got ",
                                                    validate::Quoted(name)));
  }
  return resource::ParseName(field, parent, kEvents);
}

absl::Status ValidateStates(const google::protobuf::RepeatedField<int>& states,
                            absl::string_view field, std::vector<std::string>& names) {
  validate::Violations v;
  for (int i = 0; i < states.size(); ++i) {
    if (states[i] == Registration::STATE_UNSPECIFIED || !Registration::State_IsValid(states[i])) {
      v.Add(absl::StrCat(field, "[", i, "]"), "must be a state of a registration");
      continue;
    }
    names.push_back(Registration::State_Name(static_cast<Registration::State>(states[i])));
  }
  return v.ToStatus();
}

bool IsAnonymous(const Principal& caller) { return caller.kind() == Principal::ANONYMOUS; }

// The organisation whose events' personal data the caller may see; "" for every event.
absl::StatusOr<std::string> PersonalDataScope(const Principal& caller, Scope scope) {
  COOPNET_RETURN_IF_ERROR(request::RequireScope(caller, scope));
  if (principal::IsAdmin(caller) || caller.kind() == Principal::SERVICE) return std::string();
  if (caller.organisation().empty()) {
    return status::Error(absl::StatusCode::kPermissionDenied, "NOT_ORGANISER",
                         "only an organisation's key or an operator may ask for personal data");
  }
  return caller.organisation();
}

absl::Status EventNotFound(absl::string_view name) {
  return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                       absl::StrCat(name, " does not exist"));
}

absl::Status RegistrationNotFound(absl::string_view name) {
  return status::Error(absl::StatusCode::kNotFound, "REGISTRATION_NOT_FOUND",
                       absl::StrCat(name, " does not exist"));
}

}  // namespace

std::optional<v1::RegistrationChange> DecodeChange(const outbox::StreamEntry& entry) {
  // Each domain event travels as its own message; the change carries it in the oneof
  // member of that type.
  v1::RegistrationChange change;
  const google::protobuf::OneofDescriptor* kinds =
      v1::RegistrationChange::descriptor()->FindOneofByName("change");
  for (int i = 0; i < kinds->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* kind = kinds->field(i);
    if (kind->message_type()->full_name() != entry.type) continue;
    if (!change.GetReflection()->MutableMessage(&change, kind)->ParseFromString(entry.payload)) {
      return std::nullopt;
    }
    change.set_cursor(entry.id);
    change.set_change_id(entry.outbox_id);
    return change;
  }
  return std::nullopt;
}

namespace {

// `events/{event}` of the registrations a change is about: the event of a notice, or of
// the registration every other domain event carries.
std::string EventOf(const v1::RegistrationChange& change) {
  if (change.has_rescheduled()) return change.rescheduled().event();
  const google::protobuf::FieldDescriptor* kind = change.GetReflection()->GetOneofFieldDescriptor(
      change, v1::RegistrationChange::descriptor()->FindOneofByName("change"));
  if (kind == nullptr) return "";
  const google::protobuf::Message& domain_event = change.GetReflection()->GetMessage(change, kind);
  const google::protobuf::FieldDescriptor* field =
      domain_event.GetDescriptor()->FindFieldByName("registration");
  if (field == nullptr) return "";
  const auto& registration = static_cast<const Registration&>(
      domain_event.GetReflection()->GetMessage(domain_event, field));
  const std::string& name = registration.name();
  return name.substr(0, name.find("/registrations/"));
}

}  // namespace

// One export: the CSV file in chunks, each read on an export worker when the caller
// has taken the one before. At any time either a step is queued or running, or a write
// is in flight, or the call is finished: never two of them, so the reactor is touched
// by one thread at a time and deleted (OnDone) only after the last.
class RegistrationService::CsvExport : public grpc::ServerWriteReactor<v1::ExportChunk> {
 public:
  // An export refused before it starts.
  explicit CsvExport(const absl::Status& refusal) { Finish(status::ToGrpc(refusal, kErrorDomain)); }

  CsvExport(RegistrationService& service, server::Call call, v1::ExportRegistrationsRequest request)
      : service_(&service), call_(std::move(call)), request_(std::move(request)) {}

  void Begin() { Next(); }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller stopped reading"));
    } else if (last_) {
      Finish(grpc::Status::OK);
    } else {
      Next();
    }
  }

  void OnCancel() override { cancelled_.store(true); }

  void OnDone() override { delete this; }

 private:
  void Next() {
    if (!service_->exports_.TrySubmit([this] { Step(); })) {
      Finish(status::ToGrpc(status::Error(absl::StatusCode::kResourceExhausted, "TOO_MANY_EXPORTS",
                                          "too many exports are running; retry with backoff"),
                            kErrorDomain));
    }
  }

  // Runs on an export worker.
  void Step() {
    if (cancelled_.load()) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away"));
      return;
    }
    // The export's reads end with the call, as every call's do (Server::Unary).
    const absl::Status filled = [&] {
      deadline::Scope scope(call_.deadline);
      return Fill();
    }();
    if (!filled.ok()) {
      Finish(status::ToGrpc(filled, kErrorDomain));
      return;
    }
    const size_t size = std::min(kChunkBytes, buffer_.size());
    chunk_.Clear();
    if (first_) chunk_.set_content_type(kCsvContentType);
    first_ = false;
    chunk_.set_data(buffer_.substr(0, size));
    buffer_.erase(0, size);
    last_ = buffer_.empty() && read_all_;
    StartWrite(&chunk_);
  }

  // Reads pages until a whole chunk is ready or nothing is left. The first call checks
  // the request and the caller and writes the header.
  absl::Status Fill() {
    if (first_) {
      COOPNET_ASSIGN_OR_RETURN(query_.event_id,
                               resource::ParseName("parent", request_.parent(), kEvents));
      COOPNET_RETURN_IF_ERROR(ValidateStates(request_.states(), "states", query_.states));
      if (!request_.language().empty()) {
        COOPNET_RETURN_IF_ERROR(validate::LanguageTag("language", request_.language()));
      }
      COOPNET_RETURN_IF_ERROR(
          service_->OrganisedEvent(call_, query_.event_id, type::v1::SCOPE_READ).status());
      COOPNET_ASSIGN_OR_RETURN(PolicyRecord record, service_->store_.GetPolicy(query_.event_id));
      policy_ = std::move(record.policy);
      buffer_ = CsvHeader(policy_, request_.language());
      query_.limit = kExportPage;
    }
    while (!read_all_ && buffer_.size() < kChunkBytes) {
      COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> page,
                               service_->store_.ListRegistrations(query_));
      read_all_ = static_cast<int>(page.size()) < kExportPage;
      for (const Registration& registration : page) {
        absl::StrAppend(&buffer_, CsvRows(policy_, registration, request_.language()));
      }
      if (!page.empty()) {
        const std::string& last = page.back().name();
        query_.after_id = last.substr(last.rfind('/') + 1);
      }
    }
    return absl::OkStatus();
  }

  RegistrationService* service_ = nullptr;
  server::Call call_;
  v1::ExportRegistrationsRequest request_;
  RegistrationPolicy policy_;
  RegistrationQuery query_;
  std::string buffer_;
  v1::ExportChunk chunk_;
  bool first_ = true;
  bool read_all_ = false;
  bool last_ = false;
  std::atomic<bool> cancelled_{false};
};

RegistrationService::RegistrationService(server::Server& server, RegistrationStore& store,
                                         PersonalDataStore& personal_data, RegistrationDesk& desk,
                                         Directory& directory, outbox::Relay& relay,
                                         outbox::WatchOptions watch,
                                         principal::HmacKey manage_tokens)
    : server_(server),
      manage_tokens_(std::move(manage_tokens)),
      store_(store),
      personal_data_(personal_data),
      desk_(desk),
      directory_(directory),
      relay_(relay),
      watchers_(
          server, std::move(watch), DecodeChange,
          [this](const server::Call& call, const v1::RegistrationChange& change) {
            if (principal::IsAdmin(call.principal) || call.principal.kind() == Principal::SERVICE) {
              return true;
            }
            // Changes carry participants' personal data: organisers only.
            absl::StatusOr<EventFacts> event =
                directory_.Event(EventOf(change), absl::Now() + absl::Seconds(2));
            return event.ok() && IsOrganiser(call.principal, event->organisers);
          }),
      table_(server, kServiceName),
      exports_(kExportThreads, kQueuedExportSteps) {
  table_.Unary("GetRegistrationPolicy", this, &RegistrationService::GetRegistrationPolicy)
      .Unary("UpdateRegistrationPolicy", this, &RegistrationService::UpdateRegistrationPolicy)
      .Unary("CreateRegistration", this, &RegistrationService::CreateRegistration)
      .Unary("GetRegistration", this, &RegistrationService::GetRegistration)
      .Unary("ListRegistrations", this, &RegistrationService::ListRegistrations)
      .Unary("CancelRegistration", this, &RegistrationService::CancelRegistration)
      .Unary("ApproveRegistration", this, &RegistrationService::ApproveRegistration)
      .Unary("RejectRegistration", this, &RegistrationService::RejectRegistration)
      .Unary("CheckInParticipants", this, &RegistrationService::CheckInParticipants)
      .ServerStream("ExportRegistrations", this, &RegistrationService::ExportRegistrations)
      .Unary("GetEventStatistics", this, &RegistrationService::GetEventStatistics)
      .Unary("ExportPersonalData", this, &RegistrationService::ExportPersonalData)
      .Unary("ErasePersonalData", this, &RegistrationService::ErasePersonalData)
      .Unary("ListOrganisationRegistrations", this,
             &RegistrationService::ListOrganisationRegistrations)
      .ServerStream("WatchRegistrations", this, &RegistrationService::WatchRegistrations);
}

RegistrationService::~RegistrationService() = default;

grpc::ServerWriteReactor<v1::ExportChunk>* RegistrationService::ExportRegistrations(
    grpc::CallbackServerContext* context, const v1::ExportRegistrationsRequest* request) {
  absl::StatusOr<Principal> caller = server_.Authenticate(*context);
  if (!caller.ok()) return new CsvExport(caller.status());
  server::Call call;
  call.principal = *std::move(caller);
  call.deadline = absl::FromChrono(context->deadline());
  call.context = context;
  auto* export_call = new CsvExport(*this, std::move(call), *request);
  export_call->Begin();
  return export_call;
}

grpc::ServerWriteReactor<v1::RegistrationChange>* RegistrationService::WatchRegistrations(
    grpc::CallbackServerContext* context, const v1::WatchRegistrationsRequest* request) {
  return watchers_.Start(context, request->cursor());
}

// ---- Shared steps. ----

absl::StatusOr<EventFacts> RegistrationService::OrganisedEvent(const server::Call& call,
                                                               absl::string_view event_id,
                                                               Scope scope) {
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, scope));
  const std::string name = resource::Name(kEvents, event_id);
  COOPNET_ASSIGN_OR_RETURN(EventFacts event, directory_.Event(name, call.deadline));
  if (IsOrganiser(call.principal, event.organisers)) return event;
  // A draft is known to its organisers only.
  if (event.state == events::v1::Event::DRAFT) return EventNotFound(name);
  return status::Error(
      absl::StatusCode::kPermissionDenied, "NOT_ORGANISER",
      absl::StrCat("only the organisers of ", name, " may see and manage its registrations"));
}

absl::StatusOr<EventFacts> RegistrationService::VisibleEvent(const server::Call& call,
                                                             absl::string_view name) {
  COOPNET_ASSIGN_OR_RETURN(EventFacts event, directory_.Event(name, call.deadline));
  if (IsOrganiser(call.principal, event.organisers)) return event;
  if (event.state == events::v1::Event::DRAFT) return EventNotFound(name);
  if (event.visibility == events::v1::Event::NETWORK) {
    COOPNET_RETURN_IF_ERROR(directory_.RequireVisible(name, call.principal, call.deadline));
  }
  return event;
}

absl::Status RegistrationService::RequireRegistrationAccess(const server::Call& call,
                                                            absl::string_view event_id,
                                                            absl::string_view name,
                                                            absl::string_view manage_token,
                                                            Scope scope) {
  if (!manage_token.empty() && IsManageToken(manage_tokens_, name, manage_token)) {
    return absl::OkStatus();
  }
  if (!IsAnonymous(call.principal)) {
    absl::StatusOr<EventFacts> event =
        directory_.Event(resource::Name(kEvents, event_id), call.deadline);
    if (event.ok() && IsOrganiser(call.principal, event->organisers)) {
      return request::RequireScope(call.principal, scope);
    }
    if (!event.ok() && event.status().code() != absl::StatusCode::kNotFound) {
      return event.status();
    }
  }
  // Telling "exists but not yours" apart from "does not exist" would leak the first.
  return RegistrationNotFound(name);
}

absl::StatusOr<Registration> RegistrationService::Edit(
    const server::Call& call, absl::string_view method, absl::string_view name,
    absl::string_view etag, absl::string_view request_id, const google::protobuf::Message& request,
    std::optional<absl::string_view> manage_token, const RegistrationEdit& edit) {
  COOPNET_ASSIGN_OR_RETURN(auto ids,
                           resource::ParseChildName("name", name, kEvents, kRegistrations));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request_id));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("etag", etag));
  if (manage_token) {
    COOPNET_RETURN_IF_ERROR(
        RequireRegistrationAccess(call, ids.first, name, *manage_token, type::v1::SCOPE_WRITE));
  } else {
    COOPNET_RETURN_IF_ERROR(OrganisedEvent(call, ids.first, type::v1::SCOPE_WRITE).status());
  }
  COOPNET_ASSIGN_OR_RETURN(
      Registration edited,
      store_.EditRegistration(ids.first, ids.second, revision,
                              request::RequestKeyOf(call.principal, method, request_id, request),
                              edit));
  relay_.Wake();
  return edited;
}

// ---- Policy. ----

absl::Status RegistrationService::GetRegistrationPolicy(
    const server::Call& call, const v1::GetRegistrationPolicyRequest& request,
    RegistrationPolicy& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string event_id,
                           ParseSingleton("name", request.name(), "registrationPolicy"));
  COOPNET_RETURN_IF_ERROR(VisibleEvent(call, resource::Name(kEvents, event_id)).status());
  COOPNET_ASSIGN_OR_RETURN(PolicyRecord record, store_.GetPolicy(event_id));
  response = std::move(record.policy);
  return absl::OkStatus();
}

absl::Status RegistrationService::UpdateRegistrationPolicy(
    const server::Call& call, const v1::UpdateRegistrationPolicyRequest& request,
    RegistrationPolicy& response) {
  const RegistrationPolicy& patch = request.policy();
  COOPNET_ASSIGN_OR_RETURN(std::string event_id,
                           ParseSingleton("policy.name", patch.name(), "registrationPolicy"));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_ASSIGN_OR_RETURN(std::optional<int64_t> revision,
                           resource::ExpectedRevision("policy.etag", patch.etag()));
  // The fields the mask names, checked before anything else, so bad input changes nothing.
  COOPNET_ASSIGN_OR_RETURN(RegistrationPolicy patched,
                           ApplyPolicyMask(RegistrationPolicy(), patch, request.update_mask()));
  COOPNET_RETURN_IF_ERROR(ValidatePolicy(patched));
  COOPNET_ASSIGN_OR_RETURN(EventFacts event, OrganisedEvent(call, event_id, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(
      PolicyRecord record,
      store_.UpdatePolicy(
          event, revision,
          request::RequestKeyOf(call.principal, "UpdateRegistrationPolicy", request.request_id(),
                                request),
          [&](const RegistrationPolicy& stored) -> absl::StatusOr<RegistrationPolicy> {
            COOPNET_ASSIGN_OR_RETURN(RegistrationPolicy next,
                                     ApplyPolicyMask(stored, patch, request.update_mask()));
            COOPNET_RETURN_IF_ERROR(ValidatePolicy(next));
            SettleSelfDeclaredKind(next);
            return next;
          }));
  relay_.Wake();
  response = std::move(record.policy);
  return absl::OkStatus();
}

// ---- Registrations. ----

absl::Status RegistrationService::CreateRegistration(const server::Call& call,
                                                     const v1::CreateRegistrationRequest& request,
                                                     Registration& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string event_id,
                           resource::ParseName("parent", request.parent(), kEvents));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateRegistration(request.registration()));
  if (!IsAnonymous(call.principal)) {
    COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_REGISTRATIONS));
  }
  Application application;
  application.event_id = event_id;
  // A network's meeting is for its members: who else cannot see it cannot register.
  COOPNET_ASSIGN_OR_RETURN(application.event, VisibleEvent(call, request.parent()));
  application.registration = request.registration();
  Registration& registration = application.registration;
  if (!registration.organisation().empty()) {
    // Taking a directory organisation's name (and the seats kept for its kind) is for
    // those who act for it; anyone else registers with a free-text organisation.
    if (call.principal.kind() != Principal::SERVICE) {
      COOPNET_RETURN_IF_ERROR(principal::MayActFor(call.principal, registration.organisation(),
                                                   type::v1::REGISTRATIONS_WRITE,
                                                   "registration.organisation"));
    }
    COOPNET_ASSIGN_OR_RETURN(OrganisationFacts organisation,
                             directory_.Organisation("registration.organisation",
                                                     registration.organisation(), call.deadline));
    registration.set_organisation_name(organisation.display_name);
    registration.set_organisation_country(organisation.country);
    registration.set_organisation_kind(organisation.kind);
  }
  application.key =
      request::RequestKeyOf(call.principal, "CreateRegistration", request.request_id(), request);
  COOPNET_ASSIGN_OR_RETURN(response, desk_.Register(application));
  relay_.Wake();
  response.set_manage_token(ManageToken(manage_tokens_, response.name()));
  return absl::OkStatus();
}

absl::Status RegistrationService::GetRegistration(const server::Call& call,
                                                  const v1::GetRegistrationRequest& request,
                                                  Registration& response) {
  COOPNET_ASSIGN_OR_RETURN(
      auto ids, resource::ParseChildName("name", request.name(), kEvents, kRegistrations));
  COOPNET_RETURN_IF_ERROR(RequireRegistrationAccess(call, ids.first, request.name(),
                                                    request.manage_token(), type::v1::SCOPE_READ));
  COOPNET_ASSIGN_OR_RETURN(response, store_.GetRegistration(ids.first, ids.second));
  return absl::OkStatus();
}

absl::Status RegistrationService::ListRegistrations(const server::Call& call,
                                                    const v1::ListRegistrationsRequest& request,
                                                    v1::ListRegistrationsResponse& response) {
  RegistrationQuery query;
  COOPNET_ASSIGN_OR_RETURN(query.event_id,
                           resource::ParseName("parent", request.parent(), kEvents));
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateStates(request.states(), "states", query.states));
  if (!request.organisation().empty()) {
    COOPNET_RETURN_IF_ERROR(
        resource::ParseName("organisation", request.organisation(), "organisations").status());
  }
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(query.after_id,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  COOPNET_RETURN_IF_ERROR(OrganisedEvent(call, query.event_id, type::v1::SCOPE_READ).status());
  query.organisation = request.organisation();
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> found, store_.ListRegistrations(query));
  const bool more = request::TrimToPage(found, page_size);
  for (Registration& registration : found) *response.add_registrations() = std::move(registration);
  if (more) {
    const std::string& last = response.registrations(page_size - 1).name();
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, last.substr(last.rfind('/') + 1)));
  }
  return absl::OkStatus();
}

absl::Status RegistrationService::ListOrganisationRegistrations(
    const server::Call& call, const v1::ListOrganisationRegistrationsRequest& request,
    v1::ListOrganisationRegistrationsResponse& response) {
  RegistrationQuery query;
  COOPNET_RETURN_IF_ERROR(
      resource::ParseName("organisation", request.organisation(), "organisations").status());
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateStates(request.states(), "states", query.states));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  if (!after.empty()) {
    COOPNET_ASSIGN_OR_RETURN(
        auto ids, resource::ParseChildName("page_token", after, kEvents, kRegistrations));
    query.after_event_id = std::move(ids.first);
    query.after_id = std::move(ids.second);
  }
  COOPNET_RETURN_IF_ERROR(request::RequireScope(call.principal, type::v1::SCOPE_READ));
  COOPNET_RETURN_IF_ERROR(principal::MayActFor(call.principal, request.organisation(),
                                               type::v1::REGISTRATIONS_WRITE, "organisation"));
  query.organisation = request.organisation();
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> found,
                           store_.ListOrganisationRegistrations(query));
  const bool more = request::TrimToPage(found, page_size);
  for (Registration& registration : found) *response.add_registrations() = std::move(registration);
  if (more) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, response.registrations(page_size - 1).name()));
  }
  return absl::OkStatus();
}

absl::Status RegistrationService::CancelRegistration(const server::Call& call,
                                                     const v1::CancelRegistrationRequest& request,
                                                     Registration& response) {
  COOPNET_RETURN_IF_ERROR(validate::Utf8Text("reason", request.reason(), 0, kMaxReason));
  COOPNET_ASSIGN_OR_RETURN(
      response, Edit(call, "CancelRegistration", request.name(), request.etag(),
                     request.request_id(), request, request.manage_token(),
                     [&](const RegistrationPolicy&, StoredRegistration& stored) -> absl::Status {
                       Registration& r = stored.registration;
                       COOPNET_RETURN_IF_ERROR(CheckTransition(r.state(), Action::kCancel));
                       // Cancelling again keeps the first reason: that is what was told.
                       if (r.state() == Registration::CANCELLED) return absl::OkStatus();
                       Release(stored.ledger, r.state(), stored.pool, r.participants_size());
                       r.set_state(Registration::CANCELLED);
                       r.set_reason(request.reason());
                       stored.waitlist_number = 0;
                       return absl::OkStatus();
                     }));
  return absl::OkStatus();
}

absl::Status RegistrationService::ApproveRegistration(const server::Call& call,
                                                      const v1::ApproveRegistrationRequest& request,
                                                      Registration& response) {
  COOPNET_ASSIGN_OR_RETURN(
      response,
      Edit(call, "ApproveRegistration", request.name(), request.etag(), request.request_id(),
           request, std::nullopt,
           [&](const RegistrationPolicy& policy, StoredRegistration& stored) -> absl::Status {
             Registration& r = stored.registration;
             COOPNET_RETURN_IF_ERROR(CheckTransition(r.state(), Action::kApprove));
             COOPNET_ASSIGN_OR_RETURN(Admission admission,
                                      Admit(policy, stored.ledger, stored.pool,
                                            r.participants_size(), /*awaits_approval=*/false));
             r.set_state(admission.state);
             stored.waitlist_number = admission.waitlist_number;
             return absl::OkStatus();
           }));
  return absl::OkStatus();
}

absl::Status RegistrationService::RejectRegistration(const server::Call& call,
                                                     const v1::RejectRegistrationRequest& request,
                                                     Registration& response) {
  COOPNET_RETURN_IF_ERROR(validate::Utf8Text("reason", request.reason(), 0, kMaxReason));
  COOPNET_ASSIGN_OR_RETURN(
      response, Edit(call, "RejectRegistration", request.name(), request.etag(),
                     request.request_id(), request, std::nullopt,
                     [&](const RegistrationPolicy&, StoredRegistration& stored) -> absl::Status {
                       Registration& r = stored.registration;
                       COOPNET_RETURN_IF_ERROR(CheckTransition(r.state(), Action::kReject));
                       r.set_state(Registration::REJECTED);
                       r.set_reason(request.reason());
                       return absl::OkStatus();
                     }));
  return absl::OkStatus();
}

absl::Status RegistrationService::CheckInParticipants(const server::Call& call,
                                                      const v1::CheckInParticipantsRequest& request,
                                                      Registration& response) {
  const google::protobuf::Timestamp now = ToTimestamp(NowMicros());
  COOPNET_ASSIGN_OR_RETURN(
      response, Edit(call, "CheckInParticipants", request.name(), "", request.request_id(), request,
                     std::nullopt,
                     [&](const RegistrationPolicy&, StoredRegistration& stored) -> absl::Status {
                       Registration& r = stored.registration;
                       COOPNET_RETURN_IF_ERROR(CheckTransition(r.state(), Action::kCheckIn));
                       COOPNET_ASSIGN_OR_RETURN(
                           std::vector<int> arriving,
                           ParticipantsToCheckIn(r, request.participant_ids()));
                       for (int i : arriving) {
                         v1::Participant& person = *r.mutable_participants(i);
                         if (!person.has_check_in_time()) *person.mutable_check_in_time() = now;
                       }
                       return absl::OkStatus();
                     }));
  return absl::OkStatus();
}

absl::Status RegistrationService::GetEventStatistics(const server::Call& call,
                                                     const v1::GetEventStatisticsRequest& request,
                                                     v1::EventStatistics& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string event_id,
                           ParseSingleton("name", request.name(), "registrationStatistics"));
  COOPNET_RETURN_IF_ERROR(OrganisedEvent(call, event_id, type::v1::SCOPE_READ).status());
  COOPNET_ASSIGN_OR_RETURN(response, store_.Statistics(event_id));
  return absl::OkStatus();
}

// ---- Personal data. ----

absl::Status RegistrationService::ExportPersonalData(const server::Call& call,
                                                     const v1::ExportPersonalDataRequest& request,
                                                     v1::ExportPersonalDataResponse& response) {
  COOPNET_RETURN_IF_ERROR(validate::Email("email", request.email()));
  COOPNET_ASSIGN_OR_RETURN(std::string organisation,
                           PersonalDataScope(call.principal, type::v1::SCOPE_READ));
  COOPNET_ASSIGN_OR_RETURN(std::vector<Registration> found,
                           personal_data_.Find(request.email(), organisation));
  for (Registration& registration : found) *response.add_registrations() = std::move(registration);
  return absl::OkStatus();
}

absl::Status RegistrationService::ErasePersonalData(const server::Call& call,
                                                    const v1::ErasePersonalDataRequest& request,
                                                    v1::ErasePersonalDataResponse& response) {
  COOPNET_RETURN_IF_ERROR(validate::Email("email", request.email()));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_ASSIGN_OR_RETURN(std::string organisation,
                           PersonalDataScope(call.principal, type::v1::SCOPE_WRITE));
  COOPNET_ASSIGN_OR_RETURN(
      response, personal_data_.Erase(request.email(), organisation,
                                     request::RequestKeyOf(call.principal, "ErasePersonalData",
                                                           request.request_id(), request)));
  return absl::OkStatus();
}

}  // namespace coopnet::registrations
