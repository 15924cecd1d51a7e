// Where events and series live in PostgreSQL, and where their domain events enter the
// outbox. The only file of the service with SQL in it.
#ifndef COOPNET_SERVICES_EVENTS_EVENT_STORE_H_
#define COOPNET_SERVICES_EVENTS_EVENT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/request/request.h"
#include "coopnet/events/v1/events.pb.h"
#include "google/protobuf/message.h"

namespace coopnet::events {

using v1::Event;
using v1::Series;

// The service's schema, from migrations/NNNN_*.sql, embedded at build time.
const std::vector<pg::Migration>& Migrations();

// What ListEvents asks for. Empty filters match everything.
struct EventQuery {
  // Events still going on after `from` (end_time > from) and starting before `to`.
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  // Countries and NUTS regions followed by `%` (geo::Places::SqlPatterns).
  std::vector<std::string> countries;
  std::string nuts_prefix;
  std::vector<std::string> themes;
  std::vector<std::string> kinds;  // Event::Kind names
  // `organisations/{id}` that organises or co-organises.
  std::string organiser;
  std::string network;
  // The series' id.
  std::string series_id;
  std::vector<std::string> languages;         // lower case
  std::vector<std::string> attendance_modes;  // Event::AttendanceMode names
  // Every word must occur in the folded text (see QueryWords).
  std::vector<std::string> words;

  // Who asks: an administrator or service sees every event; an organisation its own
  // events (drafts, unlisted and network ones included), the PUBLIC events, and the
  // NETWORK events of `viewer_networks`.
  bool viewer_sees_everything = false;
  std::string viewer_organisation;
  std::vector<std::string> viewer_networks;

  // Keyset: only events after this (start_time, id).
  absl::Time after_start = absl::InfinitePast();
  std::string after_id;
  int limit = 50;
};

struct SeriesQuery {
  std::string network;
  std::string organiser;
  std::string after_id;
  int limit = 50;
};

// One change of a stored event, worked out inside the store's transaction.
struct EventEdit {
  // The event after the change, from the event as stored (row locked); an error changes
  // nothing. Returning it unchanged writes nothing.
  std::function<absl::StatusOr<Event>(const Event& stored)> apply;
  // The domain event announcing the change, from the event before and as written; null
  // for none. Written to the outbox in the same transaction.
  std::function<std::unique_ptr<google::protobuf::Message>(const Event& before, const Event& after)>
      announce;
};

class EventStore {
 public:
  // Domain events go to the Redis stream named `stream`.
  EventStore(pg::Pool& pool, std::string stream);

  // Inserts `event` as a DRAFT under a new id. With `key`, a repeat returns the first
  // result. INVALID_ARGUMENT naming event.series when the series does not exist.
  absl::StatusOr<Event> CreateEvent(const Event& event,
                                    const std::optional<request::RequestKey>& key);

  // NOT_FOUND (EVENT_NOT_FOUND) when there is no such event.
  absl::StatusOr<Event> GetEvent(absl::string_view id);

  // Up to `query.limit` events in (start_time, id) order.
  absl::StatusOr<std::vector<Event>> ListEvents(const EventQuery& query);

  // Locks the event, checks `expected_revision` (ABORTED when stale), applies `edit` and
  // writes the result and its domain event, all in one transaction. The sequence grows
  // when the stored event was no longer a draft. With `key`, a repeat returns the first
  // result.
  absl::StatusOr<Event> EditEvent(absl::string_view id, std::optional<int64_t> expected_revision,
                                  const std::optional<request::RequestKey>& key,
                                  const EventEdit& edit);

  // Locks the event, checks `expected_revision` and `allow` (its error is returned,
  // changing nothing), and removes it.
  absl::Status DeleteEvent(absl::string_view id, std::optional<int64_t> expected_revision,
                           const std::function<absl::Status(const Event&)>& allow);

  absl::StatusOr<Series> CreateSeries(const Series& series,
                                      const std::optional<request::RequestKey>& key);
  // NOT_FOUND (SERIES_NOT_FOUND) when there is no such series.
  absl::StatusOr<Series> GetSeries(absl::string_view id);
  // Up to `query.limit` series in id (creation) order.
  absl::StatusOr<std::vector<Series>> ListSeries(const SeriesQuery& query);
  absl::StatusOr<Series> UpdateSeries(
      absl::string_view id, std::optional<int64_t> expected_revision,
      const std::function<absl::StatusOr<Series>(const Series&)>& change);
  // FAILED_PRECONDITION (SERIES_NOT_EMPTY) while events belong to it.
  absl::Status DeleteSeries(absl::string_view id, std::optional<int64_t> expected_revision);

 private:
  pg::Pool& pool_;
  const std::string stream_;
};

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_EVENT_STORE_H_
