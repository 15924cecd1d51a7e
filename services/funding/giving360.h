// Awards in the 360Giving Data Standard's JSON shape, so that funders publish what they
// granted where grant-makers' data is read (GrantNav and the like).
//
//   std::string json = GrantsJson(awards, {.id_prefix = "360G-coopnet",
//                                          .organisations = profiles,
//                                          .programmes = programmes});
#ifndef COOPNET_SERVICES_FUNDING_GIVING360_H_
#define COOPNET_SERVICES_FUNDING_GIVING360_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "coopnet/funding/v1/funding.pb.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::funding {

struct GrantsContext {
  // The publisher's 360Giving prefix (`360G-` and its own part): grant ids are
  // `<prefix>-<award id>`, and organisations without a registered identifier get
  // `<prefix>-<organisation id>`.
  std::string id_prefix;
  // Funders' and recipients' profiles by name; a missing one is named by its id alone.
  std::map<std::string, organisations::v1::Organisation> organisations;
  // The awards' programmes by name.
  std::map<std::string, v1::Programme> programmes;
};

// `{"grants": [...]}` with, per award: id, title, description (the purpose, or the
// title), currency, amountAwarded, awardDate, recipientOrganization and
// fundingOrganization (id and name; the id from an org-id.guide identifier such as
// PL-KRS-0000123456 when the profile has one), grantProgramme, plannedDates and
// beneficiaryLocation.
std::string GrantsJson(const std::vector<v1::Award>& awards, const GrantsContext& context);

// The org-id.guide style identifier of `organisation` (`DK-CVR-12345678`) when its
// profile has a VERIFIED one in such a scheme, else `<prefix>-<id>`: a published grant
// never names a recipient by a number anyone could have claimed.
std::string OrganisationIdentifier(const organisations::v1::Organisation& organisation,
                                   absl::string_view name, absl::string_view id_prefix);

}  // namespace coopnet::funding

#endif  // COOPNET_SERVICES_FUNDING_GIVING360_H_
