// Standard Update methods (AIP-134): which fields of a stored resource a FieldMask
// replaces with the patch's.
//
//   Network result = stored;
//   COOPNET_RETURN_IF_ERROR(ApplyFieldMask(patch, request.update_mask(),
//                                          {"name", "etag", "create_time"}, result));
#ifndef COOPNET_SERVICES_ORGANISATIONS_FIELD_MASK_H_
#define COOPNET_SERVICES_ORGANISATIONS_FIELD_MASK_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace coopnet::organisations {

// Replaces in `result` the top-level fields named in `mask` with those of `patch` (of the
// same type); a named field absent from the patch is cleared, and "*" replaces every
// field but `output_only`. INVALID_ARGUMENT naming update_mask, leaving `result` as it
// was, for an empty mask, an unknown field or an output-only one. The result is not
// validated.
absl::Status ApplyFieldMask(const google::protobuf::Message& patch,
                            const google::protobuf::FieldMask& mask,
                            const std::set<std::string>& output_only,
                            google::protobuf::Message& result);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_FIELD_MASK_H_
