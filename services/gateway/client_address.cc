#include "services/gateway/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace coopnet::gateway {
namespace {

// `text` as 16 bytes (IPv4 mapped into IPv6), or nullopt when it is no IP address.
std::optional<std::array<uint8_t, 16>> ParseAddress(absl::string_view text) {
  const std::string address(absl::StripAsciiWhitespace(text));
  std::array<uint8_t, 16> bytes{};
  in_addr v4;
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    bytes[10] = bytes[11] = 0xff;
    std::memcpy(&bytes[12], &v4, 4);
    return bytes;
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) return bytes;
  return std::nullopt;
}

bool IsMappedV4(const std::array<uint8_t, 16>& bytes) {
  static constexpr std::array<uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::equal(kMapped.begin(), kMapped.end(), bytes.begin());
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view blocks) {
  TrustedProxies proxies;
  for (absl::string_view block : absl::StrSplit(blocks, ',', absl::SkipWhitespace())) {
    block = absl::StripAsciiWhitespace(block);
    const size_t slash = block.find('/');
    const std::optional<std::array<uint8_t, 16>> prefix = ParseAddress(block.substr(0, slash));
    int bits = prefix && IsMappedV4(*prefix) ? 32 : 128;
    const int most = bits;
    if (!prefix ||
        (slash != absl::string_view::npos &&
         (!absl::SimpleAtoi(block.substr(slash + 1), &bits) || bits < 0 || bits > most))) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", block, "\" is not an IP address or a CIDR block"));
    }
    if (most == 32) bits += 96;
    proxies.blocks_.push_back({*prefix, bits});
  }
  return proxies;
}

bool TrustedProxies::Contains(absl::string_view address) const {
  const std::optional<std::array<uint8_t, 16>> bytes = ParseAddress(address);
  if (!bytes) return false;
  for (const Block& block : blocks_) {
    const int whole = block.bits / 8;
    const int rest = block.bits % 8;
    if (!std::equal(block.prefix.begin(), block.prefix.begin() + whole, bytes->begin())) continue;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    if (rest == 0 || ((block.prefix[whole] ^ (*bytes)[whole]) & mask) == 0) return true;
  }
  return false;
}

std::string ClientAddress(absl::string_view peer, absl::string_view forwarded_for,
                          const TrustedProxies& proxies) {
  std::string client(peer);
  if (!proxies.Contains(client)) return client;
  const std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    const absl::string_view address = absl::StripAsciiWhitespace(*hop);
    if (!ParseAddress(address)) break;
    client = std::string(address);
    if (!proxies.Contains(client)) break;
  }
  return client;
}

std::string BucketAddress(absl::string_view address) {
  std::optional<std::array<uint8_t, 16>> bytes = ParseAddress(address);
  if (!bytes || IsMappedV4(*bytes)) return std::string(address);
  std::fill(bytes->begin() + 8, bytes->end(), 0);
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes->data(), text, sizeof(text));
  return absl::StrCat(text, "/64");
}

}  // namespace coopnet::gateway
