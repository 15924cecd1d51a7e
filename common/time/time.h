// Time as the API carries it (google.protobuf.Timestamp) and as the code computes with it
// (absl::Time). Header-only.
#ifndef COOPNET_COMMON_TIME_TIME_H_
#define COOPNET_COMMON_TIME_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace coopnet {

// `t` exactly, nanoseconds included.
inline absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// `t` exactly, as the API carries it (nanos always 0 to 999,999,999).
inline google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const absl::Duration since_epoch = t - absl::UnixEpoch();
  const int64_t seconds = absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1)));
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch - absl::Seconds(seconds))));
  return out;
}

// Now, to the microsecond PostgreSQL keeps, so that what a write answers is what a later
// read of the same row answers.
inline absl::Time NowMicros() { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }

}  // namespace coopnet

#endif  // COOPNET_COMMON_TIME_TIME_H_
