// The organisations funding judges and names: their profiles (country, NUTS region,
// kind, themes, working languages, identifiers), asked from the organisations process
// over gRPC as the `funding` service (common/client) and kept in Redis for a short
// while, since every match, submission and export asks for the same few again.
//
//   COOPNET_ASSIGN_OR_RETURN(Organisation lead,
//                            profiles.Require("organisation", request.organisation(),
//                                             call.deadline));
#ifndef COOPNET_SERVICES_FUNDING_ORGANISATION_PROFILES_H_
#define COOPNET_SERVICES_FUNDING_ORGANISATION_PROFILES_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/client/service_channel.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"

namespace coopnet::funding {

// Long enough to spare the organisations service a call per match, short enough that a
// changed profile counts within half a minute.
inline constexpr absl::Duration kProfileTtl = absl::Seconds(30);

// Thread-safe.
class OrganisationProfiles {
 public:
  // `channel` and `cache` must outlive it.
  OrganisationProfiles(const client::ServiceChannel& channel, cache::Cache& cache);

  // The profile of `name`; nullopt when it does not exist; UNAVAILABLE
  // (DEPENDENCY_UNAVAILABLE) when the organisations service cannot say. Each call ends
  // by `deadline` at the latest.
  absl::StatusOr<std::optional<organisations::v1::Organisation>> Find(absl::string_view name,
                                                                      absl::Time deadline);

  // Find, with INVALID_ARGUMENT naming `field` when the organisation does not exist.
  absl::StatusOr<organisations::v1::Organisation> Require(absl::string_view field,
                                                          absl::string_view name,
                                                          absl::Time deadline);

 private:
  const client::ServiceChannel& channel_;
  cache::Cache& cache_;
  std::unique_ptr<organisations::v1::OrganisationService::Stub> organisations_;
};

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_ORGANISATION_PROFILES_H_
