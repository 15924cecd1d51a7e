// coopnet::server::ServiceTable — a gRPC service as a table: every method of the proto
// service, named once, beside the handler that serves it.
//
// Every coopnet service is written the same way: its class keeps a ServiceTable and
// fills it in the constructor, one line per method, and each handler is a plain member
// function in DESIGN.md's shape (validate, authorise, act, answer). Unary handlers run
// on the server's worker pool with the verified caller (see Server::Unary); streaming
// ones get the call as gRPC gives it and return their own reactor.
//
//   EventService::EventService(server::Server& server, ...)
//       : table_(server, v1::EventService::service_full_name()) {
//     table_.Unary("CreateEvent", this, &EventService::Create)
//         .Unary("GetEvent", this, &EventService::Get)
//         .ServerStream("WatchEvents", this, &EventService::Watch);
//   }
//   ...
//   server.Register(events.table());
//
// A method the proto declares but the table leaves out, a name the proto does not
// declare, or a handler whose message types differ from the proto's is a bug: Register
// (or the line naming it) crashes at start with a message saying which, before the
// first call could ever find out.
#ifndef COOPNET_COMMON_SERVER_SERVICE_TABLE_H_
#define COOPNET_COMMON_SERVER_SERVICE_TABLE_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>

#include <deque>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/server/server.h"

namespace coopnet::server {

class ServiceTable final : public grpc::Service {
 public:
  // The table of the proto service `full_name` (`coopnet.events.v1.EventService`),
  // whose unary handlers run on `server`'s workers.
  ServiceTable(Server& server, absl::string_view full_name);
  ServiceTable(const ServiceTable&) = delete;
  ServiceTable& operator=(const ServiceTable&) = delete;

  // `method` is served by `(handler->*serve)(call, request, response)` on a worker; the
  // call ends with the status it returns.
  template <typename Handler, typename Request, typename Response>
  ServiceTable& Unary(absl::string_view method, Handler* handler,
                      absl::Status (Handler::*serve)(const Call&, const Request&, Response&)) {
    const int index = IndexOf(method, Request::descriptor(), Response::descriptor(), false);
    MarkMethodCallback(index,
                       new grpc::internal::CallbackUnaryHandler<Request, Response>(
                           [this, handler, serve](grpc::CallbackServerContext* context,
                                                  const Request* request, Response* response) {
                             return server_.Unary(
                                 context, [handler, serve, request, response](const Call& call) {
                                   return (handler->*serve)(call, *request, *response);
                                 });
                           }));
    return *this;
  }

  // `method` streams what the reactor `(handler->*serve)(context, request)` writes.
  template <typename Handler, typename Request, typename Response>
  ServiceTable& ServerStream(absl::string_view method, Handler* handler,
                             grpc::ServerWriteReactor<Response>* (Handler::*serve)(
                                 grpc::CallbackServerContext*, const Request*)) {
    const int index = IndexOf(method, Request::descriptor(), Response::descriptor(), true);
    MarkMethodCallback(
        index, new grpc::internal::CallbackServerStreamingHandler<Request, Response>(
                   [handler, serve](grpc::CallbackServerContext* context, const Request* request) {
                     return (handler->*serve)(context, request);
                   }));
    return *this;
  }

  // `coopnet.events.v1.EventService`: what health checks ask for.
  const std::string& full_name() const { return descriptor_->full_name(); }

  // Crashes naming the first method of the proto service that has no handler.
  void CheckComplete() const;

 private:
  // The position of `method` among the proto service's methods, after checking that it
  // exists, has these message types and streaming, and has no handler yet.
  int IndexOf(absl::string_view method, const google::protobuf::Descriptor* request,
              const google::protobuf::Descriptor* response, bool server_streaming);

  Server& server_;
  const google::protobuf::ServiceDescriptor* descriptor_;
  // gRPC keeps the `/package.Service/Method` paths by pointer: they live here.
  std::deque<std::string> paths_;
  std::vector<bool> served_;
};

}  // namespace coopnet::server

#endif  // COOPNET_COMMON_SERVER_SERVICE_TABLE_H_
