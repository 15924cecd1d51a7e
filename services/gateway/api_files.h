// The .proto files of coopnet's API, as compiled into coopnet::proto: where the gateway
// finds the services it can route to (the list is made by CMake from proto/coopnet).
#ifndef COOPNET_SERVICES_GATEWAY_API_FILES_H_
#define COOPNET_SERVICES_GATEWAY_API_FILES_H_

#include <string>
#include <vector>

namespace coopnet::gateway {

// Names as the descriptor pool knows them: `coopnet/events/v1/events.proto`.
const std::vector<std::string>& ApiProtoFiles();

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_API_FILES_H_
