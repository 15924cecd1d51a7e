// Time as the API carries it (google.protobuf.Timestamp) and as the code computes with it
// (absl::Time). Header-only.
#ifndef COOPNET_COMMON_TIME_TIME_H_
#define COOPNET_COMMON_TIME_TIME_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace coopnet {

// `t` exactly, nanoseconds included.
inline absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace coopnet

#endif  // COOPNET_COMMON_TIME_TIME_H_
