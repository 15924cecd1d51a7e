#include "tools/loadgen/echo_event_service.h"

namespace coopnet::loadgen {

grpc::ServerUnaryReactor* EchoEventService::GetEvent(grpc::CallbackServerContext* context,
                                                     const events::v1::GetEventRequest* request,
                                                     events::v1::Event* response) {
  *response = event_;
  response->set_name(request->name());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace coopnet::loadgen
