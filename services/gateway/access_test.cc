#include "services/gateway/access.h"

#include "common/status/status.h"
#include "gtest/gtest.h"

namespace coopnet::gateway {
namespace {

using type::v1::Scope;

api::v1::MethodPolicy Policy(Scope scope, bool anonymous) {
  api::v1::MethodPolicy policy;
  policy.set_scope(scope);
  policy.set_anonymous(anonymous);
  return policy;
}

std::string ReasonOf(const absl::Status& status) {
  auto info = status::GetErrorInfo(status);
  return info ? info->reason() : "";
}

TEST(Authorise, LetsAnybodyReadPublicData) {
  const auto read = Policy(type::v1::SCOPE_READ, /*anonymous=*/true);
  EXPECT_TRUE(Authorise(read, principal::Anonymous("203.0.113.9")).ok());
  EXPECT_TRUE(Authorise(read, principal::ApiKey("organisations/a", "organisations/a/apiKeys/k",
                                                {type::v1::SCOPE_REGISTRATIONS}))
                  .ok());
}

TEST(Authorise, AsksAnonymousCallersForAKey) {
  absl::Status refused =
      Authorise(Policy(type::v1::SCOPE_WRITE, false), principal::Anonymous("203.0.113.9"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(refused), "API_KEY_REQUIRED");
}

TEST(Authorise, RefusesAKeyWithoutTheScope) {
  const auto reader =
      principal::ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_READ});
  absl::Status refused = Authorise(Policy(type::v1::SCOPE_WRITE, false), reader);
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refused), "SCOPE_MISSING");
  EXPECT_NE(refused.message().find("SCOPE_WRITE"), absl::string_view::npos);
  const auto admin =
      principal::ApiKey("organisations/a", "organisations/a/apiKeys/k", {type::v1::SCOPE_ADMIN});
  EXPECT_TRUE(Authorise(Policy(type::v1::SCOPE_WRITE, false), admin).ok());
  EXPECT_TRUE(Authorise(Policy(type::v1::SCOPE_ADMIN, false), principal::Admin()).ok());
  EXPECT_TRUE(Authorise(Policy(type::v1::SCOPE_UNSPECIFIED, false), reader).ok());
}

TEST(RetryAfterOf, ReadsTheSecondsOfARateLimit) {
  EXPECT_EQ(RetryAfterOf(status::Error(absl::StatusCode::kResourceExhausted, "RATE_LIMITED", "x",
                                       {{"retry_after_seconds", "3"}})),
            3);
  EXPECT_EQ(RetryAfterOf(absl::ResourceExhaustedError("queue full")), 0);
  EXPECT_EQ(RetryAfterOf(absl::NotFoundError("x")), 0);
}

}  // namespace
}  // namespace coopnet::gateway
