#include "services/gateway/stream_quota.h"

#include <gtest/gtest.h>

#include <vector>

namespace coopnet::gateway {
namespace {

using principal::Principal;

TEST(StreamQuota, AKeyHoldsAtMostItsStreamsAndGetsThemBackWhenClosed) {
  StreamQuota quota({.per_key = 2, .per_address = 1});
  const Principal key = principal::ApiKey("organisations/a", "organisations/a/apiKeys/k", {});
  const Principal other = principal::ApiKey("organisations/b", "organisations/b/apiKeys/k", {});
  absl::StatusOr<StreamQuota::Slot> first = quota.Open(key);
  absl::StatusOr<StreamQuota::Slot> second = quota.Open(key);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  const absl::StatusOr<StreamQuota::Slot> third = quota.Open(key);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(quota.Open(other).ok());
  first = absl::UnknownError("closed");  // the slot goes back
  EXPECT_TRUE(quota.Open(key).ok());
}

TEST(StreamQuota, AnonymousCallersShareTheirAddresssSlash64) {
  StreamQuota quota({.per_key = 2, .per_address = 1});
  absl::StatusOr<StreamQuota::Slot> held = quota.Open(principal::Anonymous("2001:db8:1:2::1"));
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(quota.Open(principal::Anonymous("2001:db8:1:2::99")).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(quota.Open(principal::Anonymous("2001:db8:1:3::1")).ok());
  EXPECT_TRUE(quota.Open(principal::Anonymous("203.0.113.9")).ok());
}

TEST(StreamQuota, OperatorsAreNotLimited) {
  StreamQuota quota({.per_key = 1, .per_address = 1});
  std::vector<StreamQuota::Slot> slots;
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<StreamQuota::Slot> slot = quota.Open(principal::Admin());
    ASSERT_TRUE(slot.ok());
    slots.push_back(*std::move(slot));
  }
  EXPECT_EQ(quota.open(), 10);
  slots.clear();
  EXPECT_EQ(quota.open(), 0);
}

}  // namespace
}  // namespace coopnet::gateway
