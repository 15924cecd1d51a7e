// What registrations need to know from the other processes: an event's state, times and
// organisers (events), and an organisation's name, country and kind (organisations).
// Asked over gRPC as the `registrations` service (common/client) and kept in Redis for
// a short while, since every registration would otherwise ask again; the events
// service's change stream makes the event's entry go sooner (ForgetEvent).
//
//   COOPNET_ASSIGN_OR_RETURN(EventFacts event, directory.Event(parent, call.deadline));
//   COOPNET_ASSIGN_OR_RETURN(OrganisationFacts organisation,
//       directory.Organisation("registration.organisation", name, call.deadline));
#ifndef COOPNET_SERVICES_REGISTRATIONS_DIRECTORY_H_
#define COOPNET_SERVICES_REGISTRATIONS_DIRECTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/client/service_channel.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "services/registrations/recent.h"
#include "services/registrations/registration_rules.h"

namespace coopnet::registrations {

// How long answers are kept in Redis: an event's cancellation or move also arrives on
// the events service's stream, which makes its entry go at once.
inline constexpr absl::Duration kEventTtl = absl::Seconds(30);
inline constexpr absl::Duration kOrganisationTtl = absl::Minutes(5);
// How long this process keeps an answer itself: a busy event is asked about hundreds of
// times a second, and a round trip to Redis each time would cost more than the rest of
// a registration. Short, since only the replica that reads a change from the stream
// forgets at once; what decides a registration (a cancelled event, the seats) is read
// again in its transaction anyway.
inline constexpr absl::Duration kLocalTtl = absl::Seconds(2);

struct OrganisationFacts {
  std::string display_name;
  std::string country;
  OrganisationKind kind = organisations::v1::Organisation::KIND_UNSPECIFIED;
};

// What registrations keep of an event the events service described.
EventFacts FactsOf(const events::v1::Event& event);

// Thread-safe.
class Directory {
 public:
  // The channels and the caches must outlive it.
  Directory(const client::ServiceChannel& events, const client::ServiceChannel& organisations,
            cache::Cache& cache);

  // The event `name` (`events/{id}`): NOT_FOUND (EVENT_NOT_FOUND) when it does not exist,
  // UNAVAILABLE (DEPENDENCY_UNAVAILABLE) when the events service cannot say. Ends by
  // `deadline` at the latest.
  absl::StatusOr<EventFacts> Event(absl::string_view name, absl::Time deadline);

  // OK when `caller` may see the event `name`, as the events service judges it (asked
  // on the caller's behalf, never cached: membership of a network changes); NOT_FOUND
  // (EVENT_NOT_FOUND) otherwise, as for an event that does not exist.
  absl::Status RequireVisible(absl::string_view name, const principal::Principal& caller,
                              absl::Time deadline);

  // Drops what is kept of the event `name`: it changed.
  void ForgetEvent(absl::string_view name);

  // The organisation `name`; INVALID_ARGUMENT naming `field` when it does not exist.
  absl::StatusOr<OrganisationFacts> Organisation(absl::string_view field, absl::string_view name,
                                                 absl::Time deadline);

 private:
  const client::ServiceChannel& events_channel_;
  const client::ServiceChannel& organisations_channel_;
  cache::Cache& cache_;
  std::unique_ptr<events::v1::EventService::Stub> events_;
  std::unique_ptr<organisations::v1::OrganisationService::Stub> organisations_;
  Recent<EventFacts> recent_events_{kLocalTtl};
  Recent<OrganisationFacts> recent_organisations_{kLocalTtl};
};

}  // namespace coopnet::registrations

#endif  // COOPNET_SERVICES_REGISTRATIONS_DIRECTORY_H_
