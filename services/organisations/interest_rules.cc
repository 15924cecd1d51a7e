#include "services/organisations/interest_rules.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/request/request.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"

namespace coopnet::organisations {
namespace {

constexpr char kOrganisations[] = "organisations";
constexpr size_t kMaxContactName = 200;
constexpr size_t kMaxPhone = 32;

bool ActsForSide(const type::v1::Principal& caller, absl::string_view organisation) {
  return principal::ActsFor(caller, organisation, type::v1::ORGANISATIONS_WRITE);
}

absl::Status Hidden(const Interest& interest) {
  return status::Error(absl::StatusCode::kNotFound, "INTEREST_NOT_FOUND",
                       absl::StrCat(interest.name(), " does not exist"));
}

// OK when `caller` writes for `side`; NOT_FOUND when it acts for neither side of
// `interest`, PERMISSION_DENIED naming `side` when it acts for the other one.
absl::Status WritesFor(const type::v1::Principal& caller, const Interest& interest,
                       absl::string_view side, absl::string_view what) {
  if (!ActsForSide(caller, ReceiverOf(interest.name())) &&
      !ActsForSide(caller, interest.organisation())) {
    return Hidden(interest);
  }
  COOPNET_RETURN_IF_ERROR(request::RequireScope(caller, type::v1::SCOPE_WRITE));
  if (ActsForSide(caller, side)) return absl::OkStatus();
  return status::Error(absl::StatusCode::kPermissionDenied, "NOT_ACTING_FOR_ORGANISATION",
                       absl::StrCat("only one acting for ", side, " ", what, " ", interest.name()),
                       {{"organisation", std::string(side)}});
}

}  // namespace

absl::Status ValidateContact(absl::string_view field, const v1::Contact& contact) {
  validate::Violations v;
  v.Check(validate::Utf8Text(absl::StrCat(field, ".name"), contact.name(), 1, kMaxContactName));
  if (contact.email().empty()) {
    v.Add(absl::StrCat(field, ".email"), "is required: where the other side writes");
  } else {
    v.Check(validate::Email(absl::StrCat(field, ".email"), contact.email()));
  }
  const std::string& phone = contact.phone();
  const bool phone_ok =
      phone.size() <= kMaxPhone && std::all_of(phone.begin(), phone.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '+' ||
               c == '-' || c == '(' || c == ')';
      });
  if (!phone_ok) {
    v.Add(absl::StrCat(field, ".phone"),
          absl::StrCat("must be at most 32 digits, spaces and + - ( ), got ",
                       validate::Quoted(phone)));
  }
  return v.ToStatus();
}

absl::Status ValidateNewInterest(absl::string_view receiver, const Interest& interest) {
  validate::Violations v;
  if (interest.organisation().empty()) {
    v.Add("interest.organisation", "is required: the organisation sending it, organisations/{id}");
  } else if (v.Check(resource::ParseName("interest.organisation", interest.organisation(),
                                         kOrganisations)
                         .status()) &&
             interest.organisation() == receiver) {
    v.Add("interest.organisation", "must be another organisation than the one it is for");
  }
  if (!interest.partner_request().empty() &&
      !absl::StartsWith(interest.partner_request(), absl::StrCat(receiver, "/partnerRequests/"))) {
    v.Add("interest.partner_request", absl::StrCat("must be a partner request of ", receiver, ", ",
                                                   receiver, "/partnerRequests/{id}, got ",
                                                   validate::Quoted(interest.partner_request())));
  }
  v.Check(validate::Utf8Text("interest.message", interest.message(), 1, kMaxInterestMessage));
  validate::CheckCount(v, interest.languages(), "interest.languages", kMaxInterestLanguages);
  std::set<std::string> seen;
  for (int i = 0; i < interest.languages_size(); ++i) {
    const std::string field = absl::StrCat("interest.languages[", i, "]");
    if (v.Check(validate::LanguageTag(field, interest.languages(i))) &&
        !seen.insert(absl::AsciiStrToLower(interest.languages(i))).second) {
      v.Add(field, absl::StrCat("repeats ", interest.languages(i)));
    }
  }
  if (!Interest::Role_IsValid(interest.proposed_role())) {
    v.Add("interest.proposed_role", "must be LEAD, PARTNER or ASSOCIATED_PARTNER");
  }
  if (!interest.has_contact()) {
    v.Add("interest.contact", "is required: the person the other side may write to");
  } else {
    v.Check(ValidateContact("interest.contact", interest.contact()));
  }
  return v.ToStatus();
}

absl::Status MaySend(const type::v1::Principal& caller, const Interest& interest) {
  COOPNET_RETURN_IF_ERROR(request::RequireScope(caller, type::v1::SCOPE_WRITE));
  return principal::MayActFor(caller, interest.organisation(), type::v1::ORGANISATIONS_WRITE,
                              "interest.organisation");
}

absl::Status MayAnswer(const type::v1::Principal& caller, const Interest& interest) {
  return WritesFor(caller, interest, ReceiverOf(interest.name()), "answers");
}

absl::Status MayWithdraw(const type::v1::Principal& caller, const Interest& interest) {
  return WritesFor(caller, interest, interest.organisation(), "withdraws");
}

absl::Status MaySee(const type::v1::Principal& caller, const Interest& interest) {
  if (ActsForSide(caller, ReceiverOf(interest.name())) ||
      ActsForSide(caller, interest.organisation())) {
    return absl::OkStatus();
  }
  return Hidden(interest);
}

Interest AsSeenBy(const type::v1::Principal& caller, Interest interest) {
  if (interest.state() == Interest::ACCEPTED) return interest;
  if (!ActsForSide(caller, interest.organisation())) interest.clear_contact();
  if (!ActsForSide(caller, ReceiverOf(interest.name()))) interest.clear_reply_contact();
  return interest;
}

Interest WithoutContacts(Interest interest) {
  interest.clear_contact();
  interest.clear_reply_contact();
  return interest;
}

absl::string_view ReceiverOf(absl::string_view interest_name) {
  const size_t end = interest_name.find('/', interest_name.find('/') + 1);
  return interest_name.substr(0, end);
}

}  // namespace coopnet::organisations
