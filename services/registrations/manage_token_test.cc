#include "services/registrations/manage_token.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace coopnet::registrations {
namespace {

const principal::HmacKey kSigner("a-secret-that-is-long-enough-for-hmac-sha256");

TEST(ManageToken, OpensItsOwnRegistrationOnly) {
  const std::string token = ManageToken(kSigner, "events/e1/registrations/r1");
  EXPECT_TRUE(absl::StartsWith(token, "cnr_"));
  EXPECT_EQ(token.size(), 4 + 43);
  EXPECT_TRUE(IsManageToken(kSigner, "events/e1/registrations/r1", token));
  EXPECT_FALSE(IsManageToken(kSigner, "events/e1/registrations/r2", token));
  EXPECT_FALSE(IsManageToken(kSigner, "events/e1/registrations/r1", ""));
  EXPECT_FALSE(IsManageToken(kSigner, "events/e1/registrations/r1", token.substr(1)));
}

TEST(ManageToken, IsTheSameEveryTimeSoARetryCanShowItAgain) {
  EXPECT_EQ(ManageToken(kSigner, "events/e1/registrations/r1"),
            ManageToken(kSigner, "events/e1/registrations/r1"));
}

TEST(ManageToken, DependsOnTheSecret) {
  const principal::HmacKey other("another-secret-that-is-long-enough-for-hmac");
  EXPECT_FALSE(IsManageToken(other, "events/e1/registrations/r1",
                             ManageToken(kSigner, "events/e1/registrations/r1")));
}

TEST(ManageToken, CannotPassForASignedPrincipal) {
  // The same secret signs principals; a token's bytes never parse as one.
  principal::Principal parsed;
  EXPECT_FALSE(
      parsed.ParseFromString("coopnet.registrations.manage-token\nevents/e1/registrations/r1"));
}

}  // namespace
}  // namespace coopnet::registrations
