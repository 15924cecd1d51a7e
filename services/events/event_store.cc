#include "services/events/event_store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/outbox/outbox.h"
#include "common/pg/request_log.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "services/events/event_rules.h"

namespace coopnet::events {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kEvents[] = "events";
constexpr char kSeries[] = "series";

// Every event read returns these columns in this order (see ReadEvent).
#define COOPNET_EVENT_COLUMNS \
  "e.id, e.document, e.state, e.sequence, e.revision, e.create_time, e.update_time"

const pg::Statement kSelectEvent{"SELECT " COOPNET_EVENT_COLUMNS " FROM events e WHERE e.id = $1"};

const pg::Statement kSelectEventForUpdate{"SELECT " COOPNET_EVENT_COLUMNS
                                          " FROM events e WHERE e.id = $1 FOR UPDATE"};

const pg::Statement kInsertEvent{
    "INSERT INTO events (id, document, state, visibility, kind, organiser, organisers, network,"
    " series_id, start_time, end_time, attendance_mode, country, nuts_region, languages, themes,"
    " search_text, placed, sequence, revision, create_time, update_time)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11, $12, $13, $14,"
    " $15::text[], $16::text[], events_fold($17), $19, 0, 1, $18, $18)"};

const pg::Statement kUpdateEvent{
    "UPDATE events SET document = $2, state = $3, visibility = $4, kind = $5,"
    " organisers = $6::text[], network = $7, series_id = $8, start_time = $9, end_time = $10,"
    " attendance_mode = $11, country = $12, nuts_region = $13, languages = $14::text[],"
    " themes = $15::text[], search_text = events_fold($16), sequence = $17,"
    " revision = revision + 1, update_time = $18, placed = $19"
    " WHERE id = $1"};

const pg::Statement kDeleteEvent{"DELETE FROM events WHERE id = $1"};

const pg::Statement kLongest{"SELECT longest_seconds FROM events_longest"};

// Rarely matches: only an event longer than every one before moves the bound.
const pg::Statement kWidenLongest{
    "UPDATE events_longest SET longest_seconds = $1 WHERE longest_seconds < $1"};

// Walks events_start from the keyset position ($1, $2). ListEvents moves that position
// up to "$3 minus the longest any event lasts" when that is later, since nothing that
// starts earlier is still going on at $3: an upcoming list does not walk the past.
const pg::Statement kListEvents{
    "SELECT " COOPNET_EVENT_COLUMNS
    " FROM events e"
    " WHERE (e.start_time, e.id) > ($1::timestamptz, $2)"
    "   AND e.end_time > $3::timestamptz"
    "   AND e.start_time < $4::timestamptz"
    "   AND (cardinality($5::text[]) = 0 OR e.country = ANY($5::text[])"
    "        OR e.nuts_region LIKE ANY($5::text[]))"
    "   AND ($6 = '' OR e.nuts_region LIKE $6 || '%')"
    "   AND (cardinality($7::text[]) = 0 OR e.themes && $7::text[])"
    "   AND (cardinality($8::text[]) = 0 OR e.kind = ANY($8::text[]))"
    "   AND ($9 = '' OR e.organisers @> ARRAY[$9::text])"
    "   AND ($10 = '' OR (e.network = $10 AND e.placed))"
    "   AND ($11 = '' OR (e.series_id = $11 AND e.placed))"
    "   AND (cardinality($12::text[]) = 0 OR e.languages && $12::text[])"
    "   AND (cardinality($13::text[]) = 0 OR e.attendance_mode = ANY($13::text[]))"
    "   AND e.search_text LIKE ALL ("
    "         SELECT '%' || events_fold(w) || '%' FROM unnest($14::text[]) AS w)"
    "   AND ($15::boolean"
    "        OR e.organisers @> ARRAY[$16::text]"
    "        OR (e.state <> 'DRAFT' AND (e.visibility = 'PUBLIC'"
    "            OR (e.visibility = 'NETWORK' AND e.placed AND e.network = ANY($17::text[])))))"
    " ORDER BY e.start_time, e.id"
    " LIMIT $18"};

#define COOPNET_SERIES_COLUMNS "s.id, s.document, s.revision, s.create_time, s.update_time"

const pg::Statement kSelectSeries{"SELECT " COOPNET_SERIES_COLUMNS
                                  " FROM series s WHERE s.id = $1"};

const pg::Statement kSelectSeriesForUpdate{"SELECT " COOPNET_SERIES_COLUMNS
                                           " FROM series s WHERE s.id = $1 FOR UPDATE"};

const pg::Statement kInsertSeries{
    "INSERT INTO series (id, organiser, network, document, revision, create_time, update_time)"
    " VALUES ($1, $2, $3, $4, 1, $5, $5)"};

const pg::Statement kUpdateSeries{
    "UPDATE series SET document = $2, revision = revision + 1, update_time = $3"
    " WHERE id = $1"};

const pg::Statement kDeleteSeries{"DELETE FROM series WHERE id = $1"};

const pg::Statement kListSeries{"SELECT " COOPNET_SERIES_COLUMNS
                                " FROM series s"
                                " WHERE s.id > $1"
                                "   AND ($2 = '' OR s.network = $2)"
                                "   AND ($3 = '' OR s.organiser = $3)"
                                " ORDER BY s.id LIMIT $4"};

const pg::Statement kSeriesHasEvents{"SELECT EXISTS (SELECT 1 FROM events WHERE series_id = $1)"};

// `message` from the serialized protobuf in `column`.
absl::Status ParseDocument(const pg::Result& r, int row, int column,
                           google::protobuf::Message& message) {
  if (!message.ParseFromString(r.GetBytes(row, column))) {
    return absl::InternalError("stored document unreadable");
  }
  return absl::OkStatus();
}

// What `document` keeps: the writable fields and the cancellation reason; the rest
// lives in columns.
Event Document(const Event& event) {
  Event document = event;
  document.clear_name();
  document.clear_state();
  document.clear_sequence();
  document.clear_etag();
  document.clear_create_time();
  document.clear_update_time();
  return document;
}

absl::StatusOr<Event> ReadEvent(const pg::Result& r, int row) {
  Event e;
  COOPNET_RETURN_IF_ERROR(ParseDocument(r, row, 1, e));
  e.set_name(resource::Name(kEvents, r.GetString(row, 0)));
  Event::State state;
  if (Event::State_Parse(r.GetString(row, 2), &state)) e.set_state(state);
  e.set_sequence(r.GetInt64(row, 3));
  e.set_etag(resource::Etag(r.GetInt64(row, 4)));
  *e.mutable_create_time() = ToTimestamp(r.GetTime(row, 5));
  *e.mutable_update_time() = ToTimestamp(r.GetTime(row, 6));
  return e;
}

absl::StatusOr<std::vector<Event>> ReadEvents(const pg::Result& r) {
  std::vector<Event> events;
  events.reserve(r.rows());
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Event e, ReadEvent(r, row));
    events.push_back(std::move(e));
  }
  return events;
}

