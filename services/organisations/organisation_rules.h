// The rules an organisation must keep, as pure functions: what a valid organisation is,
// which identifiers are well formed, and how an update mask applies. No I/O, so every
// rule has a unit test and the handler only strings them together.
#ifndef COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_RULES_H_
#define COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/validate/messages.h"
#include "common/validate/validate.h"
#include "coopnet/organisations/v1/organisations.pb.h"
#include "coopnet/type/v1/principal.pb.h"
#include "google/protobuf/field_mask.pb.h"

namespace coopnet::organisations {

using v1::Identifier;
using v1::Organisation;

inline constexpr size_t kMaxDisplayName = 200;
inline constexpr size_t kMaxLegalName = 300;
inline constexpr size_t kMaxCity = 100;
inline constexpr size_t kMaxDescription = 10000;
inline constexpr int kMaxIdentifiers = 20;
inline constexpr int kMaxListEntries = 30;

// Every writable field of `organisation` keeps its rule; the error names each broken one
// under `prefix` (e.g. "organisation.country"). Output-only fields are not looked at.
absl::Status ValidateOrganisation(const Organisation& organisation,
                                  absl::string_view prefix = "organisation");

// The identifier is well formed for its scheme: PIC is 9 digits, OID is `E` + 8 digits,
// VAT is a country prefix and 2 to 13 letters or digits, org-id.guide schemes
// (`DK-CVR`, `PL-KRS`, `SE-ON`, `NO-BRC`, ...) have their register's shape.
absl::Status ValidateIdentifier(absl::string_view field, const Identifier& identifier);

// OK for an operator (principal::IsAdmin); PERMISSION_DENIED (reason NOT_OPERATOR) for
// anybody else, an organisation's admin-scoped key included: only operators check claims
// to identifiers in their registers.
absl::Status RequireOperator(const type::v1::Principal& caller);

// The claim of `organisation` to `identifier` (compared by scheme and value; its state is
// not looked at). NOT_FOUND (reason IDENTIFIER_NOT_CLAIMED) naming `field` when the
// organisation does not claim it.
absl::StatusOr<Identifier> ClaimOf(const Organisation& organisation, const Identifier& identifier,
                                   absl::string_view field);

// `stored` with the fields named in `mask` taken from `patch` ("*" takes every writable
// field). INVALID_ARGUMENT naming update_mask for an empty mask, an unknown field or an
// output-only one. The result is not validated: call ValidateOrganisation on it.
absl::StatusOr<Organisation> ApplyUpdateMask(const Organisation& stored, const Organisation& patch,
                                             const google::protobuf::FieldMask& mask);

}  // namespace coopnet::organisations

#endif  // COOPNET_SERVICES_ORGANISATIONS_ORGANISATION_RULES_H_
