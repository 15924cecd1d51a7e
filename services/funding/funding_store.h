// Where programmes, calls, applications and awards live in PostgreSQL, and where their
// domain events enter the outbox. The only file of the service with SQL in it.
#ifndef COOPNET_SERVICES_FUNDING_FUNDING_STORE_H_
#define COOPNET_SERVICES_FUNDING_FUNDING_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/funding/v1/funding.pb.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/message.h"

namespace coopnet::funding {

using request::RequestKey;
using v1::Application;
using v1::Award;
using v1::Call;
using v1::Programme;

// The service's schema, from migrations/NNNN_*.sql, embedded at build time.
const std::vector<pg::Migration>& Migrations();

struct ProgrammeQuery {
  std::string funder;
  std::vector<std::string> levels;  // Programme::Level names
  std::vector<std::string> themes;
  std::string after_id;
  int limit = 50;
};

// What ListCalls asks for; empty filters match everything.
struct CallQuery {
  std::string programme_id;
  std::string funder;
  std::vector<std::string> kinds;   // Call::Kind names
  std::vector<std::string> levels;  // Programme::Level names
  std::vector<std::string> themes;  // calls open to any theme match too
  std::vector<std::string> states;  // Call::State names, judged at `now`
  absl::Time now = absl::UnixEpoch();
  // Drafts are seen by everybody when set, otherwise only by `viewer_organisation`.
  bool viewer_sees_everything = false;
  std::string viewer_organisation;
  // Keyset: only calls after this (deadline, id).
  absl::Time after_deadline = absl::InfinitePast();
  std::string after_id;
  int limit = 50;
};

// A call as MatchCalls judges it: its name, kind, level, times, publish time (when
// published) and eligibility, without the texts; with what tells its versions apart.
struct MatchableCall {
  Call call;
  int64_t revision = 0;
};

struct ApplicationQuery {
  std::string call_id;
  std::string participant;
  std::vector<std::string> states;
  // Who asks: everything, or the applications `viewer_organisation` takes part in and
  // the submitted ones to its calls.
  bool viewer_sees_everything = false;
  std::string viewer_organisation;
  std::string after_id;
  int limit = 50;
};

struct AwardQuery {
  std::string funder;
  std::string recipient;
  std::string programme_id;
  std::string call_id;
  std::optional<std::string> from_date;  // YYYY-MM-DD
  std::optional<std::string> to_date;
  std::string after_id;
  int limit = 50;
};

// A domain event to write with a change, or null for none.
using Announcement = std::unique_ptr<google::protobuf::Message>;

// One change of a stored call, worked out inside the store's transaction with the row
// locked: the call after the change (an error changes nothing; the call unchanged
// writes nothing), and the domain event announcing it.
struct CallEdit {
  std::function<absl::StatusOr<Call>(const Call& stored)> apply;
  std::function<Announcement(const Call& before, const Call& after)> announce;
};

// The same for an application; `award`, when set and returning one, is made in the same
// transaction (announced as AwardGranted) and named in the application.
struct ApplicationEdit {
  std::function<absl::StatusOr<Application>(const Application& stored)> apply;
  std::function<Announcement(const Application& before, const Application& after)> announce;
  std::function<std::optional<Award>(const Application& after)> award;
};

class FundingStore {
 public:
  // Domain events go to the Redis stream named `stream`.
  FundingStore(pg::Pool& pool, std::string stream);

  // With `key`, a repeat returns the first result.
  absl::StatusOr<Programme> CreateProgramme(const Programme& programme,
                                            const std::optional<RequestKey>& key);
  // NOT_FOUND (PROGRAMME_NOT_FOUND) when there is none.
  absl::StatusOr<Programme> GetProgramme(absl::string_view id);
  absl::StatusOr<std::vector<Programme>> ListProgrammes(const ProgrammeQuery& query);
  // Locks the programme, checks `expected_revision` (ABORTED when stale) and writes
  // what `change` makes of it.
  absl::StatusOr<Programme> UpdateProgramme(
      absl::string_view id, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<Programme>(const Programme&)>& change);

  // Inserts `call` (its funder and level set from the programme) as a DRAFT.
  // ALREADY_EXISTS (CALL_IDENTIFIER_TAKEN) when the programme has a call with its
  // identifier.
  absl::StatusOr<Call> CreateCall(const Call& call, const std::optional<RequestKey>& key);
  // NOT_FOUND (CALL_NOT_FOUND) when there is none. The state is left unset: it depends
  // on the time of reading.
  absl::StatusOr<Call> GetCall(absl::string_view id);
  // Several calls by id, in the order of `ids`, skipping ids that do not exist.
  absl::StatusOr<std::vector<Call>> GetCalls(const std::vector<std::string>& ids);
  // Up to `query.limit` calls in (deadline, id) order.
  absl::StatusOr<std::vector<Call>> ListCalls(const CallQuery& query);
  // The published calls still to close at `now`, as MatchCalls judges them.
  absl::StatusOr<std::vector<MatchableCall>> OpenCallsAt(absl::Time now);
  // Every call written after `since`, published or not, open or closed.
  absl::StatusOr<std::vector<MatchableCall>> CallsWrittenSince(absl::Time since);
  absl::StatusOr<Call> EditCall(absl::string_view id, std::optional<int64_t> expected_revision,
                                const std::optional<RequestKey>& key, const CallEdit& edit);

  // Inserts `application` to a call of `funder` as a DRAFT, with what `announce` (when
  // set) makes of it as stored.
  absl::StatusOr<Application> CreateApplication(
      const Application& application, absl::string_view funder,
      const std::optional<RequestKey>& key,
      const std::function<Announcement(const Application& created)>& announce = nullptr);
  // NOT_FOUND (APPLICATION_NOT_FOUND) when there is none.
  absl::StatusOr<Application> GetApplication(absl::string_view id);
  absl::StatusOr<std::vector<Application>> ListApplications(const ApplicationQuery& query);
  absl::StatusOr<Application> EditApplication(absl::string_view id,
                                              std::optional<int64_t> expected_revision,
                                              const std::optional<RequestKey>& key,
                                              const ApplicationEdit& edit);

  // Inserts `award` (its funder set) and announces AwardGranted.
  absl::StatusOr<Award> CreateAward(const Award& award, const std::optional<RequestKey>& key);
  // NOT_FOUND (AWARD_NOT_FOUND) when there is none.
  absl::StatusOr<Award> GetAward(absl::string_view id);
  absl::StatusOr<std::vector<Award>> ListAwards(const AwardQuery& query);
  // The sum per currency (in currency order) of every award `query` matches, its
  // keyset and limit aside.
  absl::StatusOr<std::vector<google::type::Money>> AwardTotals(const AwardQuery& query);
  absl::StatusOr<Award> UpdateAward(
      absl::string_view id, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<Award>(const Award&)>& change);

 private:
  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_FUNDING_STORE_H_
