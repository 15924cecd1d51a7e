// The rules of networks and their memberships, as pure functions: what a valid network
// and a valid new membership are, how an update mask applies, and who may do what
// (DESIGN.md section 4: the coordinator manages its network; an organisation joins an
// open network by itself and may always leave).
//
//   COOPNET_RETURN_IF_ERROR(ValidateNetwork(request.network()));
//   COOPNET_RETURN_IF_ERROR(MayManage(call.principal, stored));
#ifndef COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coopnet/organisations/v1/networks.pb.h"
#include "coopnet/type/v1/principal.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace coopnet::organisations {

using v1::Membership;
using v1::Network;

inline constexpr size_t kMaxNetworkTitle = 200;
inline constexpr size_t kMaxNetworkDescription = 10000;
// Every country of Europe, with room to spare.
inline constexpr int kMaxNetworkCountries = 60;
inline constexpr int kMaxNetworkRegions = 200;

// A place in a list of memberships ordered by join time, then by the other id
// (organisation in a network's list, network in an organisation's).
struct JoinCursor {
  absl::Time join_time;
  std::string id;
};

// The page-token key of the place after `cursor`, and back: INVALID_ARGUMENT naming
// page_token for a key JoinCursorKey did not make.
std::string JoinCursorKey(const JoinCursor& cursor);
absl::StatusOr<JoinCursor> ParseJoinCursorKey(absl::string_view key);

// Every writable field of `network` keeps its rule; the error names each broken one under
// `prefix`: a title in at least one language, a coordinator `organisations/{id}`,
// distinct ISO countries, distinct NUTS regions each inside one of the countries, theme
// slugs, and an admission. Output-only fields are not looked at.
absl::Status ValidateNetwork(const Network& network, absl::string_view prefix = "network");

// `stored` with the fields named in `mask` taken from `patch` (see ApplyFieldMask);
// name, member_count, etag and the times are output only. Not validated.
absl::StatusOr<Network> ApplyNetworkMask(const Network& stored, const Network& patch,
                                         const google::protobuf::FieldMask& mask);

// A membership AddMember may make: an `organisations/{id}` and the role MEMBER or MENTOR
// (COORDINATOR comes only with being the network's coordinator).
absl::Status ValidateNewMembership(const Membership& membership);

// OK when `caller` may create `network`: a key of its coordinator or an operator (the
// write scope is checked before). PERMISSION_DENIED (reason NOT_COORDINATOR) otherwise.
absl::Status MayCreate(const type::v1::Principal& caller, const Network& network);

// OK when `caller` may change, delete and manage the members of `network`: a key of its
// coordinator or an operator (the write scope is checked before). PERMISSION_DENIED
// (reason NOT_COORDINATOR) otherwise.
absl::Status MayManage(const type::v1::Principal& caller, const Network& network);

// OK when `caller` may add `membership` to `network`: whoever manages it, or the new
// member's own key joining an OPEN network (PERMISSION_DENIED, reason
// NETWORK_BY_INVITATION, for one by invitation).
absl::Status MayAddMember(const type::v1::Principal& caller, const Network& network,
                          const Membership& membership);

// OK when `caller` may remove `organisation` (`organisations/{id}`) from `network`:
// whoever manages it, or the member's own key (leaving). The coordinator's membership is
// never removed: FAILED_PRECONDITION (reason COORDINATOR_MEMBERSHIP), the network must be
// handed over first.
absl::Status MayRemoveMember(const type::v1::Principal& caller, const Network& network,
                             absl::string_view organisation);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_
