// Personal data in PostgreSQL, person by person (export and erasure for one e-mail
// address) and event by event (anonymisation once the retention period is over). Only
// participants' personal data and free-text answers go; states, kinds, countries and
// check-ins stay, so statistics keep their counts.
#ifndef COOPNET_SERVICES_REGISTRATIONS_PERSONAL_DATA_STORE_H_
#define COOPNET_SERVICES_REGISTRATIONS_PERSONAL_DATA_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/registrations/v1/registrations.pb.h"

namespace coopnet::registrations {

class PersonalDataStore {
 public:
  explicit PersonalDataStore(pg::Pool& pool);

  // The registrations with a participant whose e-mail is `email`, newest first, each
  // holding only that participant; of events `organisation` organises or co-organises
  // (every event when empty).
  absl::StatusOr<std::vector<v1::Registration>> Find(absl::string_view email,
                                                     absl::string_view organisation);

  // Anonymises those participants and their registrations' text answers, in one
  // transaction; the registrations' names. With `key`, a repeat returns the first result.
  absl::StatusOr<v1::ErasePersonalDataResponse> Erase(
      absl::string_view email, absl::string_view organisation,
      const std::optional<request::RequestKey>& key);

  // Anonymises the participants of up to `max_events` events that ended longer ago than
  // their policy's retention period at `now`; how many events it did. Replicas running
  // it at once share the work (rows are taken with SKIP LOCKED).
  absl::StatusOr<int> AnonymiseEnded(absl::Time now, int max_events);

 private:
  pg::Pool& pool_;
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_PERSONAL_DATA_STORE_H_
