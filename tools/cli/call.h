// Calling any of coopnet's gRPC methods by name with a proto3 JSON request, through the
// descriptors linked into the program: what `coopnet call` and the demo loader share.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>

#include "absl/time/time.h"
#include "common/client/byte_buffer.h"
#include "google/protobuf/message.h"

namespace coopnet::cli {

struct CallResult {
  grpc::Status status;
  std::string json;  // the answer as proto3 JSON, when status is OK
  bool sent = true;  // false when refused here: unknown method, bad JSON, no caller
};

// A channel to `address`: TLS when COOPNET_TLS_CA_FILE is set (with COOPNET_TLS_CERT_FILE
// and _KEY_FILE for mutual TLS, and COOPNET_TLS_SERVER_NAME for the name the server's
// certificate must carry; see tls::ClientTransport), plaintext otherwise. Exits 2, naming
// the setting, when the files are unusable: every program that calls it is a tool.
std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                       const grpc::ChannelArguments& arguments = {});

// Names the caller on `context`: COOPNET_API_KEY, when set, as `authorization: Bearer`
// (the gateway checks it); otherwise a principal for the service of `method`, signed with
// the first key of COOPNET_PRINCIPAL_KEYS as its issuer: an administrator or
// COOPNET_CALLER=anonymous | organisations/{id}. Returns false, saying why on stderr, when
// neither is set. COOPNET_TRACEPARENT, when set, is sent too.
bool AttachCaller(grpc::ClientContext& context, absl::string_view method);

// Calls `method` ("package.Service/Method") with `json_request`. An unknown method or a
// request that is not valid JSON for it is INVALID_ARGUMENT without a call being made.
CallResult CallJson(grpc::Channel& channel, const std::string& method,
                    const std::string& json_request, absl::Duration timeout = absl::Seconds(10));

using client::FromBuffer;
using client::ToBuffer;

// The status as the JSON of its google.rpc.Status details, or "CODE: message".
std::string DescribeError(const grpc::Status& status);

}  // namespace coopnet::cli
