// coopnet.organisations.v1.ApiKeyService: the gRPC handlers of organisations' API keys.
// Each reads like DESIGN.md's four steps: validate, authorise (api_key_rules.h), act,
// answer. Nothing here logs: the server's call line names only the method and the code,
// so neither a secret nor a whole key is ever written anywhere but the create answer.
#ifndef COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_
#define COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_

#include "common/server/server.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "services/organisations/api_key_store.h"

namespace coopnet::organisations {

inline constexpr char kApiKeyServiceName[] = "coopnet.organisations.v1.ApiKeyService";

class ApiKeyService final : public v1::ApiKeyService::CallbackService {
 public:
  ApiKeyService(server::Server& server, ApiKeyStore& store);

  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* context,
                                         const v1::CreateApiKeyRequest* request,
                                         v1::CreateApiKeyResponse* response) override;
  grpc::ServerUnaryReactor* GetApiKey(grpc::CallbackServerContext* context,
                                      const v1::GetApiKeyRequest* request,
                                      ApiKey* response) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* context,
                                        const v1::ListApiKeysRequest* request,
                                        v1::ListApiKeysResponse* response) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* context,
                                         const v1::RevokeApiKeyRequest* request,
                                         ApiKey* response) override;
  grpc::ServerUnaryReactor* AuthenticateApiKey(grpc::CallbackServerContext* context,
                                               const v1::AuthenticateApiKeyRequest* request,
                                               v1::AuthenticateApiKeyResponse* response) override;

 private:
  absl::Status Create(const server::Call& call, const v1::CreateApiKeyRequest& request,
                      v1::CreateApiKeyResponse& response);
  absl::Status Get(const server::Call& call, const v1::GetApiKeyRequest& request, ApiKey& response);
  absl::Status List(const server::Call& call, const v1::ListApiKeysRequest& request,
                    v1::ListApiKeysResponse& response);
  absl::Status Revoke(const server::Call& call, const v1::RevokeApiKeyRequest& request,
                      ApiKey& response);
  absl::Status Authenticate(const server::Call& call, const v1::AuthenticateApiKeyRequest& request,
                            v1::AuthenticateApiKeyResponse& response);

  server::Server& server_;
  ApiKeyStore& store_;
};

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_API_KEY_SERVICE_H_
