#include "services/funding/giving360.h"

#include <gtest/gtest.h>

namespace coopnet::funding {
namespace {

using organisations::v1::Identifier;
using organisations::v1::Organisation;

constexpr char kName[] = "organisations/01jdz5c7m3aaaaaaaaaaaaaaaa";

Organisation Holding(Identifier::State state) {
  Organisation o;
  Identifier& pic = *o.add_identifiers();
  pic.set_scheme("PIC");
  pic.set_value("949685493");
  pic.set_state(Identifier::VERIFIED);
  Identifier& krs = *o.add_identifiers();
  krs.set_scheme("PL-KRS");
  krs.set_value("0000312586");
  krs.set_state(state);
  return o;
}

TEST(Giving360, ARecipientIsNamedByItsVerifiedRegisterNumber) {
  EXPECT_EQ(OrganisationIdentifier(Holding(Identifier::VERIFIED), kName, "360G-coopnet"),
            "PL-KRS-0000312586");
}

TEST(Giving360, AnUnverifiedClaimIsNeverPublished) {
  EXPECT_EQ(OrganisationIdentifier(Holding(Identifier::UNVERIFIED), kName, "360G-coopnet"),
            "360G-coopnet-01jdz5c7m3aaaaaaaaaaaaaaaa");
}

}  // namespace
}  // namespace coopnet::funding
