// The small pure pieces of the two fronts: metadata passed on, addresses, CORS, backends.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/gateway/backends.h"
#include "services/gateway/grpc_front.h"
#include "services/gateway/http_api.h"

namespace coopnet::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(PassedOnMetadata, KeepsTheCallersHeadersButNotItsCredentials) {
  std::multimap<grpc::string_ref, grpc::string_ref> metadata = {
      {"accept-language", "da, en;q=0.5"},
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"authorization", "Bearer cnk_abc"},
      {"coopnet-principal-bin", "forged"},
      {"coopnet-principal-sig-bin", "forged"},
      {"grpc-accept-encoding", "gzip"},
      {"user-agent", "grpc-c++/1.51"}};
  EXPECT_THAT(
      PassedOnMetadata(metadata),
      ElementsAre(Pair("accept-language", "da, en;q=0.5"),
                  Pair("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
}

TEST(AddressOfPeer, ReadsGrpcPeerStrings) {
  EXPECT_EQ(AddressOfPeer("ipv4:203.0.113.9:4711"), "203.0.113.9");
  EXPECT_EQ(AddressOfPeer("ipv6:[::1]:4711"), "::1");
  EXPECT_EQ(AddressOfPeer("127.0.0.1:80"), "127.0.0.1");
}

TEST(CorsHeaders, AnswersOnlyConfiguredOrigins) {
  const std::vector<std::string> allowed = {"https://portal.regionorebrolan.se"};
  EXPECT_THAT(CorsHeaders("https://evil.example", allowed, false), IsEmpty());
  EXPECT_THAT(CorsHeaders("", allowed, false), IsEmpty());
  auto headers = CorsHeaders("https://portal.regionorebrolan.se", allowed, true);
  EXPECT_THAT(headers, ::testing::Contains(Pair("Access-Control-Allow-Origin",
                                                "https://portal.regionorebrolan.se")));
  EXPECT_THAT(headers, ::testing::Contains(Pair("Access-Control-Allow-Headers",
                                                ::testing::HasSubstr("Authorization"))));
  EXPECT_THAT(CorsHeaders("https://any.example", {"*"}, false),
              ::testing::Contains(Pair("Access-Control-Allow-Origin", "https://any.example")));
}

TEST(ParseBackends, ReadsPackageAddressPairs) {
  auto backends = ParseBackends(
      "coopnet.organisations.v1=127.0.0.1:50051, coopnet.events.v1=dns:///events:50052");
  ASSERT_TRUE(backends.ok()) << backends.status();
  ASSERT_EQ(backends->size(), 2u);
  EXPECT_EQ((*backends)[1].package, "coopnet.events.v1");
  EXPECT_EQ((*backends)[1].address, "dns:///events:50052");
  EXPECT_EQ(ServiceNameOf("coopnet.registrations.v1"), "registrations");
}

TEST(ParseBackends, RefusesMalformedAndRepeatedEntries) {
  EXPECT_FALSE(ParseBackends("").ok());
  EXPECT_FALSE(ParseBackends("coopnet.events.v1").ok());
  EXPECT_FALSE(ParseBackends("=127.0.0.1:1").ok());
  EXPECT_FALSE(ParseBackends("coopnet.events.v1=a:1,coopnet.events.v1=b:2").ok());
}

}  // namespace
}  // namespace coopnet::gateway
