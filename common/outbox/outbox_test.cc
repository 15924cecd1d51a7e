#include "common/outbox/outbox.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/outbox/relay.h"
#include "common/outbox/stream.h"
#include "common/status/status.h"
#include "google/protobuf/timestamp.pb.h"
#include "tests/harness/servers.h"
#include "tests/harness/wait.h"

namespace coopnet::outbox {
namespace {

std::unique_ptr<pg::Pool> NewPool(const std::string& dsn) {
  auto pool = pg::Pool::Create({.dsn = dsn, .size = 4});
  EXPECT_TRUE(pool.ok()) << pool.status();
  return *std::move(pool);
}

google::protobuf::Timestamp Stamp(int64_t seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  return t;
}

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : pool_(NewPool(db_.dsn())),
        redis_(redis::Client::Create({.address = testing::SharedRedisAddress()})),
        stream_(testing::UniqueName("coopnet:test:stream")) {
    absl::Status s = pool_->Run([](pg::Session& session) { return session.ExecScript(kTableSql); });
    EXPECT_TRUE(s.ok()) << s;
  }

  absl::Status AppendInTransaction(int count, bool commit = true, int64_t first = 1) {
    absl::Status s = pool_->InTransaction([&](pg::Transaction& tx) -> absl::Status {
      for (int i = 0; i < count; ++i) {
        COOPNET_RETURN_IF_ERROR(Append(tx, stream_, Stamp(first + i)));
      }
      return commit ? absl::OkStatus() : absl::AbortedError("changed my mind");
    });
    return s;
  }

  // Rows no relay has published yet.
  int64_t RowsLeft() {
    auto r = pool_->Exec(pg::Statement("SELECT count(*) FROM outbox WHERE relay_time IS NULL"));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  int64_t RowsKept() {
    auto r = pool_->Exec(pg::Statement("SELECT count(*) FROM outbox WHERE relay_time IS NOT NULL"));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  std::vector<StreamEntry> StreamContents(redis::Client& redis) {
    auto reply = redis.Command({"XRANGE", stream_, "-", "+"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok()) return {};
    auto entries = ParseEntries(*reply);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<StreamEntry>{};
  }

  testing::TestDatabase db_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<redis::Client> redis_;
  const std::string stream_;
};

TEST_F(OutboxTest, CommittedEventsReachTheStreamInOrderAndAreKept) {
  ASSERT_TRUE(AppendInTransaction(3, true, 100).ok());
  ASSERT_TRUE(AppendInTransaction(2, true, 200).ok());
  Relay relay(*pool_, *redis_);

  absl::StatusOr<int> moved = relay.RelayBatch();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, 5);
  EXPECT_EQ(RowsLeft(), 0);
  EXPECT_EQ(RowsKept(), 5);

  std::vector<StreamEntry> entries = StreamContents(*redis_);
  ASSERT_EQ(entries.size(), 5u);
  const std::vector<int64_t> seconds = {100, 101, 102, 200, 201};
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].type, "google.protobuf.Timestamp");
    google::protobuf::Timestamp t;
    ASSERT_TRUE(t.ParseFromString(entries[i].payload));
    EXPECT_EQ(t.seconds(), seconds[i]);
    if (i > 0) {
      EXPECT_GT(entries[i].outbox_id, entries[i - 1].outbox_id);
    }
  }
}

// The outbox ids of what `redis` holds in the stream, in stream order.
std::vector<int64_t> OutboxIds(const std::vector<StreamEntry>& entries) {
  std::vector<int64_t> ids;
  for (const StreamEntry& e : entries) ids.push_back(e.outbox_id);
  return ids;
}