absl::StatusOr<Series> ReadSeries(const pg::Result& r, int row) {
  Series s;
  COOPNET_RETURN_IF_ERROR(ParseDocument(r, row, 1, s));
  s.set_name(resource::Name(kSeries, r.GetString(row, 0)));
  s.set_etag(resource::Etag(r.GetInt64(row, 2)));
  *s.mutable_create_time() = ToTimestamp(r.GetTime(row, 3));
  *s.mutable_update_time() = ToTimestamp(r.GetTime(row, 4));
  return s;
}

// The columns lists filter on, copied from the event.
struct EventColumns {
  std::string visibility;
  std::vector<std::string> organisers;
  std::optional<std::string> series_id;
  std::string country;
  std::vector<std::string> languages;
  std::vector<std::string> themes;
  std::string search_text;
  // The network accepted it (or it is in none): it is listed as the network's.
  bool placed = true;
};

EventColumns ColumnsOf(const Event& e) {
  EventColumns c;
  c.visibility = Event::Visibility_Name(
      e.visibility() == Event::VISIBILITY_UNSPECIFIED ? Event::PUBLIC : e.visibility());
  c.organisers.push_back(e.organiser());
  c.organisers.insert(c.organisers.end(), e.co_organisers().begin(), e.co_organisers().end());
  if (!e.series().empty()) c.series_id = resource::IdOf(e.series());
  c.country = e.venue().address().region_code();
  for (const std::string& language : e.languages()) {
    c.languages.push_back(absl::AsciiStrToLower(language));
  }
  c.themes.assign(e.themes().begin(), e.themes().end());
  std::vector<std::string> texts;
  for (const auto* text : {&e.title(), &e.summary(), &e.description()}) {
    for (const auto& [language, translation] : text->translations()) texts.push_back(translation);
  }
  const v1::Venue& venue = e.venue();
  for (const std::string& part :
       {venue.name(), venue.room(), venue.address().locality(), venue.address().sublocality()}) {
    if (!part.empty()) texts.push_back(part);
  }
  for (const std::string& line : venue.address().address_lines()) texts.push_back(line);
  c.search_text = absl::StrJoin(texts, "\n");
  const Event::Placement placement = PlacementOf(e);
  c.placed = placement == Event::PLACEMENT_UNSPECIFIED || placement == Event::PLACEMENT_ACTIVE;
  return c;
}

