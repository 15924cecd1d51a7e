// What events need to know from the organisations process: that organisations and
// networks exist, who coordinates a network, and which networks an organisation is in.
// Asked over gRPC as the `events` service (common/client), and kept in Redis for a
// short while, since every write and every NETWORK event read would otherwise ask again.
//
//   COOPNET_RETURN_IF_ERROR(directory.RequireOrganisation("event.organiser",
//                                                         event.organiser(), call.deadline));
//   COOPNET_ASSIGN_OR_RETURN(std::vector<std::string> networks,
//                            directory.NetworksOf(caller.organisation(), call.deadline));
#ifndef COOPNET_SERVICES_EVENTS_ORGANISATION_DIRECTORY_H_
#define COOPNET_SERVICES_EVENTS_ORGANISATION_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/client/service_channel.h"
#include "coopnet/organisations/v1/networks.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"

namespace coopnet::events {

// How long answers are kept: long enough to spare the organisations service a call per
// request, short enough that a new member or a new coordinator is seen within a minute.
inline constexpr absl::Duration kDirectoryTtl = absl::Seconds(30);

// Thread-safe.
class OrganisationDirectory {
 public:
  // `channel` and `cache` must outlive it.
  OrganisationDirectory(const client::ServiceChannel& channel, cache::Cache& cache);

  // OK when the organisation `name` exists; INVALID_ARGUMENT naming `field` when it does
  // not; UNAVAILABLE (DEPENDENCY_UNAVAILABLE) when the organisations service cannot say.
  // Each call ends by `deadline` at the latest.
  absl::Status RequireOrganisation(absl::string_view field, absl::string_view name,
                                   absl::Time deadline);

  // The network `name`; INVALID_ARGUMENT naming `field` when it does not exist.
  absl::StatusOr<organisations::v1::Network> RequireNetwork(absl::string_view field,
                                                            absl::string_view name,
                                                            absl::Time deadline);

  // `organisations/{id}` coordinating the network, "" when the network no longer exists.
  absl::StatusOr<std::string> CoordinatorOf(absl::string_view network, absl::Time deadline);

  // The networks (`networks/{id}`) the organisation is an ACTIVE member of, in any role.
  absl::StatusOr<std::vector<std::string>> NetworksOf(absl::string_view organisation,
                                                      absl::Time deadline);

 private:
  // The network, or nullopt when it does not exist.
  absl::StatusOr<std::optional<organisations::v1::Network>> FindNetwork(absl::string_view name,
                                                                        absl::Time deadline);

  const client::ServiceChannel& channel_;
  cache::Cache& cache_;
  std::unique_ptr<organisations::v1::OrganisationService::Stub> organisations_;
  std::unique_ptr<organisations::v1::NetworkService::Stub> networks_;
};

}  // namespace coopnet::events

#endif  // COOPNET_SERVICES_EVENTS_ORGANISATION_DIRECTORY_H_
