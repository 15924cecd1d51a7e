// Where expressions of interest live in PostgreSQL (table interests), and the changes
// they announce on WatchOrganisations. The only file of interests with SQL in it.
#ifndef COOPNET_SERVICES_ORGANISATIONS_INTEREST_STORE_H_
#define COOPNET_SERVICES_ORGANISATIONS_INTEREST_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/organisations/v1/interests.pb.h"

namespace coopnet::organisations {

using v1::Interest;

class InterestStore {
 public:
  InterestStore(pg::Pool& pool, std::string stream);

  // Inserts `interest` (checked by ValidateNewInterest) for `receiver_id` under a new id,
  // PENDING, and announces it. NOT_FOUND when an organisation or the partner request does
  // not exist; FAILED_PRECONDITION (PARTNER_REQUEST_CLOSED) when the request is closed or
  // past its deadline; ALREADY_EXISTS (INTEREST_PENDING) when the sender has one pending
  // for the same receiver and request; RESOURCE_EXHAUSTED (TOO_MANY_INTERESTS) past
  // kMaxInterestsPerDay from the sender in 24 hours. With `key`, a repeat returns the
  // interest as it is now (the request log keeps no contact persons).
  absl::StatusOr<Interest> Create(absl::string_view receiver_id, const Interest& interest,
                                  const std::optional<request::RequestKey>& key);

  // NOT_FOUND when the receiver has no such interest.
  absl::StatusOr<Interest> Get(absl::string_view receiver_id, absl::string_view id);

  // Up to `limit` interests after `after_id` in id (creation) order: those `receiver_id`
  // received (when not empty) from `sender_id` (when not empty), in `state` (when not
  // unspecified). NOT_FOUND when a named organisation does not exist.
  absl::StatusOr<std::vector<Interest>> List(absl::string_view receiver_id,
                                             absl::string_view sender_id, Interest::State state,
                                             absl::string_view after_id, int limit);

  // Moves a PENDING interest to `state` (ACCEPTED with `reply_contact`, DECLINED or
  // WITHDRAWN, forgetting the sender's contact person) and announces it.
  // FAILED_PRECONDITION (INTEREST_ANSWERED) when it is no longer pending. With `key`, a
  // repeat returns the interest as it is now.
  absl::StatusOr<Interest> Answer(absl::string_view receiver_id, absl::string_view id,
                                  Interest::State state, const v1::Contact* reply_contact,
                                  absl::string_view reply_message,
                                  const std::optional<request::RequestKey>& key);

 private:
  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_INTEREST_STORE_H_