TEST_F(OutboxTest, RowsPastTheirRetentionAreDeleted) {
  Relay relay(*pool_, *redis_,
              {.retention = absl::Hours(24), .prune_interval = absl::ZeroDuration()});
  ASSERT_TRUE(AppendInTransaction(3).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  ASSERT_TRUE(AppendInTransaction(1, true, 10).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(RowsKept(), 4);
  // The first three were relayed two days ago.
  ASSERT_TRUE(pool_
                  ->Exec(pg::Statement("UPDATE outbox SET relay_time = now() - interval '2 days'"
                                       " WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 3)"))
                  .ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(RowsKept(), 1);
  auto r = pool_->Exec(pg::Statement("SELECT payload FROM outbox"));
  ASSERT_TRUE(r.ok() && r->rows() == 1);
  google::protobuf::Timestamp left;
  ASSERT_TRUE(left.ParseFromString(r->GetBytes(0, 0)));
  EXPECT_EQ(left.seconds(), 10);
}

// A consumer group far behind (its process down for a day, say) still finds every change
// it has not handled: the stream is trimmed behind the slowest group, not by length.
TEST_F(OutboxTest, AStreamKeepsWhatAConsumerGroupHasNotHandled) {
  Relay relay(*pool_, *redis_,
              {.stream_window = absl::ZeroDuration(), .prune_interval = absl::ZeroDuration()});
  ASSERT_TRUE(AppendInTransaction(30).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  std::vector<std::string> ids;
  for (const StreamEntry& entry : StreamContents(*redis_)) ids.push_back(entry.id);
  ASSERT_EQ(ids.size(), 30u);
  auto command = [&](std::vector<std::string> args) {
    absl::StatusOr<redis::Reply> reply = redis_->Command(std::move(args));
    ASSERT_TRUE(reply.ok()) << reply.status();
  };
  // `group` is delivered the next `count` entries and acknowledges those in [from, to).
  auto read = [&](const std::string& group, int count) {
    command(
        {"XREADGROUP", "GROUP", group, "c", "COUNT", absl::StrCat(count), "STREAMS", stream_, ">"});
  };
  auto ack = [&](const std::string& group, int from, int to) {
    std::vector<std::string> args = {"XACK", stream_, group};
    args.insert(args.end(), ids.begin() + from, ids.begin() + to);
    command(args);
  };
  auto length = [&] {
    absl::StatusOr<redis::Reply> reply = redis_->Command({"XLEN", stream_});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->integer : -1;
  };
  command({"XGROUP", "CREATE", stream_, "fast", "0"});
  command({"XGROUP", "CREATE", stream_, "slow", "0"});
  read("fast", 30);
  ack("fast", 0, 30);
  read("slow", 10);
  ack("slow", 0, 5);  // 5 more delivered, not yet handled

  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(length(), 25) << "entries the slow group has pending were trimmed, or none were";
  ack("slow", 5, 10);
  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(length(), 20);
  EXPECT_EQ(StreamContents(*redis_).front().id, ids[10]);
  read("slow", 20);
  ack("slow", 10, 30);
  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(length(), 0);
}

// Watch calls resume from a cursor without a group: the last stream_window stays, even
// when every group has handled it.
TEST_F(OutboxTest, AStreamKeepsItsWindowForWatchersAfterEveryGroupHandledIt) {
  Relay relay(*pool_, *redis_, {.prune_interval = absl::ZeroDuration()});
  ASSERT_TRUE(AppendInTransaction(5).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  ASSERT_TRUE(redis_->Command({"XGROUP", "CREATE", stream_, "done", "$"}).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  EXPECT_EQ(StreamContents(*redis_).size(), 5u);
}

// Redis restarted empty or flushed (no persistence, a lost volume): the relay publishes
// every kept row again, in id order, before the rows that came since.
TEST_F(OutboxTest, AStreamRedisLostIsPublishedAgainFromTheOutboxBeforeNewRows) {
  testing::RedisServer private_redis;
  auto redis = redis::Client::Create({.address = private_redis.address()});
  Relay relay(*pool_, *redis);
  ASSERT_TRUE(AppendInTransaction(3).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  const std::vector<int64_t> first = OutboxIds(StreamContents(*redis));
  ASSERT_EQ(first.size(), 3u);

  ASSERT_TRUE(redis->Command({"FLUSHALL"}).ok());
  ASSERT_TRUE(AppendInTransaction(2, true, 10).ok());
  for (int pass = 0; pass < 5; ++pass) ASSERT_TRUE(relay.RelayBatch().ok());

  const std::vector<int64_t> now = OutboxIds(StreamContents(*redis));
  ASSERT_EQ(now.size(), 5u);
  EXPECT_EQ(std::vector<int64_t>(now.begin(), now.begin() + 3), first);
  for (size_t i = 1; i < now.size(); ++i) EXPECT_GT(now[i], now[i - 1]) << "at entry " << i;
  EXPECT_EQ(relay.republished(), 3);
  EXPECT_EQ(relay.relayed(), 5);
}

// A Redis brought back from an older snapshot holds the changes up to it: the relay
// publishes those after it again, and only those.
TEST_F(OutboxTest, ARedisRestoredFromAnOlderSnapshotGetsWhatCameAfterIt) {
  testing::RedisServer private_redis;
  auto redis = redis::Client::Create({.address = private_redis.address()});
  Relay relay(*pool_, *redis);
  ASSERT_TRUE(AppendInTransaction(3).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  ASSERT_TRUE(redis->Command({"SAVE"}).ok());
  ASSERT_TRUE(AppendInTransaction(2, true, 10).ok());
  ASSERT_TRUE(relay.RelayBatch().ok());
  const std::vector<int64_t> all = OutboxIds(StreamContents(*redis));
  ASSERT_EQ(all.size(), 5u);

  private_redis.Stop();
  private_redis.Start();
  ASSERT_TRUE(testing::WaitUntil([&] { return StreamContents(*redis).size() == 3; }))
      << "the snapshot was not loaded";
  ASSERT_TRUE(testing::WaitUntil([&] {
    absl::StatusOr<int> moved = relay.RelayBatch();
    return moved.ok() && StreamContents(*redis).size() >= 5;
  }));
  EXPECT_EQ(OutboxIds(StreamContents(*redis)), all);
  EXPECT_EQ(relay.republished(), 2);
}

// A second relay (another replica, or the process after a restart) learns what went
// where from the table, so it notices the loss as well.
TEST_F(OutboxTest, ANewRelayNoticesALossOfWhatAnEarlierOneRelayed) {
  testing::RedisServer private_redis;
  auto redis = redis::Client::Create({.address = private_redis.address()});
  ASSERT_TRUE(AppendInTransaction(4).ok());
  {
    Relay earlier(*pool_, *redis);
    ASSERT_TRUE(earlier.RelayBatch().ok());
  }
  ASSERT_TRUE(redis->Command({"FLUSHALL"}).ok());
  Relay later(*pool_, *redis);
  for (int pass = 0; pass < 3; ++pass) ASSERT_TRUE(later.RelayBatch().ok());
  EXPECT_EQ(StreamContents(*redis).size(), 4u);
  EXPECT_EQ(later.republished(), 4);
}

TEST_F(OutboxTest, RolledBackChangePublishesNothing) {
  EXPECT_FALSE(AppendInTransaction(2, /*commit=*/false).ok());
  Relay relay(*pool_, *redis_);
  absl::StatusOr<int> moved = relay.RelayBatch();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(*moved, 0);
  EXPECT_TRUE(StreamContents(*redis_).empty());
}

TEST_F(OutboxTest, RedisDownKeepsEveryRowUntilItIsBack) {
  testing::RedisServer private_redis;
  auto redis = redis::Client::Create({.address = private_redis.address()});
  ASSERT_TRUE(AppendInTransaction(3).ok());
  private_redis.Stop();

  Relay relay(*pool_, *redis);
  EXPECT_FALSE(relay.RelayBatch().ok());
  EXPECT_EQ(RowsLeft(), 3);

  private_redis.Start();
  ASSERT_TRUE(testing::WaitUntil([&] {
    absl::StatusOr<int> moved = relay.RelayBatch();
    return moved.ok() && *moved == 3;
  })) << "the rows never reached the restarted Redis";
  EXPECT_EQ(RowsLeft(), 0);
  EXPECT_EQ(StreamContents(*redis).size(), 3u);
}

TEST_F(OutboxTest, ReplicasRelayingAtOnceKeepIdOrderAndLoseNothing) {
  constexpr int kRows = 300;
  for (int i = 0; i < kRows; i += 30) ASSERT_TRUE(AppendInTransaction(30, true, i).ok());
  auto other_pool = NewPool(db_.dsn());
  Relay first(*pool_, *redis_, {.batch_size = 7});
  Relay second(*other_pool, *redis_, {.batch_size = 7});
  auto drain = [](Relay& relay) {
    for (int pass = 0; pass < 500; ++pass) ASSERT_TRUE(relay.RelayBatch().ok());
  };
  std::thread a([&] { drain(first); });
  std::thread b([&] { drain(second); });
  a.join();
  b.join();

  EXPECT_EQ(RowsLeft(), 0);
  std::vector<StreamEntry> entries = StreamContents(*redis_);
  ASSERT_EQ(entries.size(), static_cast<size_t>(kRows));
  for (size_t i = 1; i < entries.size(); ++i) {
    ASSERT_GT(entries[i].outbox_id, entries[i - 1].outbox_id) << "at entry " << i;
  }
  EXPECT_EQ(first.relayed() + second.relayed(), kRows);
}

TEST_F(OutboxTest, RunningRelayPublishesACommitWithoutBeingAsked) {
  Relay relay(*pool_, *redis_, {.poll_interval = absl::Milliseconds(50)});
  relay.Start();
  ASSERT_TRUE(AppendInTransaction(1).ok());
  relay.Wake();
  EXPECT_TRUE(testing::WaitUntil([&] { return StreamContents(*redis_).size() == 1; }));
  relay.Stop();
}

TEST_F(OutboxTest, WakesComingFastAreHonouredNoSoonerThanTheShortestInterval) {
  // No poll to fall back on: only the wakes move rows.
  Relay relay(*pool_, *redis_,
              {.poll_interval = absl::Hours(1), .min_interval = absl::Milliseconds(800)});
  ASSERT_TRUE(AppendInTransaction(1).ok());
  const absl::Time before_start = absl::Now();
  relay.Start();  // the first pass moves the first row
  ASSERT_TRUE(testing::WaitUntil([&] { return StreamContents(*redis_).size() == 1; }));
  for (int i = 2; i <= 3; ++i) {
    ASSERT_TRUE(AppendInTransaction(1, true, i).ok());
    relay.Wake();
  }
  ASSERT_TRUE(testing::WaitUntil([&] { return StreamContents(*redis_).size() == 3; }))
      << "a wake within the shortest interval was dropped";
  EXPECT_GE(absl::Now() - before_start, absl::Milliseconds(800))
      << "the second pass started sooner than the shortest interval after the first";
  relay.Stop();
}

TEST_F(OutboxTest, ReaderWaitsForTheNextEntryAfterItsCursor) {
  ASSERT_TRUE(AppendInTransaction(1, true, 1).ok());
  Relay relay(*pool_, *redis_);
  ASSERT_TRUE(relay.RelayBatch().ok());

  StreamReader reader({.address = testing::SharedRedisAddress()}, stream_);
  absl::StatusOr<std::string> last = reader.LastId();
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(IsStreamId(*last)) << *last;

  absl::StatusOr<std::vector<StreamEntry>> none = reader.Read(*last, absl::Milliseconds(50), 10);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());

  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(100));
    EXPECT_TRUE(AppendInTransaction(1, true, 2).ok());
    EXPECT_TRUE(relay.RelayBatch().ok());
  });
  absl::StatusOr<std::vector<StreamEntry>> next = reader.Read(*last, absl::Seconds(10), 10);
  writer.join();
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->size(), 1u);
  google::protobuf::Timestamp t;
  ASSERT_TRUE(t.ParseFromString(next->front().payload));
  EXPECT_EQ(t.seconds(), 2);

  absl::StatusOr<std::vector<StreamEntry>> everything = reader.Read("0", absl::Milliseconds(1), 10);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->size(), 2u);
}

TEST(StreamId, CursorsAreRedisStreamIds) {
  EXPECT_TRUE(IsStreamId("0"));
  EXPECT_TRUE(IsStreamId("1700000000000-12"));
  EXPECT_FALSE(IsStreamId(""));
  EXPECT_FALSE(IsStreamId("$"));
  EXPECT_FALSE(IsStreamId("12-"));
  EXPECT_FALSE(IsStreamId("1-2-3"));
}

}  // namespace
}  // namespace coopnet::outbox
