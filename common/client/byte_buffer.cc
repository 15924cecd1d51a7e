#include "common/client/byte_buffer.h"

namespace coopnet::client {

grpc::ByteBuffer ToBuffer(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

std::optional<std::string> BytesOf(const grpc::ByteBuffer& buffer) {
  grpc::Slice slice;
  if (!buffer.TrySingleSlice(&slice).ok() && !buffer.DumpToSingleSlice(&slice).ok()) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

bool FromBuffer(const grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  grpc::Slice slice;
  if (!buffer.TrySingleSlice(&slice).ok() && !buffer.DumpToSingleSlice(&slice).ok()) return false;
  return message.ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

}  // namespace coopnet::client
