#include "common/principal/principal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/time/time.h"

namespace coopnet::principal {
namespace {

const std::string kSecret(40, 's');
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

Metadata AsMetadata(const Signer::Sealed& sealed) {
  return {{kPrincipalKey, sealed.bytes}, {kSignatureKey, sealed.signature}};
}

std::string ReasonOf(const absl::Status& s) {
  auto info = status::GetErrorInfo(s);
  return info ? info->reason() : "";
}

KeySet Keys(absl::string_view text) {
  absl::StatusOr<KeySet> keys = KeySet::Parse(text);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *keys;
}

const KeySet kKeys =
    Keys(absl::StrCat("g1:gateway:", kSecret, ",e1:events:", std::string(40, 'e')));

Signer SignerOf(const KeySet& keys, absl::string_view issuer) {
  return Signer(*keys.SigningKey(issuer), std::string(issuer));
}

TEST(Principal, SignedPrincipalIsVerified) {
  Verifier verifier(kKeys, "events");
  Signer::Sealed sealed =
      SignerOf(kKeys, "gateway")
          .Seal(ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_WRITE}),
                "events", kNow);
  absl::StatusOr<Principal> verified = verifier.Verify(AsMetadata(sealed), kNow + absl::Seconds(1));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->organisation(), "organisations/a");
  EXPECT_EQ(verified->issuer(), "gateway");
  EXPECT_TRUE(HasScope(*verified, type::v1::SCOPE_WRITE));
  EXPECT_FALSE(HasScope(*verified, type::v1::SCOPE_ADMIN));
}

// RFC 4231, test case 2: other processes (and other languages) can check a signature.
TEST(Principal, SignatureIsHmacSha256) {
  const std::string signature = HmacKey("Jefe").Sign("what do ya want for nothing?");
  std::string hex;
  for (unsigned char byte : signature) absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Principal, MissingPrincipalIsUnauthenticated) {
  absl::StatusOr<Principal> verified = Verifier(kKeys, "events").Verify({}, kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(verified.status()), "PRINCIPAL_MISSING");
}

TEST(Principal, PrincipalSignedWithAnotherSecretUnderAKnownKeyIdIsRefused) {
  const KeySet forger = Keys(absl::StrCat("g1:gateway:", std::string(40, 'x')));
  Signer::Sealed forged = SignerOf(forger, "gateway").Seal(Admin(), "events", kNow);
  absl::StatusOr<Principal> verified = Verifier(kKeys, "events").Verify(AsMetadata(forged), kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(verified.status()), "PRINCIPAL_INVALID");
}

TEST(Principal, TamperedPrincipalIsRefused) {
  Signer signer = SignerOf(kKeys, "gateway");
  Signer::Sealed sealed = signer.Seal(ApiKey("organisations/a", "k", {}), "events", kNow);
  // Someone swaps in an admin principal but keeps the key's signature.
  sealed.bytes = signer.Seal(Admin(), "events", kNow).bytes;
  EXPECT_EQ(ReasonOf(Verifier(kKeys, "events").Verify(AsMetadata(sealed), kNow).status()),
            "PRINCIPAL_INVALID");
}

TEST(Principal, ExpiredPrincipalIsRefused) {
  Verifier verifier(kKeys, "events");
  Signer signer = SignerOf(kKeys, "gateway");
  EXPECT_TRUE(
      verifier.Verify(AsMetadata(signer.Seal(Admin(), "events", kNow)), kNow + kLifetime).ok());
  EXPECT_EQ(ReasonOf(verifier
                         .Verify(AsMetadata(signer.Seal(Admin(), "events", kNow)),
                                 kNow + kLifetime + absl::Seconds(1))
                         .status()),
            "PRINCIPAL_EXPIRED");
}

TEST(Principal, PrincipalFromTooFarAheadIsRefused) {
  Signer::Sealed sealed =
      SignerOf(kKeys, "gateway").Seal(Admin(), "events", kNow + kClockSkew + absl::Seconds(1));
  EXPECT_EQ(ReasonOf(Verifier(kKeys, "events").Verify(AsMetadata(sealed), kNow).status()),
            "PRINCIPAL_EXPIRED");
}

TEST(Principal, PrincipalForAnotherServiceIsRefused) {
  Signer::Sealed sealed = SignerOf(kKeys, "gateway").Seal(Admin(), "events", kNow);
  absl::Status refused = Verifier(kKeys, "organisations").Verify(AsMetadata(sealed), kNow).status();
  EXPECT_EQ(ReasonOf(refused), "PRINCIPAL_WRONG_AUDIENCE");
  EXPECT_THAT(std::string(refused.message()),
              ::testing::HasSubstr("\"events\", not for organisations"));
}

