// The routes of the organisations and events APIs, built for each test: what the route
// and transcoder tests match their requests against.
#ifndef COOPNET_SERVICES_GATEWAY_ROUTES_TEST_FIXTURE_H_
#define COOPNET_SERVICES_GATEWAY_ROUTES_TEST_FIXTURE_H_

#include <memory>

#include "gtest/gtest.h"
#include "services/gateway/api_catalog.h"
#include "services/gateway/http_route.h"

namespace coopnet::gateway {

class RoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = ApiCatalog::Build({"coopnet.organisations.v1", "coopnet.events.v1"});
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<ApiCatalog>(*std::move(catalog));
    auto routes = RouteTable::Build(*catalog_);
    ASSERT_TRUE(routes.ok()) << routes.status();
    routes_ = std::make_unique<RouteTable>(*std::move(routes));
  }

  std::unique_ptr<ApiCatalog> catalog_;
  std::unique_ptr<RouteTable> routes_;
};

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_ROUTES_TEST_FIXTURE_H_
