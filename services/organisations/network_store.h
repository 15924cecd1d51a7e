// Where networks and their memberships live in PostgreSQL (tables networks and
// network_members). The only file of networks with SQL in it. Every write that depends
// on who the caller is takes an `authorise` check, run inside the transaction on the row
// it locked, so that nothing changes between the check and the write.
//
//   COOPNET_ASSIGN_OR_RETURN(Network network, store.Get(id));
//   COOPNET_RETURN_IF_ERROR(store.Delete(id, std::nullopt, [&](const Network& stored) {
//     return MayManage(call.principal, stored);
//   }));
#ifndef COOPNET_SERVICES_ORGANISATIONS_NETWORK_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_NETWORK_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/networks.pb.h"
#include "services/organisations/network_rules.h"

namespace coopnet::organisations {

struct NetworkListQuery {
  // Networks working in any of these countries (empty: any).
  std::vector<std::string> countries;
  // Networks with a NUTS region starting with this ("" : any).
  std::string nuts_prefix;
  // Networks with any of these themes (empty: any).
  std::vector<std::string> themes;
  // Keyset: only ids after this one ("" for the first page).
  std::string after_id;
  int limit = 50;
};

struct MemberListQuery {
  // Only these roles (empty: every role).
  std::vector<Membership::Role> roles;
  // Keyset: only memberships after this one (none for the first page).
  std::optional<JoinCursor> after;
  int limit = 50;
};

class NetworkStore {
 public:
  // Judges the stored network (locked) for the caller: OK to go on, or the refusal.
  using Check = std::function<absl::Status(const Network& stored)>;

  explicit NetworkStore(pg::Pool& pool);

  // Inserts `network` under a new id with its coordinator as first member (COORDINATOR),
  // in one transaction. NOT_FOUND naming network.coordinator when that organisation does
  // not exist. With `key`, a repeat returns the first result.
  absl::StatusOr<Network> Create(const Network& network,
                                 const std::optional<request::RequestKey>& key);

  // NOT_FOUND when there is no such network.
  absl::StatusOr<Network> Get(absl::string_view id);

  // Up to `query.limit` networks in id (creation) order.
  absl::StatusOr<std::vector<Network>> List(const NetworkListQuery& query);

  // Locks the network, runs `authorise`, checks `expected_revision` (ABORTED when stale),
  // computes the new state with `change` and writes it. A new coordinator must exist
  // (NOT_FOUND naming network.coordinator) and takes the COORDINATOR membership, joining
  // when it was not a member; the former coordinator stays as a MEMBER. One transaction.
  absl::StatusOr<Network> Update(
      absl::string_view id, std::optional<int64_t> expected_revision, const Check& authorise,
      const std::function<absl::StatusOr<Network>(const Network&)>& change);

  // Removes the network and its memberships after `authorise`; ABORTED when
  // `expected_revision` is stale, NOT_FOUND when there is none.
  absl::Status Delete(absl::string_view id, std::optional<int64_t> expected_revision,
                      const Check& authorise);

  // Adds `membership` (organisation and role) to the network after `authorise`, joining
  // now. NOT_FOUND for an unknown network or (naming membership.organisation)
  // organisation, ALREADY_EXISTS (reason ALREADY_MEMBER) when it is a member already.
  // With `key`, a repeat returns the first result.
  absl::StatusOr<Membership> AddMember(absl::string_view network_id, const Membership& membership,
                                       const Check& authorise,
                                       const std::optional<request::RequestKey>& key);

  // Up to `query.limit` memberships of the network by join time; NOT_FOUND for an
  // unknown network.
  absl::StatusOr<std::vector<Membership>> ListMembers(absl::string_view network_id,
                                                      const MemberListQuery& query);

  // Removes the organisation's membership after `authorise`; NOT_FOUND for an unknown
  // network or membership.
  absl::Status RemoveMember(absl::string_view network_id, absl::string_view organisation_id,
                            const Check& authorise);

  // Up to `query.limit` memberships of the organisation by join time (roles are not
  // filtered); NOT_FOUND for an unknown organisation.
  absl::StatusOr<std::vector<Membership>> ListOrganisationNetworks(
      absl::string_view organisation_id, const MemberListQuery& query);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_STORE_H_
