#include "services/gateway/answer_cache.h"

#include <gtest/gtest.h>

#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::gateway {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

TEST(AnswerCache, GivesAnAnswerAgainUntilItsTimeIsUp) {
  AnswerCache cache({.ttl = absl::Seconds(1)});
  EXPECT_FALSE(cache.Find("GetEvent events/1", kNoon).has_value());
  cache.Keep("GetEvent events/1", "bytes of the meeting", kNoon);
  EXPECT_EQ(cache.Find("GetEvent events/1", kNoon + absl::Milliseconds(999)),
            "bytes of the meeting");
  EXPECT_FALSE(cache.Find("GetEvent events/2", kNoon).has_value());
  EXPECT_FALSE(cache.Find("GetEvent events/1", kNoon + absl::Seconds(1)).has_value());
}

TEST(AnswerCache, ZeroTimeKeepsNothing) {
  AnswerCache cache({.ttl = absl::ZeroDuration()});
  EXPECT_FALSE(cache.enabled());
  cache.Keep("k", "v", kNoon);
  EXPECT_FALSE(cache.Find("k", kNoon).has_value());
}

TEST(AnswerCache, LargeAnswersAreNotKept) {
  AnswerCache cache({.ttl = absl::Seconds(1), .max_answer_bytes = 4});
  cache.Keep("small", "1234", kNoon);
  cache.Keep("large", "12345", kNoon);
  EXPECT_TRUE(cache.Find("small", kNoon).has_value());
  EXPECT_FALSE(cache.Find("large", kNoon).has_value());
}

TEST(AnswerCache, StaysWithinItsBytesHoweverManyQuestions) {
  AnswerCache cache({.ttl = absl::Seconds(1), .max_bytes = 256 * 1024});
  for (int i = 0; i < 20000; ++i) {
    cache.Keep(AnswerCache::KeyOf({"GetEvent", std::to_string(i)}), std::string(1000, 'x'), kNoon);
    ASSERT_LE(cache.bytes(), 256u * 1024);
  }
  // The latest is always there.
  EXPECT_TRUE(cache.Find(AnswerCache::KeyOf({"GetEvent", "19999"}), kNoon).has_value());
}

TEST(AnswerCache, KeysAreDigestsOfTheirParts) {
  const std::string key = AnswerCache::KeyOf({"GetEvent", std::string(1 << 20, 'x')});
  EXPECT_EQ(key.size(), 32u);
  EXPECT_NE(AnswerCache::KeyOf({"a", "bc"}), AnswerCache::KeyOf({"ab", "c"}));
  EXPECT_EQ(AnswerCache::KeyOf({"a", "bc"}), AnswerCache::KeyOf({"a", "bc"}));
}

TEST(CanonicalRequest, IsTheRequestSerialisedAgain) {
  organisations::v1::GetOrganisationRequest request;
  request.set_name("organisations/1");
  const std::optional<std::string> canonical =
      CanonicalRequest(request, request.SerializeAsString());
  ASSERT_TRUE(canonical.has_value());
  EXPECT_EQ(*canonical, request.SerializeAsString());
  // The same field twice: the last wins, and the question is the same.
  organisations::v1::GetOrganisationRequest first;
  first.set_name("organisations/0");
  EXPECT_EQ(CanonicalRequest(request, first.SerializeAsString() + request.SerializeAsString()),
            canonical);
  EXPECT_FALSE(CanonicalRequest(request, "\xff\xff").has_value());
}

TEST(CanonicalRequest, RefusesRequestsWithUnknownFieldsAtAnyDepth) {
  organisations::v1::GetOrganisationRequest request;
  request.set_name("organisations/1");
  // Field 999, a string of padding: not a field of the request.
  const std::string padding = std::string("\xba\x3e\x05", 3) + "hello";
  EXPECT_FALSE(CanonicalRequest(request, request.SerializeAsString() + padding).has_value());

  organisations::v1::UpdateOrganisationRequest update;
  update.mutable_organisation()->set_name("organisations/1");
  update.mutable_organisation()
      ->GetReflection()
      ->MutableUnknownFields(update.mutable_organisation())
      ->AddVarint(999, 1);
  EXPECT_FALSE(CanonicalRequest(update, update.SerializeAsString()).has_value());
}

}  // namespace
}  // namespace coopnet::gateway
