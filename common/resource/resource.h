// coopnet::resource — what every resource-oriented method shares: server-made ids,
// resource names, page sizes and keyset page tokens, etags (after Google's AIPs).
//
//   std::string id = resource::NewId();                         // "01jdz5c7m3..."
//   COOPNET_ASSIGN_OR_RETURN(std::string id,
//       resource::ParseName("name", request.name(), "organisations"));
//   COOPNET_ASSIGN_OR_RETURN(int size, resource::PageSize(request.page_size()));
//   COOPNET_ASSIGN_OR_RETURN(std::string after,
//       resource::DecodePageToken(request.page_token(), fingerprint));
#ifndef COOPNET_COMMON_RESOURCE_RESOURCE_H_
#define COOPNET_COMMON_RESOURCE_RESOURCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/validate/validate.h"

namespace coopnet::resource {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// A new id: 26 characters of lower-case Crockford base32, URL-safe, opaque to callers,
// and ordered by creation time (48 bits of milliseconds, then 80 random bits), so that
// keyset pages in id order are pages in creation order.
std::string NewId(absl::Time now = absl::Now());

// True for a string NewId could have made.
bool IsId(absl::string_view id);

// The id in `name` = "<collection>/<id>", or INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view name,
                                      absl::string_view collection);

// The ids in `name` = "<parent_collection>/<parent id>/<collection>/<id>"
// (`networks/{network}/members/{id}`), parent first, or INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::pair<std::string, std::string>> ParseChildName(
    absl::string_view field, absl::string_view name, absl::string_view parent_collection,
    absl::string_view collection);

// "<collection>/<id>".
std::string Name(absl::string_view collection, absl::string_view id);

// The id a name ends with (`calls/01jd...` -> `01jd...`, `events/1/registrations/2` ->
// `2`), for a name already checked (ParseName) or made here; a name without '/' is its
// own id, and "" stays "".
std::string IdOf(absl::string_view name);

// `requested` with the default for 0 and larger values clamped to kMaxPageSize;
// INVALID_ARGUMENT for a negative size.
absl::StatusOr<int> PageSize(int32_t requested);

// An opaque token for the page after `last_key`. `fingerprint` identifies the query's
// filters, so a token is refused when used with different ones.
std::string EncodePageToken(absl::string_view fingerprint, absl::string_view last_key);

// The key after which the page starts: "" for an empty token (the first page);
// INVALID_ARGUMENT naming page_token for a malformed token or one from another query.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view fingerprint);

// The etag of a resource at `revision`, and the revision an etag names.
std::string Etag(int64_t revision);
absl::StatusOr<int64_t> RevisionOfEtag(absl::string_view field, absl::string_view etag);

// The revision a write expects to change: nullopt for an empty etag (no precondition),
// otherwise as RevisionOfEtag.
absl::StatusOr<std::optional<int64_t>> ExpectedRevision(absl::string_view field,
                                                        absl::string_view etag);

// Records in `v` a filter `name` that is not "<collection>/{id}" (empty is no filter).
void CheckNameFilter(validate::Violations& v, absl::string_view field, absl::string_view name,
                     absl::string_view collection);

}  // namespace coopnet::resource

#endif  // COOPNET_COMMON_RESOURCE_RESOURCE_H_
