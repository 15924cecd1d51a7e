// coopnet::loadgen::EchoEventService — GetEvent answered from memory on gRPC's own
// threads, and nothing else: what gRPC alone costs on a machine, the floor under the
// events service and under the gateway in front of it.
//
//   loadgen::EchoEventService echo(event);
//   builder.RegisterService(&echo);
#ifndef COOPNET_TOOLS_LOADGEN_ECHO_EVENT_SERVICE_H_
#define COOPNET_TOOLS_LOADGEN_ECHO_EVENT_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <utility>

#include "coopnet/events/v1/events.grpc.pb.h"

namespace coopnet::loadgen {

class EchoEventService final : public events::v1::EventService::CallbackService {
 public:
  explicit EchoEventService(events::v1::Event event) : event_(std::move(event)) {}

  // `event` under the name asked for.
  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* context,
                                     const events::v1::GetEventRequest* request,
                                     events::v1::Event* response) override;

 private:
  const events::v1::Event event_;
};

}  // namespace coopnet::loadgen

#endif  // COOPNET_TOOLS_LOADGEN_ECHO_EVENT_SERVICE_H_
