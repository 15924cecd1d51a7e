#include "services/gateway/token_bucket.h"

#include "gtest/gtest.h"

namespace coopnet::gateway {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

TEST(TokenBucket, LetsABurstThroughThenTheRate) {
  const BucketPolicy policy{.rate = 2, .burst = 5};
  TokenBucket bucket(policy, kStart);
  EXPECT_EQ(bucket.Take(policy, 10, kStart), 5);
  EXPECT_EQ(bucket.Take(policy, 1, kStart), 0);
  EXPECT_EQ(bucket.Take(policy, 1, kStart + absl::Milliseconds(400)), 0);
  EXPECT_EQ(bucket.Take(policy, 1, kStart + absl::Milliseconds(500)), 1);
  EXPECT_EQ(bucket.Take(policy, 3, kStart + absl::Milliseconds(1500)), 2);
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  const BucketPolicy policy{.rate = 100, .burst = 3};
  TokenBucket bucket(policy, kStart);
  EXPECT_EQ(bucket.Take(policy, 100, kStart + absl::Hours(1)), 3);
  EXPECT_TRUE(bucket.Full(policy, kStart + absl::Hours(1) + absl::Milliseconds(30)));
  EXPECT_FALSE(bucket.Full(policy, kStart + absl::Hours(1) + absl::Milliseconds(20)));
}

TEST(TokenBucket, SaysHowLongUntilTheNextToken) {
  const BucketPolicy policy{.rate = 0.5, .burst = 1};
  TokenBucket bucket(policy, kStart);
  ASSERT_EQ(bucket.Take(policy, 1, kStart), 1);
  ASSERT_EQ(bucket.Take(policy, 1, kStart + absl::Milliseconds(500)), 0);
  EXPECT_EQ(bucket.TimeToToken(policy), absl::Milliseconds(1500));
  EXPECT_EQ(RetryAfterSeconds(bucket.TimeToToken(policy)), 2);
}

TEST(TokenBucket, RetryAfterIsAtLeastOneSecond) {
  EXPECT_EQ(RetryAfterSeconds(absl::Milliseconds(1)), 1);
  EXPECT_EQ(RetryAfterSeconds(absl::ZeroDuration()), 1);
  EXPECT_EQ(RetryAfterSeconds(absl::Seconds(3)), 3);
}

}  // namespace
}  // namespace coopnet::gateway
