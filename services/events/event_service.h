// coopnet.events.v1.EventService: the gRPC handlers. Each reads like DESIGN.md's four
// steps: validate, authorise, act (store, cache, outbox), answer.
#ifndef COOPNET_SERVICES_EVENTS_EVENT_SERVICE_H_
#define COOPNET_SERVICES_EVENTS_EVENT_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/cache/cache.h"
#include "common/outbox/relay.h"
#include "common/outbox/watch.h"
#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "services/events/event_rules.h"
#include "services/events/event_store.h"
#include "services/events/event_watch.h"
#include "services/events/organisation_directory.h"

namespace coopnet::events {

inline constexpr char kServiceName[] = "coopnet.events.v1.EventService";
inline constexpr char kErrorDomain[] = "events.coopnet";

class EventService {
 public:
  // Reads by name and anonymous list pages go through `cache` (cache-aside; Redis down
  // is a miss), the pages within `list_pages`, since anonymous callers choose their
  // filters; every write invalidates it after it commits and wakes `relay` to publish the
  // domain event it recorded.
  EventService(server::Server& server, EventStore& store, cache::Cache& cache,
               cache::Budget list_pages, OrganisationDirectory& directory, outbox::Relay& relay,
               outbox::WatchOptions watch);

  // The methods of coopnet.events.v1.EventService, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateEvent(const server::Call& call, const v1::CreateEventRequest& request,
                           Event& response);
  absl::Status GetEvent(const server::Call& call, const v1::GetEventRequest& request,
                        Event& response);
  absl::Status ListEvents(const server::Call& call, const v1::ListEventsRequest& request,
                          v1::ListEventsResponse& response);
  absl::Status UpdateEvent(const server::Call& call, const v1::UpdateEventRequest& request,
                           Event& response);
  absl::Status DeleteEvent(const server::Call& call, const v1::DeleteEventRequest& request,
                           google::protobuf::Empty& response);
  // What AcceptCoOrganiser and WithdrawCoOrganiser ask for.
  struct CoOrganiserChange {
    const std::string& name;
    const std::string& organisation;
    const std::string& etag;
    const std::string& request_id;
  };
  // The event of `change.name` after `apply` wrote it, once the request's fields are
  // checked and `authorise` allows it; announced as an update once public.
  absl::StatusOr<Event> EditCoOrganisers(
      const server::Call& call, const CoOrganiserChange& change, absl::string_view method,
      const google::protobuf::Message& request, const std::function<absl::Status()>& authorise,
      const std::function<absl::StatusOr<Event>(const Event&)>& apply);
  absl::Status AcceptCoOrganiser(const server::Call& call,
                                 const v1::AcceptCoOrganiserRequest& request, Event& response);
  absl::Status WithdrawCoOrganiser(const server::Call& call,
                                   const v1::WithdrawCoOrganiserRequest& request, Event& response);
  // What AcceptPlacement and DeclinePlacement ask for.
  struct PlacementChange {
    const std::string& name;
    const std::string& etag;
    const std::string& request_id;
  };
  // The event of `change.name` with `placement`, once the request's fields are checked
  // and the caller acts for the network's side; announced as an update once public.
  absl::StatusOr<Event> EditPlacement(const server::Call& call, const PlacementChange& change,
                                      absl::string_view method,
                                      const google::protobuf::Message& request,
                                      Event::Placement placement);
  absl::Status AcceptPlacement(const server::Call& call, const v1::AcceptPlacementRequest& request,
                               Event& response);
  absl::Status DeclinePlacement(const server::Call& call,
                                const v1::DeclinePlacementRequest& request, Event& response);
  absl::Status PublishEvent(const server::Call& call, const v1::PublishEventRequest& request,
                            Event& response);
  absl::Status CancelEvent(const server::Call& call, const v1::CancelEventRequest& request,
                           Event& response);
  absl::Status RescheduleEvent(const server::Call& call, const v1::RescheduleEventRequest& request,
                               Event& response);
  absl::Status GetEventCalendar(const server::Call& call,
                                const v1::GetEventCalendarRequest& request, v1::Calendar& response);
  absl::Status ListEventsCalendar(const server::Call& call,
                                  const v1::ListEventsCalendarRequest& request,
                                  v1::Calendar& response);
  absl::Status CreateSeries(const server::Call& call, const v1::CreateSeriesRequest& request,
                            Series& response);
  absl::Status GetSeries(const server::Call& call, const v1::GetSeriesRequest& request,
                         Series& response);
  absl::Status ListSeries(const server::Call& call, const v1::ListSeriesRequest& request,
                          v1::ListSeriesResponse& response);
  absl::Status UpdateSeries(const server::Call& call, const v1::UpdateSeriesRequest& request,
                            Series& response);
  absl::Status DeleteSeries(const server::Call& call, const v1::DeleteSeriesRequest& request,
                            google::protobuf::Empty& response);
  grpc::ServerWriteReactor<v1::EventChange>* WatchEvents(grpc::CallbackServerContext* context,
                                                         const v1::WatchEventsRequest* request);

  // The stored event, through the cache.
  absl::StatusOr<Event> LoadEvent(absl::string_view id);
  // What the caller is to `event`; asks the organisations service only for the facts the
  // decision needs (`editing`: whether the network's coordinator matters).
  absl::StatusOr<Relation> RelationTo(const server::Call& call, const Event& event, bool editing);
  // The event `name` if the caller may see it; NOT_FOUND as if it did not exist if not.
  absl::StatusOr<Event> VisibleEvent(const server::Call& call, absl::string_view field,
                                     absl::string_view name);
  // The stored event `id` if the caller may edit it: NOT_FOUND when it may not even see
  // it, PERMISSION_DENIED when it sees but may not edit.
  absl::StatusOr<Event> EditableEvent(const server::Call& call, absl::string_view id);
  // Whether the caller acts (EVENTS_WRITE) for the side of `event`'s network: its
  // coordinator or, in a series, the series' organiser. False in no network.
  absl::StatusOr<bool> ActsForNetwork(const server::Call& call, const Event& event);
  // That the organisations, network and series `event` refers to exist and agree, for
  // the references that differ from `before` (all of them for a new event).
  absl::Status CheckReferences(const server::Call& call, const Event& event, const Event* before);
  // Runs a state change or update of the editable event `id` (see EventStore::EditEvent)
  // and invalidates after it commits.
  absl::StatusOr<Event> Edit(const server::Call& call, absl::string_view id, absl::string_view etag,
                             std::optional<request::RequestKey> key, const EventEdit& edit);
  // The events ListEvents finds for `request`, up to `limit`, after the keyset position.
  absl::StatusOr<std::vector<Event>> Find(const server::Call& call,
                                          const v1::ListEventsRequest& request,
                                          absl::Time after_start, absl::string_view after_id,
                                          int limit);
  // After a commit: cached copies and list pages are stale, a domain event may wait.
  void Wrote(absl::string_view id);
  absl::Status RequireSeriesManager(const server::Call& call, const Series& series);

  EventStore& store_;
  cache::Cache& cache_;
  const cache::Budget list_pages_;
  OrganisationDirectory& directory_;
  outbox::Relay& relay_;
  std::unique_ptr<outbox::Watchers<v1::EventChange>> watchers_;
  server::ServiceTable table_;
};

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_EVENT_SERVICE_H_
