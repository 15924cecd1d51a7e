// A protobuf message as the bytes gRPC sends, and back: for code that calls or serves
// methods by name (the gateway, the command-line client, benchmarks).
#ifndef COOPNET_COMMON_CLIENT_BYTE_BUFFER_H_
#define COOPNET_COMMON_CLIENT_BYTE_BUFFER_H_

#include <grpcpp/support/byte_buffer.h>

#include <optional>
#include <string>

#include "google/protobuf/message.h"

namespace coopnet::client {

grpc::ByteBuffer ToBuffer(const google::protobuf::Message& message);

// The bytes of `buffer` in one piece; nullopt when gRPC cannot give them.
std::optional<std::string> BytesOf(const grpc::ByteBuffer& buffer);

// False when `buffer` does not parse as `message`.
bool FromBuffer(const grpc::ByteBuffer& buffer, google::protobuf::Message& message);

}  // namespace coopnet::client

#endif  // COOPNET_COMMON_CLIENT_BYTE_BUFFER_H_