absl::Status EventNotFound(absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "EVENT_NOT_FOUND",
                       absl::StrCat(resource::Name(kEvents, id), " does not exist"));
}

absl::Status SeriesNotFound(absl::string_view id) {
  return status::Error(absl::StatusCode::kNotFound, "SERIES_NOT_FOUND",
                       absl::StrCat(resource::Name(kSeries, id), " does not exist"));
}

absl::Status StaleEtag(absl::string_view what, int64_t expected, int64_t current) {
  return status::Error(
      absl::StatusCode::kAborted, "ETAG_MISMATCH",
      absl::StrCat("etag ", resource::Etag(expected), " is stale: the ", what, " is now at ",
                   resource::Etag(current), "; read it again and reapply the change"),
      {{"current_etag", resource::Etag(current)}});
}

// A series named by a new or changed event that does not exist (or went away meanwhile).
absl::Status MissingSeries(const absl::Status& s, absl::string_view series) {
  if (s.code() == absl::StatusCode::kFailedPrecondition && pg::ConstraintOf(s).has_value()) {
    return status::InvalidField("event.series", absl::StrCat(series, " does not exist"));
  }
  return s;
}

// How long `e` lasts in whole seconds, rounded up, for events_longest.
int64_t LengthSeconds(const Event& e) {
  return e.end_time().seconds() - e.start_time().seconds() + 1;
}

// PostgreSQL keeps microseconds; so does every time we hand out.
absl::Time NowMicros() { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }

}  // namespace

EventStore::EventStore(pg::Pool& pool, std::string stream)
    : pool_(pool), stream_(std::move(stream)) {}

absl::StatusOr<Event> EventStore::CreateEvent(const Event& e,
                                              const std::optional<request::RequestKey>& key) {
  Event created;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      const EventColumns c = ColumnsOf(e);
      Event document = Document(e);
      if (document.visibility() == Event::VISIBILITY_UNSPECIFIED) {
        document.set_visibility(Event::PUBLIC);
      }
      COOPNET_RETURN_IF_ERROR(tx.Exec(kWidenLongest, LengthSeconds(e)).status());
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kInsertEvent, id, pg::Bytes(document.SerializeAsString()),
                  Event::State_Name(Event::DRAFT), c.visibility, Event::Kind_Name(e.kind()),
                  e.organiser(), c.organisers, e.network(), c.series_id, ToTime(e.start_time()),
                  ToTime(e.end_time()), Event::AttendanceMode_Name(e.attendance_mode()), c.country,
                  e.venue().nuts_region(), c.languages, c.themes, c.search_text, NowMicros(),
                  c.placed)
              .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectEvent, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadEvent(row, 0));
      return absl::OkStatus();
    });
  });
  if (!s.ok()) return MissingSeries(s, e.series());
  return created;
}

