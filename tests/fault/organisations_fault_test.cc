// The organisations service while its servers fail: each test starts PostgreSQL and
// Redis of its own, so it may stop and restart them under a running service.
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/harness/organisations_stack.h"
#include "tests/harness/servers.h"

namespace coopnet::organisations {
namespace {

using testing::OrganisationsStack;
using v1::Organisation;

class FaultTest : public ::testing::Test {
 protected:
  FaultTest() : stack_(pg_.dsn("postgres"), redis_.address()), stub_(stack_.Stub()) {}

  grpc::Status Create(const std::string& display_name, Organisation* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::CreateOrganisationRequest request;
    request.mutable_organisation()->set_display_name(display_name);
    request.mutable_organisation()->set_kind(Organisation::NGO);
    request.mutable_organisation()->set_country("DK");
    return stub_->CreateOrganisation(&context, request, out);
  }

  grpc::Status Get(const std::string& name, Organisation* out) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous());
    v1::GetOrganisationRequest request;
    request.set_name(name);
    return stub_->GetOrganisation(&context, request, out);
  }

  grpc::Status Rename(const std::string& name, const std::string& display_name) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Admin());
    v1::UpdateOrganisationRequest request;
    request.mutable_organisation()->set_name(name);
    request.mutable_organisation()->set_display_name(display_name);
    request.mutable_update_mask()->add_paths("display_name");
    Organisation out;
    return stub_->UpdateOrganisation(&context, request, &out);
  }

  grpc::Status List(v1::ListOrganisationsResponse* out,
                    absl::Duration deadline = absl::Seconds(10)) {
    grpc::ClientContext context;
    OrganisationsStack::Sign(context, principal::Anonymous());
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    return stub_->ListOrganisations(&context, v1::ListOrganisationsRequest(), out);
  }

  testing::PostgresServer pg_;
  testing::RedisServer redis_;
  OrganisationsStack stack_;
  std::unique_ptr<v1::OrganisationService::Stub> stub_;
};

TEST_F(FaultTest, RedisStoppedReadsAndWritesStillAnswerFromPostgres) {
  Organisation created;
  ASSERT_TRUE(Create("NGO Netværk for Internationalt Projektarbejde", &created).ok());
  Organisation read;
  ASSERT_TRUE(Get(created.name(), &read).ok());  // cached now

  redis_.Stop();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Get(created.name(), &read).ok()) << "read " << i;
    EXPECT_EQ(read.display_name(), "NGO Netværk for Internationalt Projektarbejde");
  }
  ASSERT_TRUE(Rename(created.name(), "NGO-netværket").ok());
  ASSERT_TRUE(Get(created.name(), &read).ok());
  EXPECT_EQ(read.display_name(), "NGO-netværket");
  Organisation other;
  EXPECT_TRUE(Create("Wistifonden", &other).ok());
  EXPECT_GT(stack_.cache().errors(), 0);

  // Redis comes back empty; reads use it again and stay right.
  redis_.Start();
  const int64_t hits_before = stack_.cache().hits();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (stack_.cache().hits() == hits_before && absl::Now() < deadline) {
    ASSERT_TRUE(Get(created.name(), &read).ok());
    EXPECT_EQ(read.display_name(), "NGO-netværket");
  }
  EXPECT_GT(stack_.cache().hits(), hits_before) << "the cache was not used again";
}

TEST_F(FaultTest, PostgresRestartedNextCallsSucceedAfterReconnect) {
  Organisation created;
  ASSERT_TRUE(Create("Kofoeds Skole", &created).ok());
  v1::ListOrganisationsResponse page;
  ASSERT_TRUE(List(&page).ok());

  pg_.Restart();
  // Every pooled connection is stale now; none of these may fail.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(List(&page).ok()) << "list " << i;
    EXPECT_EQ(page.organisations_size(), 1 + i);
    Organisation another;
    ASSERT_TRUE(Create(absl::StrCat("Forening ", i), &another).ok()) << "create " << i;
  }
  ASSERT_TRUE(Rename(created.name(), "Kofoeds Skole, København").ok());
}

// Down for longer than the call may take: UNAVAILABLE, before the call's deadline.
TEST_F(FaultTest, PostgresDownLongerThanTheCallIsUnavailableAndRecovers) {
  Organisation created;
  ASSERT_TRUE(Create("Hordaland fylkeskommune", &created).ok());
  pg_.Stop();
  v1::ListOrganisationsResponse page;
  const absl::Time before = absl::Now();
  grpc::Status down = List(&page, absl::Seconds(2));
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  EXPECT_LT(absl::Now() - before, absl::Seconds(2));
  pg_.Start();
  EXPECT_TRUE(List(&page).ok());
  EXPECT_EQ(page.organisations_size(), 1);
}

// A restart within the call's deadline costs the call nothing: it waits for the server.
TEST_F(FaultTest, PostgresRestartWithinTheCallsDeadlineFailsNoCall) {
  Organisation created;
  ASSERT_TRUE(Create("Region Örebro län", &created).ok());
  pg_.Stop();
  std::thread restart([&] {
    absl::SleepFor(absl::Seconds(1));  // the restart's downtime
    pg_.Start();
  });
  v1::ListOrganisationsResponse page;
  const grpc::Status listed = List(&page, absl::Seconds(15));
  Organisation renamed;
  const grpc::Status written = Create("Kujawsko-Pomorskie", &renamed);
  restart.join();
  EXPECT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(page.organisations_size(), 1);
  EXPECT_TRUE(written.ok()) << written.error_message();
}

}  // namespace
}  // namespace coopnet::organisations
