#include "common/time/time.h"

#include <gtest/gtest.h>

namespace coopnet {
namespace {

TEST(Time, TimestampKeepsNanoseconds) {
  const absl::Time t = absl::FromUnixSeconds(1665671400) + absl::Nanoseconds(123456789);
  const google::protobuf::Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1665671400);
  EXPECT_EQ(ts.nanos(), 123456789);
  EXPECT_EQ(ToTime(ts), t);
}

TEST(Time, TimeBeforeTheEpochHasNonNegativeNanos) {
  const absl::Time t = absl::UnixEpoch() - absl::Milliseconds(1500);
  const google::protobuf::Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(ToTime(ts), t);
}

}  // namespace
}  // namespace coopnet