absl::StatusOr<Event> EventStore::GetEvent(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectEvent, id));
  if (r.rows() == 0) return EventNotFound(id);
  return ReadEvent(r, 0);
}

absl::StatusOr<std::vector<Event>> EventStore::ListEvents(const EventQuery& q) {
  std::vector<Event> found;
  COOPNET_RETURN_IF_ERROR(pool_.Read([&](pg::Session& session) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result longest, session.Exec(kLongest));
    absl::Time after_start = q.after_start;
    std::string after_id = q.after_id;
    // Every id sorts after "": (start, id) > (t, "") is start >= t.
    if (const absl::Time earliest = q.from - absl::Seconds(longest.GetInt64(0, 0));
        earliest > after_start) {
      after_start = earliest;
      after_id.clear();
    }
    COOPNET_ASSIGN_OR_RETURN(
        pg::Result r,
        session.Exec(kListEvents, after_start, after_id, q.from, q.to, q.countries, q.nuts_prefix,
                     q.themes, q.kinds, q.organiser, q.network, q.series_id, q.languages,
                     q.attendance_modes, q.words, q.viewer_sees_everything, q.viewer_organisation,
                     q.viewer_networks, static_cast<int32_t>(q.limit)));
    COOPNET_ASSIGN_OR_RETURN(found, ReadEvents(r));
    return absl::OkStatus();
  }));
  return found;
}

absl::StatusOr<Event> EventStore::EditEvent(absl::string_view id,
                                            std::optional<int64_t> expected_revision,
                                            const std::optional<request::RequestKey>& key,
                                            const EventEdit& edit) {
  Event result;
  std::string series;
  absl::Status s = pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, result, [&]() -> absl::Status {
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectEventForUpdate, id));
      if (row.rows() == 0) return EventNotFound(id);
      COOPNET_ASSIGN_OR_RETURN(Event stored, ReadEvent(row, 0));
      const int64_t revision = row.GetInt64(0, 4);
      if (expected_revision && *expected_revision != revision) {
        return StaleEtag("event", *expected_revision, revision);
      }
      COOPNET_ASSIGN_OR_RETURN(Event changed, edit.apply(stored));
      series = changed.series();
      if (google::protobuf::util::MessageDifferencer::Equals(changed, stored)) {
        result = std::move(stored);
        return absl::OkStatus();
      }
      const EventColumns c = ColumnsOf(changed);
      const int64_t sequence = stored.sequence() + (ChangeIsPublic(stored.state()) ? 1 : 0);
      COOPNET_RETURN_IF_ERROR(tx.Exec(kWidenLongest, LengthSeconds(changed)).status());
      COOPNET_RETURN_IF_ERROR(
          tx.Exec(kUpdateEvent, id, pg::Bytes(Document(changed).SerializeAsString()),
                  Event::State_Name(changed.state()), c.visibility,
                  Event::Kind_Name(changed.kind()), c.organisers, changed.network(), c.series_id,
                  ToTime(changed.start_time()), ToTime(changed.end_time()),
                  Event::AttendanceMode_Name(changed.attendance_mode()), c.country,
                  changed.venue().nuts_region(), c.languages, c.themes, c.search_text, sequence,
                  NowMicros(), c.placed)
              .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectEvent, id));
      COOPNET_ASSIGN_OR_RETURN(result, ReadEvent(reread, 0));
      if (edit.announce) {
        if (std::unique_ptr<google::protobuf::Message> announcement =
                edit.announce(stored, result)) {
          COOPNET_RETURN_IF_ERROR(outbox::Append(tx, stream_, *announcement));
        }
      }
      return absl::OkStatus();
    });
  });
  if (!s.ok()) return MissingSeries(s, series);
  return result;
}

absl::Status EventStore::DeleteEvent(absl::string_view id, std::optional<int64_t> expected_revision,
                                     const std::function<absl::Status(const Event&)>& allow) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectEventForUpdate, id));
    if (row.rows() == 0) return EventNotFound(id);
    COOPNET_ASSIGN_OR_RETURN(Event stored, ReadEvent(row, 0));
    const int64_t revision = row.GetInt64(0, 4);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag("event", *expected_revision, revision);
    }
    COOPNET_RETURN_IF_ERROR(allow(stored));
    return tx.Exec(kDeleteEvent, id).status();
  });
}

