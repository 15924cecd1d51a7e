#include "common/wording/wording.h"

#include <gtest/gtest.h>

#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::wording {
namespace {

using organisations::v1::Organisation;

TEST(Wording, KindTakesItsArticle) {
  EXPECT_EQ(KindPhrase(Organisation::NGO), "an NGO");
  EXPECT_EQ(KindPhrase(Organisation::MUNICIPALITY), "a municipality");
  EXPECT_EQ(KindPhrase(Organisation::EDUCATION), "an educational institution");
  EXPECT_EQ(KindPhrase(Organisation::OTHER), "an organisation of another kind");
  EXPECT_EQ(KindPhrase(Organisation::KIND_UNSPECIFIED), "of no stated kind");
}

TEST(Wording, EveryKindHasItsOwnPhrase) {
  const google::protobuf::EnumDescriptor* kinds = Organisation::Kind_descriptor();
  for (int i = 0; i < kinds->value_count(); ++i) {
    const int kind = kinds->value(i)->number();
    if (kind == Organisation::KIND_UNSPECIFIED) continue;
    EXPECT_NE(KindPhrase(kind), "of no stated kind") << kinds->value(i)->name();
  }
}

TEST(Wording, ListsReadAsWritten) {
  EXPECT_EQ(ListOf({}, "or"), "");
  EXPECT_EQ(ListOf({"DK"}, "or"), "DK");
  EXPECT_EQ(ListOf({"DK", "SE"}, "or"), "DK or SE");
  EXPECT_EQ(ListOf({"DK", "SE", "NO"}, "and"), "DK, SE and NO");
}

}  // namespace
}  // namespace coopnet::wording
