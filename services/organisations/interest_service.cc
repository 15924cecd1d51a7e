#include "services/organisations/interest_service.h"

#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/interest_rules.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";
constexpr char kInterests[] = "interests";
// The parent that lists across receivers: `organisations/-` (AIP-159).
constexpr char kAnyOrganisation[] = "organisations/-";

}  // namespace

InterestService::InterestService(server::Server& server, InterestStore& store)
    : store_(store), table_(server, kInterestServiceName) {
  table_.Unary("CreateInterest", this, &InterestService::CreateInterest)
      .Unary("GetInterest", this, &InterestService::GetInterest)
      .Unary("ListInterests", this, &InterestService::ListInterests)
      .Unary("AcceptInterest", this, &InterestService::AcceptInterest)
      .Unary("DeclineInterest", this, &InterestService::DeclineInterest)
      .Unary("WithdrawInterest", this, &InterestService::WithdrawInterest);
}

absl::StatusOr<Interest> InterestService::Find(const server::Call& call, const std::string& name) {
  COOPNET_ASSIGN_OR_RETURN(auto ids,
                           resource::ParseChildName("name", name, kOrganisations, kInterests));
  COOPNET_ASSIGN_OR_RETURN(Interest found, store_.Get(ids.first, ids.second));
  COOPNET_RETURN_IF_ERROR(MaySee(call.principal, found));
  return found;
}

absl::Status InterestService::CreateInterest(const server::Call& call,
                                             const v1::CreateInterestRequest& request,
                                             Interest& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string receiver_id,
                           resource::ParseName("parent", request.parent(), kOrganisations));
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateNewInterest(request.parent(), request.interest()));
  COOPNET_RETURN_IF_ERROR(MaySend(call.principal, request.interest()));
  COOPNET_ASSIGN_OR_RETURN(Interest created,
                           store_.Create(receiver_id, request.interest(),
                                         request::RequestKeyOf(call.principal, "CreateInterest",
                                                               request.request_id(), request)));
  response = AsSeenBy(call.principal, std::move(created));
  return absl::OkStatus();
}

absl::Status InterestService::GetInterest(const server::Call& call,
                                          const v1::GetInterestRequest& request,
                                          Interest& response) {
  COOPNET_ASSIGN_OR_RETURN(Interest found, Find(call, request.name()));
  response = AsSeenBy(call.principal, std::move(found));
  return absl::OkStatus();
}

absl::Status InterestService::ListInterests(const server::Call& call,
                                            const v1::ListInterestsRequest& request,
                                            v1::ListInterestsResponse& response) {
  std::string receiver_id;
  if (request.parent() != kAnyOrganisation) {
    COOPNET_ASSIGN_OR_RETURN(receiver_id,
                             resource::ParseName("parent", request.parent(), kOrganisations));
  }
  std::string sender_id;
  if (!request.sender().empty()) {
    COOPNET_ASSIGN_OR_RETURN(sender_id,
                             resource::ParseName("sender", request.sender(), kOrganisations));
  } else if (receiver_id.empty()) {
    return status::InvalidField("sender",
                                "is required with parent organisations/-: the organisation whose "
                                "sent interests to list");
  }
  if (!Interest::State_IsValid(request.state())) {
    return status::InvalidField("state", "must be PENDING, ACCEPTED, DECLINED or WITHDRAWN");
  }
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  const std::string fingerprint = request::ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));
  // A side lists what it received or what it sent; nobody lists another's.
  const std::string& side = receiver_id.empty() ? request.sender() : request.parent();
  if (!principal::ActsFor(call.principal, side, type::v1::ORGANISATIONS_WRITE)) {
    return status::Error(absl::StatusCode::kPermissionDenied, "NOT_ACTING_FOR_ORGANISATION",
                         absl::StrCat("only one acting for ", side, " lists the interests it ",
                                      receiver_id.empty() ? "sent" : "received"),
                         {{"organisation", side}});
  }
  COOPNET_ASSIGN_OR_RETURN(
      std::vector<Interest> found,
      store_.List(receiver_id, sender_id, request.state(), after, page_size + 1));
  if (request::TrimToPage(found, page_size)) {
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, resource::IdOf(found.back().name())));
  }
  for (Interest& i : found) *response.add_interests() = AsSeenBy(call.principal, std::move(i));
  return absl::OkStatus();
}

template <typename Request>
absl::Status InterestService::Answer(const server::Call& call, const Request& request,
                                     absl::string_view method, Interest::State state,
                                     const v1::Contact* reply_contact,
                                     absl::string_view reply_message, MayRule may,
                                     Interest& response) {
  COOPNET_ASSIGN_OR_RETURN(Interest found, Find(call, request.name()));
  COOPNET_RETURN_IF_ERROR(may(call.principal, found));
  COOPNET_ASSIGN_OR_RETURN(
      Interest answered,
      store_.Answer(resource::IdOf(ReceiverOf(found.name())), resource::IdOf(found.name()), state,
                    reply_contact, reply_message,
                    request::RequestKeyOf(call.principal, method, request.request_id(), request)));
  response = AsSeenBy(call.principal, std::move(answered));
  return absl::OkStatus();
}

absl::Status InterestService::AcceptInterest(const server::Call& call,
                                             const v1::AcceptInterestRequest& request,
                                             Interest& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  validate::Violations v;
  if (!request.has_reply_contact()) {
    v.Add("reply_contact", "is required: the person the sender may now write to");
  } else {
    v.Check(ValidateContact("reply_contact", request.reply_contact()));
  }
  v.Check(validate::Utf8Text("reply_message", request.reply_message(), 0, kMaxInterestMessage));
  COOPNET_RETURN_IF_ERROR(v.ToStatus());
  return Answer(call, request, "AcceptInterest", Interest::ACCEPTED, &request.reply_contact(),
                request.reply_message(), &MayAnswer, response);
}

absl::Status InterestService::DeclineInterest(const server::Call& call,
                                              const v1::DeclineInterestRequest& request,
                                              Interest& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(
      validate::Utf8Text("reply_message", request.reply_message(), 0, kMaxInterestMessage));
  return Answer(call, request, "DeclineInterest", Interest::DECLINED, nullptr,
                request.reply_message(), &MayAnswer, response);
}

absl::Status InterestService::WithdrawInterest(const server::Call& call,
                                               const v1::WithdrawInterestRequest& request,
                                               Interest& response) {
  COOPNET_RETURN_IF_ERROR(request::ValidateRequestId(request.request_id()));
  return Answer(call, request, "WithdrawInterest", Interest::WITHDRAWN, nullptr, "", &MayWithdraw,
                response);
}

}  // namespace coopnet::organisations
