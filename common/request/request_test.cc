#include "common/request/request.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "common/principal/principal.h"
#include "coopnet/organisations/v1/organisations.pb.h"

namespace coopnet::request {
namespace {

using organisations::v1::ListOrganisationsRequest;

TEST(ValidateRequestId, TakesAUuidAndNothingElse) {
  EXPECT_TRUE(ValidateRequestId("").ok());
  EXPECT_TRUE(ValidateRequestId("4f2c1b9e-7d3a-4c1e-9b8f-2a6d5e0c7b13").ok());
  EXPECT_TRUE(ValidateRequestId("kofoeds_skole-2022").ok());
  for (const char* bad : {"has space", "ø", "a/b", "x\n"}) {
    absl::Status s = ValidateRequestId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("request_id"), absl::string_view::npos) << s;
  }
  EXPECT_FALSE(ValidateRequestId(std::string(65, 'a')).ok());
}

TEST(RequireScope, NamesTheMissingScope) {
  const auto reader =
      principal::ApiKey("organisations/1", "organisations/1/apiKeys/2", {type::v1::SCOPE_READ});
  EXPECT_TRUE(RequireScope(reader, type::v1::SCOPE_READ).ok());
  absl::Status s = RequireScope(reader, type::v1::SCOPE_WRITE);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("write scope"), absl::string_view::npos) << s;
  EXPECT_TRUE(RequireScope(principal::Admin(), type::v1::SCOPE_WRITE).ok());
}

TEST(RequestKeyOf, TiesTheIdToCallerMethodAndRequest) {
  ListOrganisationsRequest request;
  request.add_countries("DK");
  EXPECT_FALSE(RequestKeyOf(principal::Admin(), "M", "", request).has_value());

  const auto key = RequestKeyOf(principal::Admin(), "M", "r1", request);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->request_id, "r1");
  // The same request hashes the same; another request or caller or method does not.
  EXPECT_EQ(RequestKeyOf(principal::Admin(), "M", "r1", request)->request_hash, key->request_hash);
  ListOrganisationsRequest other = request;
  other.add_countries("PL");
  EXPECT_NE(RequestKeyOf(principal::Admin(), "M", "r1", other)->request_hash, key->request_hash);
  EXPECT_NE(RequestKeyOf(principal::Service("events"), "M", "r1", request)->scope, key->scope);
  EXPECT_NE(RequestKeyOf(principal::Admin(), "N", "r1", request)->scope, key->scope);
}

TEST(RequestKeyOf, TellsAnonymousClientsApartByAddress) {
  ListOrganisationsRequest request;
  const auto first = RequestKeyOf(principal::Anonymous("198.51.100.7"), "M", "r1", request);
  const auto again = RequestKeyOf(principal::Anonymous("198.51.100.7"), "M", "r1", request);
  const auto other = RequestKeyOf(principal::Anonymous("203.0.113.9"), "M", "r1", request);
  EXPECT_EQ(first->scope, again->scope);
  EXPECT_NE(first->scope, other->scope);
  EXPECT_EQ(first->request_hash, other->request_hash);
}

TEST(ListFingerprint, IgnoresPagingOnly) {
  ListOrganisationsRequest first;
  first.add_countries("NO");
  ListOrganisationsRequest next = first;
  next.set_page_size(10);
  next.set_page_token("abc");
  EXPECT_EQ(ListFingerprint(first), ListFingerprint(next));
  next.add_countries("SE");
  EXPECT_NE(ListFingerprint(first), ListFingerprint(next));
}

TEST(Sha256, MatchesTheStandardVector) {
  EXPECT_EQ(absl::BytesToHexString(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace coopnet::request
