// What WatchFunding streams: the FundingChange each entry of the service's Redis stream
// holds (see common/outbox/watch.h for the streaming itself).
#ifndef COOPNET_SERVICES_FUNDING_FUNDING_WATCH_H_
#define COOPNET_SERVICES_FUNDING_FUNDING_WATCH_H_

#include <optional>

#include "common/outbox/stream.h"
#include "coopnet/funding/v1/funding.pb.h"

namespace coopnet::funding {

// The FundingChange a stream entry holds, or nullopt for a type this version does not
// know (a newer replica wrote it) or a payload that does not parse.
std::optional<v1::FundingChange> DecodeChange(const outbox::StreamEntry& entry);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_FUNDING_WATCH_H_