absl::StatusOr<Series> EventStore::CreateSeries(const Series& series,
                                                const std::optional<request::RequestKey>& key) {
  Series created;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    return request::Idempotent(tx, key, created, [&]() -> absl::Status {
      const std::string id = resource::NewId();
      Series document = series;
      document.clear_name();
      document.clear_etag();
      document.clear_create_time();
      document.clear_update_time();
      COOPNET_RETURN_IF_ERROR(tx.Exec(kInsertSeries, id, series.organiser(), series.network(),
                                      pg::Bytes(document.SerializeAsString()), NowMicros())
                                  .status());
      COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectSeries, id));
      COOPNET_ASSIGN_OR_RETURN(created, ReadSeries(row, 0));
      return absl::OkStatus();
    });
  }));
  return created;
}

absl::StatusOr<Series> EventStore::GetSeries(absl::string_view id) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kSelectSeries, id));
  if (r.rows() == 0) return SeriesNotFound(id);
  return ReadSeries(r, 0);
}

absl::StatusOr<std::vector<Series>> EventStore::ListSeries(const SeriesQuery& q) {
  COOPNET_ASSIGN_OR_RETURN(pg::Result r, pool_.Exec(kListSeries, q.after_id, q.network, q.organiser,
                                                    static_cast<int32_t>(q.limit)));
  std::vector<Series> found;
  for (int row = 0; row < r.rows(); ++row) {
    COOPNET_ASSIGN_OR_RETURN(Series s, ReadSeries(r, row));
    found.push_back(std::move(s));
  }
  return found;
}

absl::StatusOr<Series> EventStore::UpdateSeries(
    absl::string_view id, std::optional<int64_t> expected_revision,
    const std::function<absl::StatusOr<Series>(const Series&)>& change) {
  Series updated;
  COOPNET_RETURN_IF_ERROR(pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectSeriesForUpdate, id));
    if (row.rows() == 0) return SeriesNotFound(id);
    COOPNET_ASSIGN_OR_RETURN(Series stored, ReadSeries(row, 0));
    const int64_t revision = row.GetInt64(0, 2);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag("series", *expected_revision, revision);
    }
    COOPNET_ASSIGN_OR_RETURN(Series changed, change(stored));
    changed.clear_name();
    changed.clear_etag();
    changed.clear_create_time();
    changed.clear_update_time();
    COOPNET_RETURN_IF_ERROR(
        tx.Exec(kUpdateSeries, id, pg::Bytes(changed.SerializeAsString()), NowMicros()).status());
    COOPNET_ASSIGN_OR_RETURN(pg::Result reread, tx.Exec(kSelectSeries, id));
    COOPNET_ASSIGN_OR_RETURN(updated, ReadSeries(reread, 0));
    return absl::OkStatus();
  }));
  return updated;
}

absl::Status EventStore::DeleteSeries(absl::string_view id,
                                      std::optional<int64_t> expected_revision) {
  return pool_.InTransaction([&](pg::Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(pg::Result row, tx.Exec(kSelectSeriesForUpdate, id));
    if (row.rows() == 0) return SeriesNotFound(id);
    const int64_t revision = row.GetInt64(0, 2);
    if (expected_revision && *expected_revision != revision) {
      return StaleEtag("series", *expected_revision, revision);
    }
    COOPNET_ASSIGN_OR_RETURN(pg::Result used, tx.Exec(kSeriesHasEvents, id));
    if (used.GetBool(0, 0)) {
      return status::Error(absl::StatusCode::kFailedPrecondition, "SERIES_NOT_EMPTY",
                           absl::StrCat(resource::Name(kSeries, id),
                                        " still has events: move or delete them first"));
    }
    return tx.Exec(kDeleteSeries, id).status();
  });
}

}  // namespace coopnet::events
