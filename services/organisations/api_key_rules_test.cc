#include "services/organisations/api_key_rules.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/principal/principal.h"
#include "common/status/status.h"
#include "services/organisations/store_values.h"

namespace coopnet::organisations {
namespace {

using principal::Principal;

constexpr char kOrganisation[] = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";
constexpr char kOther[] = "organisations/01jdz5c7m3bbbbbbbbbbbbbbbb";

const std::string kSecret(kSecretBytes, '\x5a');
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

Principal KeyOf(const std::string& organisation, type::v1::Scope scope) {
  return principal::ApiKey(organisation, organisation + "/apiKeys/01jdz5c7m3cccccccccccccccc",
                           {scope});
}

std::vector<std::string> FieldsOf(const absl::Status& s) {
  std::vector<std::string> fields;
  if (auto bad = status::GetBadRequest(s)) {
    for (const auto& v : bad->field_violations()) fields.push_back(v.field());
  }
  return fields;
}

ApiKey Portal() {
  ApiKey key;
  key.set_display_name("Region Örebro portal");
  key.add_scopes(type::v1::SCOPE_READ);
  key.add_scopes(type::v1::SCOPE_REGISTRATIONS);
  return key;
}

TEST(EncodePrefix, IsEightCharactersOfTheIdAlphabet) {
  EXPECT_EQ(EncodePrefix(std::string(kPrefixBytes, '\0')), "00000000");
  EXPECT_EQ(EncodePrefix(std::string(kPrefixBytes, '\xff')), "zzzzzzzz");
  EXPECT_EQ(EncodePrefix(absl::HexStringToBytes("0000000001")), "00000001");
  EXPECT_EQ(EncodePrefix(absl::HexStringToBytes("8000000000")), "g0000000");
}

TEST(FormatKey, ReadsCnkPrefixAndHexSecretAndParsesBack) {
  const std::string key = FormatKey("k3v9x0ab", kSecret);
  std::string hex;
  for (size_t i = 0; i < kSecretBytes; ++i) hex += "5a";
  EXPECT_EQ(key, "cnk_k3v9x0ab_" + hex);
  EXPECT_EQ(key.size(), 4u + 8u + 1u + 64u);
  std::optional<PresentedKey> parsed = ParseKey(key);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->prefix, "k3v9x0ab");
  EXPECT_EQ(parsed->secret, kSecret);
}

TEST(ParseKey, RefusesEveryOtherSpelling) {
  const std::string good = FormatKey("k3v9x0ab", kSecret);
  std::string upper = good;
  upper[20] = 'A';
  const std::vector<std::string> bad = {
      "",
      "cnk_",
      "xnk_" + good.substr(4),
      good.substr(0, good.size() - 1),
      good + "0",
      good + " ",
      "CNK_" + good.substr(4),
      upper,
      "cnk_k3v9x0a_" + good.substr(12),   // prefix of 7
      "cnk_k3v9x0abu" + good.substr(13),  // no separator
      "cnk_k3v9x0iu_" + good.substr(13),  // letters outside the alphabet
      "cnk_k3v9x0ab_" + std::string(64, 'g'),
  };
  for (const std::string& key : bad) EXPECT_FALSE(ParseKey(key).has_value()) << key;
}

TEST(SecretHash, IsSha256AndMatchesOnlyTheSameSecret) {
  EXPECT_EQ(absl::BytesToHexString(SecretHash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string stored = SecretHash(kSecret);
  EXPECT_TRUE(SecretMatches(kSecret, stored));
  std::string other = kSecret;
  other[31] ^= 1;
  EXPECT_FALSE(SecretMatches(other, stored));
  EXPECT_FALSE(SecretMatches(kSecret, stored.substr(0, 31)));
  EXPECT_FALSE(SecretMatches(kSecret, ""));
}

TEST(StateOf, RevokedBeatsExpiredAndExpiryIsInclusive) {
  EXPECT_EQ(StateOf(std::nullopt, std::nullopt, kNow), ApiKey::ACTIVE);
  EXPECT_EQ(StateOf(std::nullopt, kNow + absl::Seconds(1), kNow), ApiKey::ACTIVE);
  EXPECT_EQ(StateOf(std::nullopt, kNow, kNow), ApiKey::EXPIRED);
  EXPECT_EQ(StateOf(kNow - absl::Hours(1), std::nullopt, kNow), ApiKey::REVOKED);
  EXPECT_EQ(StateOf(kNow - absl::Hours(1), kNow - absl::Hours(2), kNow), ApiKey::REVOKED);
}

TEST(ValidateNewApiKey, AcceptsAPortalKey) {
  EXPECT_TRUE(ValidateNewApiKey(Portal(), kNow).ok()) << ValidateNewApiKey(Portal(), kNow);
  ApiKey expiring = Portal();
  *expiring.mutable_expire_time() = ToTimestamp(kNow + absl::Hours(24 * 90));
  EXPECT_TRUE(ValidateNewApiKey(expiring, kNow).ok());
}

TEST(ValidateNewApiKey, EveryBrokenRuleIsNamed) {
  ApiKey key = Portal();
  key.clear_display_name();
  key.add_scopes(type::v1::SCOPE_READ);
  key.add_scopes(type::v1::SCOPE_UNSPECIFIED);
  *key.mutable_expire_time() = ToTimestamp(kNow);
  EXPECT_EQ(FieldsOf(ValidateNewApiKey(key, kNow)),
            (std::vector<std::string>{"api_key.display_name", "api_key.scopes[2]",
                                      "api_key.scopes[3]", "api_key.expire_time"}));
  EXPECT_EQ(FieldsOf(ValidateNewApiKey(ApiKey(), kNow)),
            (std::vector<std::string>{"api_key.display_name", "api_key.scopes"}));
}

TEST(AuthenticationCacheUntil, IsAMinuteAtMostAndNeverPastTheExpiry) {
  EXPECT_EQ(AuthenticationCacheUntil(std::nullopt, kNow), kNow + absl::Seconds(60));
  EXPECT_EQ(AuthenticationCacheUntil(kNow + absl::Seconds(5), kNow), kNow + absl::Seconds(5));
  EXPECT_EQ(AuthenticationCacheUntil(kNow + absl::Hours(1), kNow), kNow + absl::Seconds(60));
}

TEST(LastUse, IsWrittenOncePerMinuteToTheMinute) {
  const absl::Time minute = absl::FromUnixSeconds(1'700'000'040);  // a whole minute
  EXPECT_EQ(LastUseMark(minute + absl::Seconds(59)), minute);
  EXPECT_TRUE(LastUseDue(std::nullopt, minute));
  EXPECT_FALSE(LastUseDue(minute, minute + absl::Seconds(59)));
  EXPECT_TRUE(LastUseDue(minute, minute + absl::Seconds(60)));
}

TEST(MayManageKeys, OnlyTheOrganisationsAdminKeyOrAnOperator) {
  EXPECT_TRUE(MayManageKeys(KeyOf(kOrganisation, type::v1::SCOPE_ADMIN), kOrganisation).ok());
  EXPECT_TRUE(MayManageKeys(principal::Admin(), kOrganisation).ok());
  for (const Principal& caller :
       {KeyOf(kOrganisation, type::v1::SCOPE_WRITE), KeyOf(kOther, type::v1::SCOPE_ADMIN),
        principal::Service("gateway"), principal::Anonymous()}) {
    absl::Status s = MayManageKeys(caller, kOrganisation);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << caller.DebugString();
  }
}

TEST(MayAuthenticate, OnlyTheGatewayOrAnOperator) {
  EXPECT_TRUE(MayAuthenticate(principal::Service("gateway")).ok());
  EXPECT_TRUE(MayAuthenticate(principal::Admin()).ok());
  for (const Principal& caller :
       {principal::Service("events"), KeyOf(kOrganisation, type::v1::SCOPE_ADMIN),
        principal::Anonymous()}) {
    EXPECT_EQ(MayAuthenticate(caller).code(), absl::StatusCode::kPermissionDenied)
        << caller.DebugString();
  }
}

TEST(InvalidKey, IsUnauthenticatedAndSaysNothingAboutWhy) {
  absl::Status s = InvalidKey();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(s.message(), "the API key is not valid");
}

}  // namespace
}  // namespace coopnet::organisations