TEST(Principal, PrincipalIsAcceptedOnceThenRefusedAsReplayed) {
  Verifier verifier(kKeys, "events");
  Signer::Sealed sealed = SignerOf(kKeys, "gateway").Seal(Admin(), "events", kNow);
  EXPECT_TRUE(verifier.Verify(AsMetadata(sealed), kNow).ok());
  EXPECT_EQ(ReasonOf(verifier.Verify(AsMetadata(sealed), kNow + absl::Seconds(1)).status()),
            "PRINCIPAL_REPLAYED");
  // Each call seals anew: the next call of the same caller is welcome.
  EXPECT_TRUE(verifier
                  .Verify(AsMetadata(SignerOf(kKeys, "gateway").Seal(Admin(), "events", kNow)),
                          kNow + absl::Seconds(1))
                  .ok());
}

TEST(Principal, ServiceCannotSignAsAnotherService) {
  Signer::Sealed sealed = SignerOf(kKeys, "events").Seal(Service("funding"), "organisations", kNow);
  EXPECT_EQ(ReasonOf(Verifier(kKeys, "organisations").Verify(AsMetadata(sealed), kNow).status()),
            "PRINCIPAL_INVALID");
  Signer::Sealed own = SignerOf(kKeys, "events").Seal(Service("events"), "organisations", kNow);
  EXPECT_TRUE(Verifier(kKeys, "organisations").Verify(AsMetadata(own), kNow).ok());
}

TEST(Principal, KeyOfOneIssuerCannotSignAsAnother) {
  // events' key, but the principal claims the gateway issued it.
  const KeySet liar = Keys(absl::StrCat("e1:gateway:", std::string(40, 'e')));
  Signer::Sealed sealed = SignerOf(liar, "gateway").Seal(Admin(), "organisations", kNow);
  EXPECT_EQ(ReasonOf(Verifier(kKeys, "organisations").Verify(AsMetadata(sealed), kNow).status()),
            "PRINCIPAL_INVALID");
}

TEST(Principal, BothKeysAreAcceptedDuringRotationAndTheRetiredOneAfterwardsIsNot) {
  const std::string old_entry = absl::StrCat("g1:gateway:", std::string(40, 'o'));
  const std::string new_entry = absl::StrCat("g2:gateway:", std::string(40, 'n'));
  const KeySet during = Keys(absl::StrCat(new_entry, "\n", old_entry, "\n"));
  const KeySet after = Keys(new_entry);
  EXPECT_EQ(during.SigningKey("gateway")->id, "g2");  // the first of its issuer signs

  Verifier rotating(during, "events");
  EXPECT_TRUE(
      rotating
          .Verify(AsMetadata(SignerOf(Keys(old_entry), "gateway").Seal(Admin(), "events", kNow)),
                  kNow)
          .ok());
  EXPECT_TRUE(
      rotating
          .Verify(AsMetadata(SignerOf(Keys(new_entry), "gateway").Seal(Admin(), "events", kNow)),
                  kNow)
          .ok());
  absl::Status retired =
      Verifier(after, "events")
          .Verify(AsMetadata(SignerOf(Keys(old_entry), "gateway").Seal(Admin(), "events", kNow)),
                  kNow)
          .status();
  EXPECT_EQ(ReasonOf(retired), "PRINCIPAL_INVALID");
  EXPECT_THAT(std::string(retired.message()), ::testing::HasSubstr("key \"g1\""));
}

TEST(PrincipalKeys, BadEntriesAreNamedWithoutTheirSecret) {
  const std::string secret(40, 'q');
  EXPECT_THAT(std::string(KeySet::Parse("k1:gateway").status().message()),
              ::testing::HasSubstr("entry 1 is not of the form kid:issuer:secret"));
  absl::Status short_secret =
      KeySet::Parse(absl::StrCat("k1:gateway:", secret, " k2:events:short")).status();
  EXPECT_THAT(std::string(short_secret.message()),
              ::testing::HasSubstr("entry 2 (key k2): the secret must be at least 32 bytes"));
  absl::Status twice =
      KeySet::Parse(absl::StrCat("k1:gateway:", secret, ",k1:events:", secret)).status();
  EXPECT_THAT(std::string(twice.message()), ::testing::HasSubstr("key id k1 is listed twice"));
  EXPECT_THAT(std::string(twice.message()), ::testing::Not(::testing::HasSubstr(secret)));
  EXPECT_FALSE(KeySet::Parse(" \n").ok());
  EXPECT_FALSE(KeySet::Parse(absl::StrCat("k 1:gate/way:", secret)).ok());
}

