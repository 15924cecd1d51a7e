// The rules of programmes, calls, applications and awards as pure functions: what a
// valid one is, how an update mask applies, what state a call is in at a given time and
// how an application's state may move. No I/O and no clock (the time is an argument).
//
//   COOPNET_RETURN_IF_ERROR(ValidateCall(request.call()));
//   Call::State state = CallStateAt(stored, absl::Now());
//   COOPNET_ASSIGN_OR_RETURN(Application::State next,
//                            NextState(stored.state(), ApplicationAction::kSubmit));
#ifndef COOPNET_SERVICES_FUNDING_FUNDING_RULES_H_
#define COOPNET_SERVICES_FUNDING_FUNDING_RULES_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/funding/v1/funding.pb.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/type/date.pb.h"

namespace coopnet::funding {

using v1::Application;
using v1::Award;
using v1::Call;
using v1::Disbursement;
using v1::Eligibility;
using v1::Programme;

inline constexpr size_t kMaxTitle = 300;
// Documents linked from one call.
inline constexpr int kMaxCallDocuments = 20;
inline constexpr size_t kMaxDescription = 20000;
inline constexpr size_t kMaxSummary = 5000;
inline constexpr int kMaxListEntries = 50;
// Basis points of everything: a call pays at most all of a project's costs.
inline constexpr int kFullRateBp = 10000;

// Each checks every writable field, naming each broken rule under `prefix`
// (`call.deadline must be after open_time`); output-only fields are not looked at.
absl::Status ValidateProgramme(const Programme& programme, absl::string_view prefix = "programme");
absl::Status ValidateCall(const Call& call, absl::string_view prefix = "call");
absl::Status ValidateApplication(const Application& application,
                                 absl::string_view prefix = "application");
absl::Status ValidateAward(const Award& award, absl::string_view prefix = "award");

// That the application's amounts are in `currency`, the call's: INVALID_ARGUMENT naming
// `<prefix>.requested_amount.currency_code` otherwise.
absl::Status CheckApplicationCurrency(const Application& application, absl::string_view currency,
                                      absl::string_view prefix = "application");

// What changing a published call may not do: change its currency (applications are in
// it). FAILED_PRECONDITION (CALL_PUBLISHED) naming the currencies.
absl::Status CheckCallChange(const Call& before, const Call& after);

// The call's state at `now`: DRAFT until published, then by open_time and deadline.
Call::State CallStateAt(const Call& call, absl::Time now);

// The day `now` is in `time_zone` (UTC when the zone is unknown), as a google.type.Date.
google::type::Date DayAt(absl::Time now, absl::string_view time_zone);

// Whether `date` is a day of the calendar (year 1-9999).
bool IsValidDate(const google::type::Date& date);

// Replaces in `result` the top-level fields named in `mask` with those of `patch` (a
// field absent from the patch is cleared); "*" replaces every field but those of
// `not_writable`, which maps each field a mask may not name to why. INVALID_ARGUMENT
// naming update_mask, leaving `result` as it was, for an empty mask, an unknown field or
// one of `not_writable`. The result is not validated.
absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& mask,
                             const std::map<std::string, std::string>& not_writable,
                             google::protobuf::Message& result);

// What the fields not writable by each Update are, and why.
const std::map<std::string, std::string>& ProgrammeFixedFields();
const std::map<std::string, std::string>& CallFixedFields();
const std::map<std::string, std::string>& ApplicationFixedFields();
const std::map<std::string, std::string>& AwardFixedFields();

// What a caller asks to do to an application.
enum class ApplicationAction { kUpdate, kSubmit, kWithdraw, kReview, kAward, kReject };

// The state an application in state `from` reaches by `action`, or FAILED_PRECONDITION
// (reason APPLICATION_STATE) saying why not. Repeating the action that led to the state
// (submitting a submitted application) leaves it as it is.
absl::StatusOr<Application::State> NextState(Application::State from, ApplicationAction action);

// The participant with role LEAD (`organisations/{id}`), "" when there is none.
std::string LeadOf(const Application& application);

// Whether `organisation` is in the application's consortium, in any role.
bool TakesPart(const Application& application, absl::string_view organisation);

// Settles the consent of each participant of `next`, the consortium as it is to be
// stored: the lead is ACTIVE; a participant `before` had in the same role keeps its
// state; any other is ACTIVE when the caller acts for it (`acts_for`) and PROPOSED
// otherwise. Returns the organisations it made PROPOSED. `before` is null for a new
// application.
std::vector<std::string> SettleConsent(const Application* before,
                                       const std::function<bool(absl::string_view)>& acts_for,
                                       Application& next);

// The participants whose consent is still awaited (PROPOSED), in consortium order.
std::vector<std::string> AwaitingConsent(const Application& application);

// A participant stored before consent existed has no state: it was taken as agreed.
void ActivateUnsettled(Application& application);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_FUNDING_RULES_H_
