#include "services/funding/organisation_profiles.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace coopnet::funding {

using organisations::v1::Organisation;

OrganisationProfiles::OrganisationProfiles(const client::ServiceChannel& channel,
                                           cache::Cache& cache)
    : channel_(channel),
      cache_(cache),
      organisations_(organisations::v1::OrganisationService::NewStub(channel.channel())) {}

absl::StatusOr<std::optional<Organisation>> OrganisationProfiles::Find(absl::string_view name,
                                                                       absl::Time deadline) {
  cache::LookupResult lookup = cache_.Lookup(absl::StrCat("profile:", name));
  Organisation profile;
  if (lookup.hit && profile.ParseFromString(*lookup.value)) return profile;

  grpc::ClientContext context;
  channel_.Prepare(context, deadline);
  organisations::v1::GetOrganisationRequest request;
  request.set_name(std::string(name));
  const grpc::Status answer = organisations_->GetOrganisation(&context, request, &profile);
  if (!answer.ok()) {
    const absl::Status s = channel_.Failure(answer, "GetOrganisation");
    if (s.code() == absl::StatusCode::kNotFound) return std::nullopt;
    if (s.code() == absl::StatusCode::kUnavailable) return s;
    // Anything else is our bug or theirs, never our caller's.
    log::Error("unexpected answer from the organisations service",
               {{"method", "GetOrganisation"}, {"error", std::string(s.message())}});
    return absl::InternalError(absl::StrCat("organisations GetOrganisation: ", s.message()));
  }
  cache_.Fill(lookup, profile.SerializeAsString(), kProfileTtl);
  return profile;
}

absl::StatusOr<Organisation> OrganisationProfiles::Require(absl::string_view field,
                                                           absl::string_view name,
                                                           absl::Time deadline) {
  COOPNET_ASSIGN_OR_RETURN(std::optional<Organisation> profile, Find(name, deadline));
  if (!profile) return status::InvalidField(field, absl::StrCat(name, " does not exist"));
  return *std::move(profile);
}

}  // namespace coopnet::funding
