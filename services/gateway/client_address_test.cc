#include "services/gateway/client_address.h"

#include <gtest/gtest.h>

namespace coopnet::gateway {
namespace {

TrustedProxies Proxies(absl::string_view blocks) {
  absl::StatusOr<TrustedProxies> proxies = TrustedProxies::Parse(blocks);
  EXPECT_TRUE(proxies.ok()) << proxies.status();
  return proxies.ok() ? *proxies : TrustedProxies();
}

TEST(TrustedProxies, ContainsTheAddressesOfItsBlocks) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8, 192.168.1.7, fd00::/8");
  EXPECT_TRUE(proxies.Contains("10.255.0.1"));
  EXPECT_TRUE(proxies.Contains("192.168.1.7"));
  EXPECT_FALSE(proxies.Contains("192.168.1.8"));
  EXPECT_FALSE(proxies.Contains("11.0.0.1"));
  EXPECT_TRUE(proxies.Contains("fd12:3456::1"));
  EXPECT_TRUE(proxies.Contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(proxies.Contains("2001:db8::1"));
  EXPECT_FALSE(proxies.Contains("not an address"));
  EXPECT_TRUE(Proxies("172.16.0.0/12").Contains("172.31.255.255"));
  EXPECT_FALSE(Proxies("172.16.0.0/12").Contains("172.32.0.0"));
  EXPECT_FALSE(Proxies("").Contains("10.0.0.1"));
}

TEST(TrustedProxies, RefusesWhatIsNoBlock) {
  for (absl::string_view bad :
       {"10.0.0.0/33", "fd00::/129", "10.0.0/8", "example.org", "10.0.0.0/x"}) {
    EXPECT_EQ(TrustedProxies::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ClientAddress, IsThePeerUnlessThePeerIsATrustedProxy) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8");
  // From an untrusted peer, X-Forwarded-For is whatever the client chose: ignored.
  EXPECT_EQ(ClientAddress("198.51.100.1", "203.0.113.9", proxies), "198.51.100.1");
  EXPECT_EQ(ClientAddress("10.0.0.7", "203.0.113.9", TrustedProxies()), "10.0.0.7");
  EXPECT_EQ(ClientAddress("10.0.0.7", "", proxies), "10.0.0.7");
}

TEST(ClientAddress, WalksXForwardedForFromTheRightPastTrustedHops) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8");
  EXPECT_EQ(ClientAddress("10.0.0.7", "203.0.113.9", proxies), "203.0.113.9");
  // The client's own entry, to which the proxies appended: never the client's choice.
  EXPECT_EQ(ClientAddress("10.0.0.7", "198.51.100.1, 203.0.113.9", proxies), "203.0.113.9");
  EXPECT_EQ(ClientAddress("10.0.0.7", "198.51.100.1,203.0.113.9, 10.2.0.1 ", proxies),
            "203.0.113.9");
  // Only proxies all the way: the farthest of them.
  EXPECT_EQ(ClientAddress("10.0.0.7", "10.3.0.1, 10.2.0.1", proxies), "10.3.0.1");
  // A malformed entry ends the walk at the hop that wrote it.
  EXPECT_EQ(ClientAddress("10.0.0.7", "203.0.113.9, junk, 10.2.0.1", proxies), "10.2.0.1");
  EXPECT_EQ(ClientAddress("10.0.0.7", "2001:db8::5", proxies), "2001:db8::5");
}

TEST(BucketAddress, LimitsIpv6ClientsPerSlash64) {
  EXPECT_EQ(BucketAddress("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(BucketAddress("2001:db8:1:2:aa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(BucketAddress("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  EXPECT_NE(BucketAddress("2001:db8:1:3::1"), BucketAddress("2001:db8:1:2::1"));
  EXPECT_EQ(BucketAddress("::ffff:203.0.113.9"), "::ffff:203.0.113.9");
}

}  // namespace
}  // namespace coopnet::gateway
