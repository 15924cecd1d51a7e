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
#include "coopnet/organisations/v1/organisations.pb.h"
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
  // PROPOSED memberships too, not only ACTIVE ones.
  bool with_proposed = false;
};

class NetworkStore {
 public:
  // Judges the stored network (locked) for the caller: OK to go on, or the refusal.
  using Check = std::function<absl::Status(const Network& stored)>;

  // Decides, on the stored network (locked), whether a membership may be added and
  // whether it is ACTIVE at once (nullopt) or proposed by one side.
  using Admission = std::function<absl::StatusOr<std::optional<ProposedBy>>(const Network& stored)>;
  // Judges whether the caller may accept a membership proposed by `side`.
  using Acceptance = std::function<absl::Status(const Network& stored, ProposedBy side)>;

  // Membership changes are announced on the Redis stream `stream` (WatchOrganisations).
  NetworkStore(pg::Pool& pool, std::string stream);

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

  // Adds `membership` (organisation and role) to the network as `admit` decides, ACTIVE
  // or PROPOSED, now, and announces it. NOT_FOUND for an unknown network or (naming
  // membership.organisation) organisation, ALREADY_EXISTS (reason ALREADY_MEMBER) when it
  // is a member or proposed already. With `key`, a repeat returns the first result.
  absl::StatusOr<Membership> AddMember(absl::string_view network_id, const Membership& membership,
                                       const Admission& admit,
                                       const std::optional<request::RequestKey>& key);

  // Makes a PROPOSED membership ACTIVE, joining now, after `authorise`, and announces it;
  // an ACTIVE one is returned as it is. NOT_FOUND for an unknown network or membership.
  absl::StatusOr<Membership> AcceptMember(absl::string_view network_id,
                                          absl::string_view organisation_id,
                                          const Acceptance& authorise);

  // Up to `query.limit` memberships of the network by join time; NOT_FOUND for an
  // unknown network.
  absl::StatusOr<std::vector<Membership>> ListMembers(absl::string_view network_id,
                                                      const MemberListQuery& query);

  // Removes the organisation's membership, ACTIVE or PROPOSED, after `authorise`, and
  // announces its end; NOT_FOUND for an unknown network or membership.
  absl::Status RemoveMember(absl::string_view network_id, absl::string_view organisation_id,
                            const Check& authorise);

  // Up to `query.limit` memberships of the organisation by join time (roles are not
  // filtered); NOT_FOUND for an unknown organisation.
  absl::StatusOr<std::vector<Membership>> ListOrganisationNetworks(
      absl::string_view organisation_id, const MemberListQuery& query);

 private:
  absl::Status Announce(pg::Transaction& tx, v1::OrganisationChange::Type type,
                        const Membership& membership, absl::Time when);

  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_NETWORK_STORE_H_
