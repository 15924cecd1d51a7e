// The open calls MatchCalls keeps in memory, against the real database: what a replica
// sees of calls written elsewhere, and when.
#include <gtest/gtest.h>

#include "absl/strings/strip.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/time/time.h"
#include "services/funding/open_calls.h"
#include "services/funding/process.h"
#include "tests/harness/funding_seeds.h"
#include "tests/harness/servers.h"

namespace coopnet::funding {
namespace {

namespace seeds = testing::seeds;
using v1::Call;

class OpenCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = pg::Pool::Create({.dsn = db_.dsn(), .size = 2});
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pg::Migrate(*pool_, Migrations()).ok());
    store_ = std::make_unique<FundingStore>(*pool_, Options().stream);
    auto programme = store_->CreateProgramme(seeds::ErasmusPlus(kCommission), std::nullopt);
    ASSERT_TRUE(programme.ok()) << programme.status();
    programme_ = programme->name();
  }

  // A published call (written as another replica would: nobody tells OpenCalls) whose
  // deadline is `deadline_in` from now.
  std::string Publish(const std::string& identifier, absl::Duration deadline_in) {
    Call call = seeds::ErasmusMobility(programme_);
    call.set_identifier(identifier);
    const absl::Time now = absl::Now();
    *call.mutable_open_time() = ToTimestamp(now - absl::Hours(24));
    *call.mutable_deadline() = ToTimestamp(now + deadline_in);
    auto created = store_->CreateCall(call, std::nullopt);
    EXPECT_TRUE(created.ok()) << created.status();
    Edit(created->name(), [](Call& c) { c.mutable_publish_time()->set_seconds(1'600'000'000); });
    return created->name();
  }

  void Edit(const std::string& name, const std::function<void(Call&)>& change) {
    CallEdit edit;
    edit.apply = [&](const Call& stored) -> absl::StatusOr<Call> {
      Call changed = stored;
      change(changed);
      return changed;
    };
    const std::string id(absl::StripPrefix(name, "calls/"));
    ASSERT_TRUE(store_->EditCall(id, std::nullopt, std::nullopt, edit).ok());
  }

  static bool Holds(const OpenCalls::Snapshot& snapshot, const std::string& name) {
    return snapshot.contains(name);
  }

  static constexpr char kCommission[] = "organisations/01hcommission0000000000000";
  testing::TestDatabase db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<FundingStore> store_;
  std::string programme_;
};

TEST_F(OpenCallsTest, FollowsCallsWrittenElsewhereWhenTheGenerationMoves) {
  const std::string mobility = Publish("EAC-A01", absl::Hours(240));
  const std::string closed = Publish("EAC-A00", absl::Hours(-1) + absl::Minutes(1));
  OpenCalls open(*store_, {});
  auto first = open.At(/*generation=*/7, absl::Now());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(Holds(**first, mobility));
  EXPECT_FALSE(Holds(**first, closed)) << "its deadline has passed";

  // Another replica publishes a call and closes the first one early.
  const std::string voucher = Publish("EAC-A02", absl::Hours(48));
  Edit(mobility, [](Call& c) { *c.mutable_deadline() = ToTimestamp(absl::Now()); });
  // The same generation: nothing was said to have changed, so nothing is read.
  auto same = open.At(7, absl::Now());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), first->get());
  // The generation moved (the other replica bumped it): both changes show.
  auto moved = open.At(8, absl::Now());
  ASSERT_TRUE(moved.ok());
  EXPECT_TRUE(Holds(**moved, voucher));
  EXPECT_FALSE(Holds(**moved, mobility));
  // What was handed out before stays as it was for whoever still judges with it.
  EXPECT_TRUE(Holds(**first, mobility));
}

TEST_F(OpenCallsTest, ThisReplicasOwnWritesShowWithoutAGenerationAndEverythingIsReadAgainInTime) {
  const std::string mobility = Publish("EAC-A01", absl::Hours(240));
  OpenCalls open(*store_, {.reload_every = absl::Minutes(1)});
  ASSERT_TRUE(open.At(1, absl::Now()).ok());

  // Unpublished here: Changed() makes the next question look, generation or not.
  Edit(mobility, [](Call& c) { c.clear_publish_time(); });
  open.Changed();
  auto after_own = open.At(1, absl::Now());
  ASSERT_TRUE(after_own.ok());
  EXPECT_FALSE(Holds(**after_own, mobility));

  // Published again elsewhere, and the generation bump lost: seen at the next reload.
  Edit(mobility, [](Call& c) { c.mutable_publish_time()->set_seconds(1'600'000'000); });
  EXPECT_FALSE(Holds(**open.At(1, absl::Now()), mobility));
  EXPECT_TRUE(Holds(**open.At(1, absl::Now() + absl::Minutes(1)), mobility));
}

}  // namespace
}  // namespace coopnet::funding
