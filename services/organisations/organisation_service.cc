#include "services/organisations/organisation_service.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/principal/principal.h"
#include "common/resource/resource.h"
#include "common/status/status.h"
#include "common/validate/validate.h"
#include "services/organisations/organisation_rules.h"

namespace coopnet::organisations {
namespace {

constexpr char kCollection[] = "organisations";
constexpr absl::Duration kCacheTtl = absl::Minutes(10);

absl::Status RequireWrite(const server::Call& call) {
  if (!principal::HasScope(call.principal, type::v1::SCOPE_WRITE)) {
    return status::Error(absl::StatusCode::kPermissionDenied, "SCOPE_MISSING",
                         "this method needs a key with the write scope");
  }
  return absl::OkStatus();
}

// Only the organisation's own key (or an administrator) changes it.
absl::Status RequireActsFor(const server::Call& call, absl::string_view name) {
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));
  if (!principal::ActsFor(call.principal, name)) {
    return status::Error(absl::StatusCode::kPermissionDenied, "NOT_OWNER",
                         absl::StrCat("the caller may not change ", name));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.empty()) return absl::OkStatus();
  const bool well_formed =
      request_id.size() <= 64 && std::all_of(request_id.begin(), request_id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!well_formed) {
    return status::InvalidField("request_id",
                                "must be 1 to 64 letters, digits, '-' or '_' (a UUID fits)");
  }
  return absl::OkStatus();
}

std::string Sha256(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

// The filters of a list request, in one string: a page token is only good for these.
std::string ListFingerprint(const v1::ListOrganisationsRequest& request) {
  v1::ListOrganisationsRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  return SerializeDeterministic(filters);
}

absl::Status ValidateListFilters(const v1::ListOrganisationsRequest& request) {
  validate::Violations v;
  for (int i = 0; i < request.countries_size(); ++i) {
    v.Check(validate::CountryCode(absl::StrCat("countries[", i, "]"), request.countries(i)));
  }
  if (!request.nuts_prefix().empty()) {
    v.Check(validate::NutsPrefix("nuts_prefix", request.nuts_prefix()));
  }
  for (int i = 0; i < request.kinds_size(); ++i) {
    if (request.kinds(i) == Organisation::KIND_UNSPECIFIED ||
        !Organisation::Kind_IsValid(request.kinds(i))) {
      v.Add(absl::StrCat("kinds[", i, "]"), "must be a kind of organisation");
    }
  }
  return v.ToStatus();
}

}  // namespace

OrganisationService::OrganisationService(server::Server& server, OrganisationStore& store,
                                         cache::Cache& cache)
    : server_(server), store_(store), cache_(cache) {}

grpc::ServerUnaryReactor* OrganisationService::CreateOrganisation(
    grpc::CallbackServerContext* context, const v1::CreateOrganisationRequest* request,
    Organisation* response) {
  return server_.Unary(context, [this, request, response](const server::Call& call) {
    return Create(call, *request, *response);
  });
}

grpc::ServerUnaryReactor* OrganisationService::GetOrganisation(
    grpc::CallbackServerContext* context, const v1::GetOrganisationRequest* request,
    Organisation* response) {
  return server_.Unary(context, [this, request, response](const server::Call& call) {
    return Get(call, *request, *response);
  });
}

grpc::ServerUnaryReactor* OrganisationService::ListOrganisations(
    grpc::CallbackServerContext* context, const v1::ListOrganisationsRequest* request,
    v1::ListOrganisationsResponse* response) {
  return server_.Unary(context, [this, request, response](const server::Call& call) {
    return List(call, *request, *response);
  });
}

grpc::ServerUnaryReactor* OrganisationService::UpdateOrganisation(
    grpc::CallbackServerContext* context, const v1::UpdateOrganisationRequest* request,
    Organisation* response) {
  return server_.Unary(context, [this, request, response](const server::Call& call) {
    return Update(call, *request, *response);
  });
}

grpc::ServerUnaryReactor* OrganisationService::DeleteOrganisation(
    grpc::CallbackServerContext* context, const v1::DeleteOrganisationRequest* request,
    google::protobuf::Empty*) {
  return server_.Unary(
      context, [this, request](const server::Call& call) { return Delete(call, *request); });
}

