// The rules of expressions of interest, as pure functions: what a new one and an answer
// must be, who sends, answers and sees one, and what each side is shown of it.
//
//   COOPNET_RETURN_IF_ERROR(ValidateNewInterest(request.parent(), request.interest()));
//   COOPNET_RETURN_IF_ERROR(MaySend(call.principal, request.interest()));
//   ...
//   response = AsSeenBy(call.principal, stored);
#ifndef COOPNET_SERVICES_ORGANISATIONS_INTEREST_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_INTEREST_RULES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "coopnet/organisations/v1/interests.pb.h"
#include "coopnet/type/v1/principal.pb.h"

namespace coopnet::organisations {

using v1::Interest;

inline constexpr size_t kMaxInterestMessage = 2000;
inline constexpr int kMaxInterestLanguages = 10;
// The most expressions of interest one organisation sends in a day: enough for a real
// search, too few to spam the directory.
inline constexpr int kMaxInterestsPerDay = 20;

// The writable fields of an interest sent to `receiver` (`organisations/{id}`), each
// broken rule named under `interest.`: a sender other than the receiver, a partner
// request of the receiver's if any, a message, distinct language tags, a role if any,
// and a contact person with a name and an e-mail address.
absl::Status ValidateNewInterest(absl::string_view receiver, const Interest& interest);

// A contact person under `field`: a name, an e-mail address, a phone number if any.
absl::Status ValidateContact(absl::string_view field, const v1::Contact& contact);

// OK when `caller` acts for the interest's sender (its key, a delegate of its
// ORGANISATIONS_WRITE, an operator); PERMISSION_DENIED (reason NOT_ACTING_FOR_ORGANISATION)
// otherwise.
absl::Status MaySend(const type::v1::Principal& caller, const Interest& interest);

// OK when `caller` acts for the receiving side (accepting, declining); NOT_FOUND when it
// acts for neither side, PERMISSION_DENIED when only for the sender.
absl::Status MayAnswer(const type::v1::Principal& caller, const Interest& interest);

// OK when `caller` acts for the sending side (withdrawing); NOT_FOUND when it acts for
// neither side, PERMISSION_DENIED when only for the receiver.
absl::Status MayWithdraw(const type::v1::Principal& caller, const Interest& interest);

// OK when `caller` acts for either side; NOT_FOUND otherwise, so that a stranger does
// not learn it exists.
absl::Status MaySee(const type::v1::Principal& caller, const Interest& interest);

// `interest` as `caller` may see it: a side sees its own contact person, and the other
// side's only once the interest is ACCEPTED.
Interest AsSeenBy(const type::v1::Principal& caller, Interest interest);

// `interest` without either contact person, as the Watch stream carries it.
Interest WithoutContacts(Interest interest);

// The receiver of an interest's name `organisations/{org}/interests/{id}`.
absl::string_view ReceiverOf(absl::string_view interest_name);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_INTEREST_RULES_H_
