// coopnet::gateway::TrustedProxies and ClientAddress — who a caller is, by address, when
// proxies stand between it and the gateway.
//
// Behind an ingress every call comes from the ingress's address, so the address of the
// caller must come from X-Forwarded-For; but anybody can send that header. Only the
// proxies the operators name (COOPNET_TRUSTED_PROXIES, CIDR blocks) are believed: a call
// from anywhere else is from its peer, whatever it says. From a trusted proxy, the header
// is read from the right (each proxy appends the address it saw), trusted hops are
// skipped, and the first address not trusted is the caller's.
//
//   COOPNET_ASSIGN_OR_RETURN(TrustedProxies proxies, TrustedProxies::Parse("10.0.0.0/8,fd00::/8"));
//   ClientAddress("10.1.2.3", "198.51.100.7, 203.0.113.9", proxies);  // "203.0.113.9"
//   BucketAddress("2001:db8:1:2:aa::1");                              // "2001:db8:1:2::/64"
#ifndef COOPNET_SERVICES_GATEWAY_CLIENT_ADDRESS_H_
#define COOPNET_SERVICES_GATEWAY_CLIENT_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace coopnet::gateway {

class TrustedProxies {
 public:
  // None: every caller is its peer.
  TrustedProxies() = default;

  // Comma-separated CIDR blocks ("10.0.0.0/8,fd00::/8"; a bare address is one host);
  // INVALID_ARGUMENT naming the first that is not one.
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view blocks);

  bool empty() const { return blocks_.empty(); }
  // Whether `address` (an IP address as text) lies in one of the blocks.
  bool Contains(absl::string_view address) const;

 private:
  struct Block {
    // IPv4 as IPv4-mapped IPv6, so that one comparison serves both.
    std::array<uint8_t, 16> prefix;
    int bits;
  };
  std::vector<Block> blocks_;
};

// The caller's IP address: `peer` unless it is a trusted proxy; then the right-most entry
// of `forwarded_for` (an X-Forwarded-For header) that is not a trusted proxy, walking
// from the right; a malformed entry stops the walk at the hop before it.
std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const TrustedProxies& proxies);

// What an address is limited as: an IPv4 address itself, an IPv6 address by its /64 (a
// single client holds a whole /64 and can use any address in it).
std::string BucketAddress(absl::string_view address);

}  // namespace coopnet::gateway

#endif  // COOPNET_SERVICES_GATEWAY_CLIENT_ADDRESS_H_
