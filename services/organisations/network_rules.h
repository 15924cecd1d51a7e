// The rules of networks and their memberships, as pure functions: what a valid network
// and a valid new membership are, how an update mask applies, and who may do what
// (DESIGN.md section 4: the coordinator manages its network; an organisation joins an
// open network by itself and may always leave).
//
//   COOPNET_RETURN_IF_ERROR(ValidateNetwork(request.network()));
//   COOPNET_RETURN_IF_ERROR(MayManage(call.principal, stored));
#ifndef COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_

#include <optional>
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

// The side that proposed a membership still awaiting the other.
enum class ProposedBy {
  // The coordinator invited the organisation; the organisation must accept.
  kNetwork,
  // The organisation asked to join; the coordinator must accept.
  kOrganisation,
};

// What adding `membership` to `network` makes for `caller`: ACTIVE (nullopt) when it acts
// for both sides, or for the organisation joining an OPEN network; PROPOSED by the
// network when it acts for the coordinator only; PROPOSED by the organisation when it
// acts for an organisation asking to join a network BY_INVITATION. PERMISSION_DENIED
// (reason NOT_COORDINATOR) when it acts for neither side. Acting means ORGANISATIONS_WRITE.
absl::StatusOr<std::optional<ProposedBy>> MayAddMember(const type::v1::Principal& caller,
                                                       const Network& network,
                                                       const Membership& membership);

// `organisations/{id}` whose acceptance a membership of `organisation` (also
// `organisations/{id}`) proposed by `side` awaits.
std::string Awaiting(const Network& network, absl::string_view organisation, ProposedBy side);

// OK when `caller` may accept the membership of `organisation` proposed by `side`: it acts
// for the awaited organisation. PERMISSION_DENIED (reason NOT_ACTING_FOR_ORGANISATION,
// naming it) otherwise.
absl::Status MayAcceptMember(const type::v1::Principal& caller, const Network& network,
                             absl::string_view organisation, ProposedBy side);

// OK when `caller` may make `next.coordinator` the coordinator instead of
// `stored.coordinator`: nobody is made a coordinator without acting for it
// (PERMISSION_DENIED, reason NOT_ACTING_FOR_ORGANISATION, naming network.coordinator).
absl::Status MayHandOver(const type::v1::Principal& caller, const Network& stored,
                         const Network& next);

// Whether `caller` may see the PROPOSED memberships of the network (its coordinator's
// side) or of an organisation (`organisations/{id}`).
bool SeesProposals(const type::v1::Principal& caller, absl::string_view organisation);

// OK when `caller` may remove `organisation` (`organisations/{id}`) from `network`:
// whoever manages it, or the member's own key (leaving). The coordinator's membership is
// never removed: FAILED_PRECONDITION (reason COORDINATOR_MEMBERSHIP), the network must be
// handed over first.
absl::Status MayRemoveMember(const type::v1::Principal& caller, const Network& network,
                             absl::string_view organisation);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_RULES_H_
