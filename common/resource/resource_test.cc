#include "common/resource/resource.h"

#include <gtest/gtest.h>

#include <set>

namespace coopnet::resource {
namespace {

TEST(Ids, AreUrlSafeAndOrderedByCreationTime) {
  const absl::Time t = absl::FromUnixMillis(1'790'000'000'000);
  std::string earlier = NewId(t);
  std::string later = NewId(t + absl::Milliseconds(1));
  EXPECT_LT(earlier, later);
  EXPECT_TRUE(IsId(earlier));
  EXPECT_EQ(earlier.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos);
}

TEST(Ids, MadeInTheSameMillisecondStillSortInOrder) {
  const absl::Time t = absl::Now() + absl::Hours(1);
  std::string previous = NewId(t);
  for (int i = 0; i < 10000; ++i) {
    std::string next = NewId(t);
    ASSERT_LT(previous, next);
    previous = next;
  }
}

TEST(Ids, DoNotCollide) {
  std::set<std::string> ids;
  const absl::Time t = absl::Now();
  for (int i = 0; i < 100000; ++i) ids.insert(NewId(t));
  EXPECT_EQ(ids.size(), 100000u);
}

TEST(Names, ParseGivesTheIdOrNamesTheFieldAndShape) {
  std::string id = NewId();
  EXPECT_EQ(*ParseName("name", "organisations/" + id, "organisations"), id);
  absl::Status wrong = ParseName("name", "events/" + id, "organisations").status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.message().find("name must be a resource name organisations/{id}"),
            std::string::npos);
  EXPECT_FALSE(ParseName("name", "organisations/../x", "organisations").ok());
  EXPECT_FALSE(ParseName("name", "", "organisations").ok());
}

TEST(ParseChildName, ReturnsParentAndChildIdsOfTheRightShapeOnly) {
  const std::string network = NewId();
  const std::string member = NewId();
  auto ids =
      ParseChildName("name", "networks/" + network + "/members/" + member, "networks", "members");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->first, network);
  EXPECT_EQ(ids->second, member);
  absl::Status wrong =
      ParseChildName("name", "networks/" + network, "networks", "members").status();
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.message().find("name must be a resource name networks/{id}/members/{id}"),
            std::string::npos);
  EXPECT_FALSE(
      ParseChildName("name", "networks/" + network + "/apiKeys/" + member, "networks", "members")
          .ok());
  EXPECT_FALSE(ParseChildName("name", "networks/" + network + "/members/" + member + "/x",
                              "networks", "members")
                   .ok());
  EXPECT_FALSE(ParseChildName("name", "", "networks", "members").ok());
}

TEST(PageSize, DefaultsClampsAndRefusesNegative) {
  EXPECT_EQ(*PageSize(0), kDefaultPageSize);
  EXPECT_EQ(*PageSize(10), 10);
  EXPECT_EQ(*PageSize(100000), kMaxPageSize);
  EXPECT_EQ(PageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageToken, RoundTripsForTheSameQueryOnly) {
  std::string token = EncodePageToken("country=DK", "01jdz5c7m3xq");
  EXPECT_EQ(*DecodePageToken(token, "country=DK"), "01jdz5c7m3xq");
  EXPECT_EQ(*DecodePageToken("", "country=DK"), "");
  absl::Status other = DecodePageToken(token, "country=PL").status();
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(other.message().find("page_token"), std::string::npos);
  EXPECT_FALSE(DecodePageToken("not a token!", "country=DK").ok());
}

TEST(Etag, RoundTripsAndRefusesForeignValues) {
  EXPECT_EQ(*RevisionOfEtag("etag", Etag(7)), 7);
  EXPECT_FALSE(RevisionOfEtag("etag", "7").ok());
  EXPECT_FALSE(RevisionOfEtag("etag", "r-1").ok());
}

TEST(ResourceName, IdIsWhatTheNameEndsWith) {
  EXPECT_EQ(IdOf("calls/01jdz5c7m3"), "01jdz5c7m3");
  EXPECT_EQ(IdOf("events/1/registrations/2"), "2");
  EXPECT_EQ(IdOf("01jdz5c7m3"), "01jdz5c7m3");
  EXPECT_EQ(IdOf(""), "");
  EXPECT_EQ(IdOf(Name("series", "x7")), "x7");
}

}  // namespace
}  // namespace coopnet::resource
