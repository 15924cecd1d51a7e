// coopnet::gateway::GrpcFront — the gateway's gRPC port: one generic service that
// carries every routed method to its backend as bytes, with no code per method.
//
// A call is refused with UNIMPLEMENTED when no backend serves its method (internal
// methods included). Otherwise the caller is admitted (Access) from the call's metadata
// before its request is read, so a refused call costs no message; a stream also needs a
// place in the StreamQuota. Then the request is read, the page size capped, and the call
// forwarded with its metadata, deadline and cancellation;
// the backend's answer, status details included, goes back as it came. Unary and
// server-streaming methods are carried; the API has no client-streaming ones.
//
//   GrpcFront front(catalog, access, forwarder, reflection, {.max_page_size = 500});
//   builder.RegisterCallbackGenericService(&front);
#ifndef COOPNET_SERVICES_GATEWAY_GRPC_FRONT_H_
#define COOPNET_SERVICES_GATEWAY_GRPC_FRONT_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "services/gateway/access.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/client_address.h"
#include "services/gateway/forwarder.h"
#include "services/gateway/reflection.h"
#include "services/gateway/stream_quota.h"

namespace coopnet::gateway {

struct FrontOptions {
  // Larger page sizes are lowered to this before a request goes on.
  int max_page_size = 500;
  // The proxies whose X-Forwarded-For (`x-forwarded-for` metadata) names the caller.
  TrustedProxies trusted_proxies;
  // Streams (Watch methods) open at once per caller, on either port.
  StreamQuota::Options streams;
};

class GrpcFront final : public grpc::CallbackGenericService {
 public:
  // Everything must outlive the front.
  GrpcFront(const ApiCatalog& catalog, Access& access, Forwarder& forwarder,
            const Reflection& reflection, FrontOptions options);

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override;

  const ApiCatalog& catalog() const { return catalog_; }
  Access& access() { return access_; }
  Forwarder& forwarder() { return forwarder_; }
  StreamQuota& streams() { return streams_; }
  const FrontOptions& options() const { return options_; }

 private:
  const ApiCatalog& catalog_;
  Access& access_;
  Forwarder& forwarder_;
  const Reflection& reflection_;
  const FrontOptions options_;
  StreamQuota streams_;
};

// The metadata of an incoming call that goes on to the backend: all but the transport's
// own, the Authorization header and any principal the caller sent (the gateway signs
// its own).
std::vector<std::pair<std::string, std::string>> PassedOnMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// The IP address in gRPC's peer string: `ipv4:203.0.113.9:4711` gives `203.0.113.9`,
// `ipv6:[::1]:4711` gives `::1`.
std::string AddressOfPeer(absl::string_view peer);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_GRPC_FRONT_H_
