// The routes of every coopnet API, as the gateway builds them at start: what the gateway's
// fuzz targets match their requests against. Built once, on first use, and kept.
#ifndef COOPNET_TESTS_FUZZ_API_ROUTES_H_
#define COOPNET_TESTS_FUZZ_API_ROUTES_H_

#include "services/gateway/api_catalog.h"
#include "services/gateway/http_route.h"
#include "tests/fuzz/property.h"

namespace coopnet::fuzz {

inline const gateway::RouteTable& ApiRoutes() {
  static const gateway::ApiCatalog* const catalog = [] {
    auto built = gateway::ApiCatalog::Build({"coopnet.organisations.v1", "coopnet.events.v1",
                                             "coopnet.registrations.v1", "coopnet.funding.v1"});
    Expect(built.ok(), "the API's catalog builds", built.status().ToString());
    return new gateway::ApiCatalog(*std::move(built));
  }();
  static const gateway::RouteTable* const routes = [] {
    auto built = gateway::RouteTable::Build(*catalog);
    Expect(built.ok(), "the API's routes build", built.status().ToString());
    return new gateway::RouteTable(*std::move(built));
  }();
  return *routes;
}

}  // namespace coopnet::fuzz

#endif  // COOPNET_TESTS_FUZZ_API_ROUTES_H_
