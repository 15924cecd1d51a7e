// Fuzz target: the sealed principal a service reads from a call's metadata
// (common/principal/principal.h, Verifier::Verify).
//
// The first byte of the input (modulo 3) says how the rest is sealed: 0 with the key its
// key_id names among those the verifier holds (or the gateway's), 1 with a key of the same
// id whose secret nobody holds, 2 not at all: the rest starts with the 32 bytes of its
// signature. The rest is the serialised coopnet.type.v1.Principal. Whatever it holds, the
// verifier never crashes, refuses as UNAUTHENTICATED, and accepts only what it documents:
// a principal sealed with a key it holds by that key's issuer, a service only by itself,
// for its audience, within its lifetime, with an id, and only once.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/principal/principal.h"
#include "common/time/time.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/property.h"

namespace coopnet::principal {
namespace {

using fuzz::Expect;

// The seeds' principals are issued a second before this.
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'001);
constexpr char kAudience[] = "registrations";

const KeySet& HeldKeys() {
  static const KeySet* const keys = [] {
    absl::StatusOr<KeySet> parsed = KeySet::Parse(
        "gateway-2026-1:gateway:kofoeds-skole-nyrnberggade-1-2300-kobenhavn "
        "events-1:events:hordaland-fylkeskommune-agnes-mowinckels-gate-5");
    Expect(parsed.ok(), "the held keys parse");
    return new KeySet(*std::move(parsed));
  }();
  return *keys;
}

// The sealed principal and its signature, as the input says.
struct Sealed {
  std::string bytes;
  std::string signature;
};

Sealed SealAsTheInputSays(absl::string_view input) {
  if (input.empty()) return {};
  const int how = static_cast<unsigned char>(input[0]) % 3;
  input.remove_prefix(1);
  if (how == 2) {
    const absl::string_view signature = input.substr(0, 32);
    return {std::string(input.substr(signature.size())), std::string(signature)};
  }
  Principal claimed;
  const std::string key_id = claimed.ParseFromArray(input.data(), static_cast<int>(input.size()))
                                 ? claimed.key_id()
                                 : "gateway-2026-1";
  const Key* held = HeldKeys().Find(key_id);
  if (held == nullptr) held = HeldKeys().Find("gateway-2026-1");
  const HmacKey key =
      how == 0 ? held->hmac : HmacKey(absl::StrCat("a secret the verifier never held:", key_id));
  return {std::string(input), key.Sign(input)};
}

void CheckVerify(absl::string_view input) {
  const Sealed sealed = SealAsTheInputSays(input);
  const std::multimap<grpc::string_ref, grpc::string_ref> metadata = {
      {kPrincipalKey, sealed.bytes}, {kSignatureKey, sealed.signature}};
  Verifier verifier(HeldKeys(), kAudience, /*replay_capacity=*/4);
  const absl::StatusOr<Principal> verified = verifier.Verify(metadata, kNow);
  if (!verified.ok()) {
    Expect(verified.status().code() == absl::StatusCode::kUnauthenticated,
           "a refusal is UNAUTHENTICATED", verified.status().ToString());
    return;
  }

  Principal sent;
  Expect(sent.ParseFromString(sealed.bytes), "what is accepted was readable", sealed.bytes);
  Expect(google::protobuf::util::MessageDifferencer::Equals(*verified, sent),
         "the principal accepted is the one sent", verified->DebugString());
  const Key* key = HeldKeys().Find(sent.key_id());
  Expect(key != nullptr && key->hmac.Sign(sealed.bytes) == sealed.signature,
         "only a principal sealed with a held key is accepted", sent.DebugString());
  Expect(key->issuer == sent.issuer(), "a key seals only for its own issuer", sent.DebugString());
  Expect(sent.kind() != Principal::KIND_UNSPECIFIED, "a principal has a kind", sent.DebugString());
  Expect(sent.kind() != Principal::SERVICE || sent.service() == sent.issuer(),
         "a service principal is sealed by that service", sent.DebugString());
  Expect(sent.audience() == kAudience, "a principal is accepted only by its audience",
         sent.DebugString());
  const absl::Time issued = ToTime(sent.issue_time());
  const absl::Time expires = ToTime(sent.expire_time());
  Expect(issued <= kNow + kClockSkew && kNow <= expires && expires - issued <= kLifetime,
         "a principal is accepted only within its lifetime", sent.DebugString());
  Expect(sent.id().size() == ReplayCache::kIdBytes, "a principal has an id", sent.DebugString());
  const absl::StatusOr<Principal> again = verifier.Verify(metadata, kNow);
  Expect(again.status().code() == absl::StatusCode::kUnauthenticated,
         "a principal is accepted only once", again.status().ToString());
}

}  // namespace
}  // namespace coopnet::principal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coopnet::principal::CheckVerify(coopnet::fuzz::AsText(data, size));
  return 0;
}
