// Where organisations live in PostgreSQL. The only file of the service with SQL in it.
#ifndef COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "services/organisations/search_rules.h"

namespace coopnet::organisations {

using v1::Organisation;

// The service's schema, from migrations/NNNN_*.sql, embedded at build time.
const std::vector<pg::Migration>& Migrations();

struct ListQuery {
  // Countries and NUTS regions followed by `%` (geo::Places::SqlPatterns); empty: anywhere.
  std::vector<std::string> countries;
  std::string nuts_prefix;
  std::vector<Organisation::Kind> kinds;
  // Keyset: only ids after this one ("" for the first page).
  std::string after_id;
  int limit = 50;
};

// A partner search: text (matched as search_rules.h says; empty or without a word for
// none) and filters, most relevant first, or newest first without text.
struct SearchQuery {
  std::string text;
  SearchFilters filters;
  // Keyset: only rows after this one (nullopt for the first page).
  std::optional<SearchPosition> after;
  int limit = 50;
};

// One organisation a search found, and where it sits in the order (its relevance as the
// database wrote it, e.g. "0.850000", or "" without text).
struct SearchHit {
  Organisation organisation;
  SearchPosition position;
};

// Who may partner with the organisation `requester_id` for a partner request: other
// organisations in `countries` (any, when empty), of `kinds` (any, when empty), working
// on one of `themes` (any, when empty).
struct CandidateQuery {
  std::string requester_id;
  std::vector<std::string> countries;
  std::vector<Organisation::Kind> kinds;
  std::vector<std::string> themes;
  int limit = 500;
};

class OrganisationStore {
 public:
  // Every committed create, update and delete is announced as an OrganisationChange on
  // the Redis stream `stream` (through the outbox, in the same transaction).
  OrganisationStore(pg::Pool& pool, std::string stream);

  // Inserts `organisation` under a new id with its identifiers, each an UNVERIFIED claim
  // whatever state it says (other organisations may claim the same), in one transaction.
  // With `key`, a repeat returns the first result (see RequestKey).
  absl::StatusOr<Organisation> Create(const Organisation& organisation,
                                      const std::optional<request::RequestKey>& key);

  // NOT_FOUND when there is no such organisation.
  absl::StatusOr<Organisation> Get(absl::string_view id);

  // Up to `query.limit` organisations in id order.
  absl::StatusOr<std::vector<Organisation>> List(const ListQuery& query);

  // Locks the organisation, checks `expected_revision` (ABORTED when stale), computes
  // the new state with `change` and writes it, all in one transaction. Identifiers it
  // keeps keep their state, new ones are UNVERIFIED claims, whatever states it says.
  absl::StatusOr<Organisation> Update(
      absl::string_view id, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<Organisation>(const Organisation&)>& change);

  // Removes the organisation and its identifiers, API keys and memberships; ABORTED when
  // `expected_revision` is stale, NOT_FOUND when there is none, FAILED_PRECONDITION
  // (reason COORDINATES_NETWORK, naming the network) while it coordinates a network.
  absl::Status Delete(absl::string_view id, std::optional<int64_t> expected_revision);

  // Up to `query.limit` organisations in search order (see SearchQuery), in one statement
  // after looking the query's words up.
  absl::StatusOr<std::vector<SearchHit>> Search(const SearchQuery& query);

  // Makes organisation `id`'s claim to `identifier` `state` (VERIFIED now, or UNVERIFIED),
  // with a new revision and the change announced, in one transaction; a claim in that state
  // already is returned unchanged. ABORTED when `expected_revision` is stale; NOT_FOUND
  // when there is no such organisation, or (reason IDENTIFIER_NOT_CLAIMED) it does not
  // claim the identifier; FAILED_PRECONDITION (reason IDENTIFIER_VERIFIED_ELSEWHERE,
  // naming the holder) when verifying what another organisation holds VERIFIED. With
  // `key`, a repeat returns the first result.
  absl::StatusOr<Organisation> SetIdentifierState(absl::string_view id,
                                                  const v1::Identifier& identifier,
                                                  v1::Identifier::State state,
                                                  std::optional<int64_t> expected_revision,
                                                  const std::optional<request::RequestKey>& key);

  // The organisation holding the identifier VERIFIED, or else the earliest to claim it;
  // NOT_FOUND (reason IDENTIFIER_NOT_FOUND) when none claims it.
  absl::StatusOr<Organisation> Lookup(const v1::Identifier& identifier);

  // Up to `query.limit` candidates (see CandidateQuery): those sharing the most themes
  // first, then those looking for partners, then the oldest.
  absl::StatusOr<std::vector<Organisation>> Candidates(const CandidateQuery& query);

 private:
  // The refusal to delete organisation `id`, naming a network it coordinates.
  absl::Status CoordinatesNetwork(absl::string_view id);

  // Records the change in the outbox, as part of `tx`.
  absl::Status Announce(pg::Transaction& tx, v1::OrganisationChange::Type type,
                        const Organisation& organisation, absl::Time when);

  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_STORE_H_
