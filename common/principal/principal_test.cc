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

TEST(Principal, SignedPrincipalIsVerified) {
  Signer signer(kSecret);
  Signer::Sealed sealed = signer.Seal(
      ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_WRITE}), kNow);
  absl::StatusOr<Principal> verified = signer.Verify(AsMetadata(sealed), kNow + absl::Seconds(1));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->organisation(), "organisations/a");
  EXPECT_TRUE(HasScope(*verified, type::v1::SCOPE_WRITE));
  EXPECT_FALSE(HasScope(*verified, type::v1::SCOPE_ADMIN));
}

// RFC 4231, test case 2: other processes (and other languages) can check a signature.
TEST(Principal, SignatureIsHmacSha256) {
  const std::string signature = Signer("Jefe").Sign("what do ya want for nothing?");
  std::string hex;
  for (unsigned char byte : signature) absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  EXPECT_EQ(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Principal, MissingPrincipalIsUnauthenticated) {
  absl::StatusOr<Principal> verified = Signer(kSecret).Verify({}, kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(verified.status()), "PRINCIPAL_MISSING");
}

TEST(Principal, PrincipalSignedWithAnotherSecretIsRefused) {
  Signer::Sealed forged = Signer(std::string(40, 'x')).Seal(Admin(), kNow);
  absl::StatusOr<Principal> verified = Signer(kSecret).Verify(AsMetadata(forged), kNow);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(verified.status()), "PRINCIPAL_INVALID");
}

TEST(Principal, TamperedPrincipalIsRefused) {
  Signer signer(kSecret);
  Signer::Sealed sealed = signer.Seal(ApiKey("organisations/a", "k", {}), kNow);
  // Someone swaps in an admin principal but keeps the key's signature.
  sealed.bytes = signer.Seal(Admin(), kNow).bytes;
  sealed.signature = signer.Seal(ApiKey("organisations/a", "k", {}), kNow).signature;
  EXPECT_EQ(ReasonOf(signer.Verify(AsMetadata(sealed), kNow).status()), "PRINCIPAL_INVALID");
}

TEST(Principal, ExpiredPrincipalIsRefused) {
  Signer signer(kSecret);
  Signer::Sealed sealed = signer.Seal(Admin(), kNow);
  EXPECT_TRUE(signer.Verify(AsMetadata(sealed), kNow + kLifetime - absl::Seconds(1)).ok());
  EXPECT_EQ(
      ReasonOf(signer.Verify(AsMetadata(sealed), kNow + kLifetime + absl::Seconds(1)).status()),
      "PRINCIPAL_EXPIRED");
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