absl::Status OrganisationService::Create(const server::Call& call,
                                         const v1::CreateOrganisationRequest& request,
                                         Organisation& response) {
  COOPNET_RETURN_IF_ERROR(ValidateRequestId(request.request_id()));
  COOPNET_RETURN_IF_ERROR(ValidateOrganisation(request.organisation()));
  COOPNET_RETURN_IF_ERROR(RequireWrite(call));

  std::optional<RequestKey> key;
  if (!request.request_id().empty()) {
    key = RequestKey{absl::StrCat(principal::Subject(call.principal), " CreateOrganisation"),
                     request.request_id(), Sha256(SerializeDeterministic(request))};
  }
  COOPNET_ASSIGN_OR_RETURN(response, store_.Create(request.organisation(), key));
  return absl::OkStatus();
}

absl::Status OrganisationService::Get(const server::Call& call,
                                      const v1::GetOrganisationRequest& request,
                                      Organisation& response) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kCollection));
  cache::LookupResult lookup = cache_.Lookup(id);
  if (lookup.hit && response.ParseFromString(*lookup.value)) return absl::OkStatus();
  COOPNET_ASSIGN_OR_RETURN(response, store_.Get(id));
  cache_.Fill(lookup, response.SerializeAsString(), kCacheTtl);
  return absl::OkStatus();
}

absl::Status OrganisationService::List(const server::Call& call,
                                       const v1::ListOrganisationsRequest& request,
                                       v1::ListOrganisationsResponse& response) {
  COOPNET_ASSIGN_OR_RETURN(int page_size, resource::PageSize(request.page_size()));
  COOPNET_RETURN_IF_ERROR(ValidateListFilters(request));
  const std::string fingerprint = ListFingerprint(request);
  COOPNET_ASSIGN_OR_RETURN(std::string after,
                           resource::DecodePageToken(request.page_token(), fingerprint));

  ListQuery query;
  query.countries.assign(request.countries().begin(), request.countries().end());
  query.nuts_prefix = request.nuts_prefix();
  for (int kind : request.kinds()) query.kinds.push_back(static_cast<Organisation::Kind>(kind));
  query.after_id = after;
  // One more than the page shows whether another page follows.
  query.limit = page_size + 1;
  COOPNET_ASSIGN_OR_RETURN(std::vector<Organisation> found, store_.List(query));

  const bool more = static_cast<int>(found.size()) > page_size;
  if (more) found.resize(page_size);
  for (Organisation& organisation : found) *response.add_organisations() = std::move(organisation);
  if (more) {
    const std::string& last = response.organisations(page_size - 1).name();
    response.set_next_page_token(
        resource::EncodePageToken(fingerprint, last.substr(sizeof(kCollection))));
  }
  return absl::OkStatus();
}

absl::Status OrganisationService::Update(const server::Call& call,
                                         const v1::UpdateOrganisationRequest& request,
                                         Organisation& response) {
  const Organisation& patch = request.organisation();
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("organisation.name", patch.name(), kCollection));
  std::optional<int64_t> expected_revision;
  if (!patch.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision,
                             resource::RevisionOfEtag("organisation.etag", patch.etag()));
  }
  // Check the mask before touching the store, so a bad request changes nothing.
  COOPNET_RETURN_IF_ERROR(ApplyUpdateMask(Organisation(), patch, request.update_mask()).status());
  COOPNET_RETURN_IF_ERROR(RequireActsFor(call, patch.name()));

  COOPNET_ASSIGN_OR_RETURN(
      response, store_.Update(id, expected_revision,
                              [&](const Organisation& stored) -> absl::StatusOr<Organisation> {
                                absl::StatusOr<Organisation> changed =
                                    ApplyUpdateMask(stored, patch, request.update_mask());
                                if (changed.ok())
                                  COOPNET_RETURN_IF_ERROR(ValidateOrganisation(*changed));
                                return changed;
                              }));
  cache_.Invalidate(id);
  return absl::OkStatus();
}

absl::Status OrganisationService::Delete(const server::Call& call,
                                         const v1::DeleteOrganisationRequest& request) {
  COOPNET_ASSIGN_OR_RETURN(std::string id,
                           resource::ParseName("name", request.name(), kCollection));
  std::optional<int64_t> expected_revision;
  if (!request.etag().empty()) {
    COOPNET_ASSIGN_OR_RETURN(expected_revision, resource::RevisionOfEtag("etag", request.etag()));
  }
  COOPNET_RETURN_IF_ERROR(RequireActsFor(call, request.name()));
  COOPNET_RETURN_IF_ERROR(store_.Delete(id, expected_revision));
  cache_.Invalidate(id);
  return absl::OkStatus();
}

}  // namespace coopnet::organisations