TEST(ReplayCache, ForgetsIdsOnlyOnceExpiredAndRefusesWhenFull) {
  ReplayCache cache(2);
  EXPECT_EQ(cache.Remember(std::string(16, 'a'), kNow + absl::Seconds(5), kNow),
            ReplayCache::Outcome::kNew);
  EXPECT_EQ(cache.Remember(std::string(16, 'b'), kNow + absl::Seconds(10), kNow),
            ReplayCache::Outcome::kNew);
  EXPECT_EQ(cache.Remember(std::string(16, 'c'), kNow + absl::Seconds(10), kNow),
            ReplayCache::Outcome::kFull);
  EXPECT_EQ(cache.Remember(std::string(16, 'a'), kNow + absl::Seconds(5), kNow + absl::Seconds(5)),
            ReplayCache::Outcome::kReplayed);
  // `a` expired: its place goes to `c`, and `b` is still remembered.
  EXPECT_EQ(cache.Remember(std::string(16, 'c'), kNow + absl::Seconds(12), kNow + absl::Seconds(6)),
            ReplayCache::Outcome::kNew);
  EXPECT_EQ(cache.Remember(std::string(16, 'b'), kNow + absl::Seconds(10), kNow + absl::Seconds(6)),
            ReplayCache::Outcome::kReplayed);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(Principal, AnonymousHoldsNoScopeAndActsForNobody) {
  Principal anonymous = Anonymous("203.0.113.7");
  EXPECT_FALSE(HasScope(anonymous, type::v1::SCOPE_READ));
  EXPECT_FALSE(ActsFor(anonymous, "organisations/a"));
}

TEST(Principal, OrganisationAdminScopeIsNotOperatorPower) {
  Principal key = ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_ADMIN});
  EXPECT_TRUE(HasScope(key, type::v1::SCOPE_WRITE));
  EXPECT_TRUE(HasScope(key, type::v1::SCOPE_READ));
  EXPECT_FALSE(IsAdmin(key));
  EXPECT_FALSE(ActsFor(key, "organisations/b"));
  EXPECT_TRUE(ActsFor(key, "organisations/a"));
}

TEST(Principal, KeyActsForItsOwnOrganisationOnly) {
  Principal key = ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_WRITE});
  EXPECT_TRUE(ActsFor(key, "organisations/a"));
  EXPECT_FALSE(ActsFor(key, "organisations/b"));
  EXPECT_TRUE(ActsFor(Admin(), "organisations/b"));
}

// A key of organisations/portal holding organisations/a's delegation of `scopes` until
// `expire`.
Principal PortalKey(std::vector<DelegationScope> scopes, absl::Time expire) {
  Principal key =
      ApiKey("organisations/portal", "organisations/portal/apiKeys/k", {type::v1::SCOPE_WRITE});
  Principal::Delegation& d = *key.add_delegations();
  d.set_organisation("organisations/a");
  for (DelegationScope scope : scopes) d.add_scopes(scope);
  *d.mutable_expire_time() = ToTimestamp(expire);
  return key;
}

TEST(Principal, DelegationLetsAKeyActForTheGrantorWithinItsScopesOnly) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  Principal key = PortalKey({type::v1::REGISTRATIONS_WRITE}, now + absl::Hours(1));
  EXPECT_TRUE(ActsFor(key, "organisations/a", type::v1::REGISTRATIONS_WRITE, now));
  EXPECT_FALSE(ActsFor(key, "organisations/a", type::v1::EVENTS_WRITE, now));
  EXPECT_FALSE(ActsFor(key, "organisations/b", type::v1::REGISTRATIONS_WRITE, now));
  EXPECT_TRUE(ActsFor(key, "organisations/portal", type::v1::EVENTS_WRITE, now));
  // What only the organisation itself does (its keys, its delegations) ignores them.
  EXPECT_FALSE(ActsFor(key, "organisations/a"));
}

TEST(Principal, DelegationEndsAtItsExpiry) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  Principal key = PortalKey({type::v1::EVENTS_WRITE}, now);
  EXPECT_FALSE(ActsFor(key, "organisations/a", type::v1::EVENTS_WRITE, now));
  EXPECT_TRUE(ActsFor(key, "organisations/a", type::v1::EVENTS_WRITE, now - absl::Seconds(1)));
}

TEST(Principal, OnlyKeysUseDelegations) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  Principal anonymous = PortalKey({type::v1::EVENTS_WRITE}, now + absl::Hours(1));
  anonymous.set_kind(Principal::ANONYMOUS);
  EXPECT_FALSE(ActsFor(anonymous, "organisations/a", type::v1::EVENTS_WRITE, now));
  EXPECT_TRUE(ActsFor(Admin(), "organisations/a", type::v1::EVENTS_WRITE, now));
}

TEST(Principal, RefusalNamesTheOrganisationAndTheScope) {
  Principal key = ApiKey("organisations/b", "organisations/b/apiKeys/k", {type::v1::SCOPE_WRITE});
  absl::Status refused =
      MayActFor(key, "organisations/a", type::v1::EVENTS_WRITE, "event.organiser");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), testing::HasSubstr("event.organiser names organisations/a"));
  EXPECT_THAT(refused.message(), testing::HasSubstr("EVENTS_WRITE"));
  std::optional<google::rpc::ErrorInfo> info = status::GetErrorInfo(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "NOT_ACTING_FOR_ORGANISATION");
  EXPECT_EQ(info->metadata().at("organisation"), "organisations/a");
  EXPECT_TRUE(MayActFor(key, "organisations/b", type::v1::EVENTS_WRITE, "event.organiser").ok());
}

}  // namespace
}  // namespace coopnet::principal
