// coopnet.organisations.v1.ApiKeyService: the gRPC handlers of organisations' API keys.
// Each reads like DESIGN.md's four steps: validate, authorise (api_key_rules.h), act,
// answer. Nothing here logs: the server's call line names only the method and the code,
// so neither a secret nor a whole key is ever written anywhere but the create answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_

#include "common/server/server.h"
#include "common/server/service_table.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "services/organisations/api_key_store.h"
#include "services/organisations/delegation_store.h"

namespace coopnet::organisations {

inline constexpr char kApiKeyServiceName[] = "coopnet.organisations.v1.ApiKeyService";

class ApiKeyService {
 public:
  // AuthenticateApiKey reads from `delegations` what the key's organisation may act for.
  ApiKeyService(server::Server& server, ApiKeyStore& store, DelegationStore& delegations);

  // The methods of the proto service, each beside its handler below.
  server::ServiceTable& table() { return table_; }

 private:
  absl::Status CreateApiKey(const server::Call& call, const v1::CreateApiKeyRequest& request,
                            v1::CreateApiKeyResponse& response);
  absl::Status GetApiKey(const server::Call& call, const v1::GetApiKeyRequest& request,
                         ApiKey& response);
  absl::Status ListApiKeys(const server::Call& call, const v1::ListApiKeysRequest& request,
                           v1::ListApiKeysResponse& response);
  absl::Status RevokeApiKey(const server::Call& call, const v1::RevokeApiKeyRequest& request,
                            ApiKey& response);
  absl::Status AuthenticateApiKey(const server::Call& call,
                                  const v1::AuthenticateApiKeyRequest& request,
                                  v1::AuthenticateApiKeyResponse& response);

  ApiKeyStore& store_;
  DelegationStore& delegations_;
  server::ServiceTable table_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_
