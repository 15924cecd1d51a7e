#include "common/resource/resource.h"

#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"
#include "common/validate/validate.h"

namespace coopnet::resource {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr int kIdLength = 26;
constexpr absl::string_view kTokenVersion = "p1";

// The fingerprint is hashed so tokens stay short whatever the filters; FNV-1a because
// a token made by one replica is read by another, so the hash must not be seeded.
std::string FingerprintHash(absl::string_view fingerprint) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : fingerprint) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return absl::StrCat(absl::Hex(hash));
}

}  // namespace

std::string NewId(absl::Time now) {
  // Ids made in the same millisecond by this process count up from the first one's
  // random part, so that they too sort in the order they were made.
  static absl::Mutex mu(absl::kConstInit);
  static std::mt19937_64 random ABSL_GUARDED_BY(mu)(std::random_device{}());
  static uint64_t last_millis ABSL_GUARDED_BY(mu) = 0;
  static uint64_t last_high ABSL_GUARDED_BY(mu) = 0;  // 16 bits used
  static uint64_t last_low ABSL_GUARDED_BY(mu) = 0;
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now)) & ((1ULL << 48) - 1);
  uint64_t high, low;
  {
    absl::MutexLock lock(&mu);
    if (millis <= last_millis) {
      millis = last_millis;
      if (++last_low == 0) last_high = (last_high + 1) & 0xffff;
    } else {
      last_millis = millis;
      last_high = random() & 0xffff;
      // Leaves room to count up within the millisecond without carrying into `high`.
      last_low = random() >> 1;
    }
    high = last_high;
    low = last_low;
  }
  // 130 bits in 26 characters: 48 of time, 80 of randomness, 2 leading zero bits.
  std::string id(kIdLength, '0');
  for (int i = 9; i >= 0; --i) id[i] = kAlphabet[(millis >> ((9 - i) * 5)) & 31];
  // 80 random bits, most significant first: 16 of `high`, then 64 of `low`.
  for (int i = 0; i < 16; ++i) {
    const int shift = (15 - i) * 5;  // bit position within the 80
    const uint64_t bits = shift >= 64  ? high >> (shift - 64)
                          : shift > 59 ? (low >> shift) | (high << (64 - shift))
                                       : low >> shift;
    id[10 + i] = kAlphabet[bits & 31];
  }
  return id;
}

bool IsId(absl::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    if (absl::string_view(kAlphabet).find(c) == absl::string_view::npos) return false;
  }
  return true;
}

absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view name,
                                      absl::string_view collection) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (name.empty()) {
    return status::InvalidField(field, absl::StrCat("must not be empty (", collection, "/{id})"));
  }
  if (!absl::StartsWith(name, prefix) || !IsId(name.substr(prefix.size()))) {
    return status::InvalidField(field, absl::StrCat("must be a resource name ", collection,
                                                    "/{id}, got ", validate::Quoted(name)));
  }
  return std::string(name.substr(prefix.size()));
}

absl::StatusOr<std::pair<std::string, std::string>> ParseChildName(
    absl::string_view field, absl::string_view name, absl::string_view parent_collection,
    absl::string_view collection) {
  const std::string shape = absl::StrCat(parent_collection, "/{id}/", collection, "/{id}");
  if (name.empty()) {
    return status::InvalidField(field, absl::StrCat("must not be empty (", shape, ")"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != parent_collection || !IsId(parts[1]) ||
      parts[2] != collection || !IsId(parts[3])) {
    return status::InvalidField(
        field, absl::StrCat("must be a resource name ", shape, ", got ", validate::Quoted(name)));
  }
  return std::pair<std::string, std::string>(parts[1], parts[3]);
}

std::string Name(absl::string_view collection, absl::string_view id) {
  return absl::StrCat(collection, "/", id);
}

std::string IdOf(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested < 0) {
    return status::InvalidField("page_size", absl::StrCat("must not be negative, got ", requested));
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : static_cast<int>(requested);
}

std::string EncodePageToken(absl::string_view fingerprint, absl::string_view last_key) {
  std::string token;
  absl::WebSafeBase64Escape(
      absl::StrCat(kTokenVersion, ":", FingerprintHash(fingerprint), ":", last_key), &token);
  return token;
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view fingerprint) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return status::InvalidField("page_token", "is not a token this service made");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(raw, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[0] != kTokenVersion || parts[2].empty()) {
    return status::InvalidField("page_token", "is not a token this service made");
  }
  if (parts[1] != FingerprintHash(fingerprint)) {
    return status::InvalidField("page_token",
                                "belongs to a query with other filters; start again without it");
  }
  return std::string(parts[2]);
}

std::string Etag(int64_t revision) { return absl::StrCat("r", revision); }

absl::StatusOr<int64_t> RevisionOfEtag(absl::string_view field, absl::string_view etag) {
  int64_t revision = 0;
  if (!absl::ConsumePrefix(&etag, "r") || !absl::SimpleAtoi(etag, &revision) || revision < 1) {
    return status::InvalidField(field, "is not an etag this service made");
  }
  return revision;
}

absl::StatusOr<std::optional<int64_t>> ExpectedRevision(absl::string_view field,
                                                        absl::string_view etag) {
  if (etag.empty()) return std::nullopt;
  COOPNET_ASSIGN_OR_RETURN(int64_t revision, RevisionOfEtag(field, etag));
  return revision;
}

void CheckNameFilter(validate::Violations& v, absl::string_view field, absl::string_view name,
                     absl::string_view collection) {
  if (!name.empty()) v.Check(ParseName(field, name, collection).status());
}

}  // namespace coopnet::resource
