#include "common/redis/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/harness/servers.h"

namespace coopnet::redis {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Client> ClientFor(const std::string& address, ClientOptions options = {}) {
  options.address = address;
  return Client::Create(std::move(options));
}

std::string Key(const std::string& prefix) { return coopnet::testing::UniqueName(prefix); }

// Calls `condition` until it holds or `timeout` passes; returns whether it held.
bool PollUntil(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

// Makes the server accept connections but answer nothing for `pause`, like a Redis
// that hangs: only a timeout ends a call. Returns whether the server agreed.
bool Silence(const std::string& address, absl::Duration pause) {
  return ClientFor(address)
      ->Command({"CLIENT", "PAUSE", absl::StrCat(absl::ToInt64Milliseconds(pause)), "ALL"})
      .ok();
}

TEST(RedisClient, CommandReturnsEachKindOfReply) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress());
  const std::string key = Key("kinds");
  EXPECT_EQ(*client->Command({"SET", key, "v"}), Reply::Status("OK"));
  EXPECT_EQ(*client->Command({"GET", key}), Reply::String("v"));
  EXPECT_EQ(*client->Command({"GET", Key("missing")}), Reply::Nil());
  EXPECT_EQ(*client->Command({"INCR", key + ":n"}), Reply::Integer(1));
  ASSERT_TRUE(client->Command({"RPUSH", key + ":list", "a", "b"}).ok());
  EXPECT_EQ(*client->Command({"LRANGE", key + ":list", "0", "-1"}),
            Reply::Array({Reply::String("a"), Reply::String("b")}));
}

TEST(RedisClient, BinarySafeValuesRoundTrip) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress());
  const std::string key = Key("binary") + std::string("\0æ", 3);
  const std::string value = std::string("a\0b\r\n$3\r\n", 9) + "æøå ÆØÅ" + "\xff\x00\x01";
  ASSERT_TRUE(client->Command({"SET", key, value}).ok());
  EXPECT_EQ(*client->Command({"GET", key}), Reply::String(value));
  EXPECT_EQ(*client->Command({"STRLEN", key}), Reply::Integer(static_cast<int64_t>(value.size())));
}

TEST(RedisClient, PipelineRunsInOneRoundTripInOrder) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress());
  const std::string key = Key("pipeline");
  const std::string big(4000, 'x');
  auto replies = client->Pipeline({{"CLIENT", "INFO"},
                                   {"SET", key, big},
                                   {"APPEND", key, "y"},
                                   {"GET", key},
                                   {"CLIENT", "ID"}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 5u);
  EXPECT_EQ((*replies)[1], Reply::Status("OK"));
  EXPECT_EQ((*replies)[2], Reply::Integer(4001));
  EXPECT_EQ((*replies)[3], Reply::String(big + "y"));

  // While Redis ran the first command, the rest already waited in its query buffer
  // ("qbuf"): they were sent together, not after the first reply came back.
  int64_t id = -1;
  int64_t queued = -1;
  for (absl::string_view field : absl::StrSplit((*replies)[0].str, ' ')) {
    if (absl::ConsumePrefix(&field, "id=")) {
      ASSERT_TRUE(absl::SimpleAtoi(field, &id));
    } else if (absl::ConsumePrefix(&field, "qbuf=")) {
      ASSERT_TRUE(absl::SimpleAtoi(field, &queued));
    }
  }
  EXPECT_GE(queued, 4000) << (*replies)[0].str;
  EXPECT_EQ((*replies)[4], Reply::Integer(id)) << "one connection carried the whole pipeline";
}

TEST(RedisClient, PipelineKeepsEachCommandsErrorReply) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress());
  const std::string key = Key("pipeline_errors");
  ASSERT_TRUE(client->Command({"SET", key, "s"}).ok());
  auto replies = client->Pipeline({{"LPUSH", key, "x"}, {"GET", key}});
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_TRUE((*replies)[0].is_error());
  EXPECT_THAT((*replies)[0].str, HasSubstr("WRONGTYPE"));
  EXPECT_EQ((*replies)[1], Reply::String("s"));
  EXPECT_EQ(client->stats().failures, 0);
}

TEST(RedisClient, ReplyErrorFailsTheCallButKeepsConnectionAndBreakerClosed) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress(),
                          {.pool_size = 1, .breaker = {.failure_threshold = 1}});
  const std::string key = Key("wrongtype");
  ASSERT_TRUE(client->Command({"SET", key, "s"}).ok());
  for (int i = 0; i < 3; ++i) {
    auto reply = client->Command({"LPUSH", key, "x"});
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
    EXPECT_THAT(reply.status().message(), HasSubstr("WRONGTYPE"));
  }
  EXPECT_EQ(*client->Command({"GET", key}), Reply::String("s"));
  ClientStats stats = client->stats();
  EXPECT_EQ(stats.breaker_state, BreakerState::kClosed);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(stats.connects, 1);
}

TEST(RedisClient, CreateSucceedsWhileRedisIsDownAndConnectsOnFirstUse) {
  coopnet::testing::RedisServer server;
  server.Stop();
  auto client = ClientFor(server.address());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->stats().connects, 0);
  EXPECT_EQ(client->Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);

  server.Start();
  auto reply = client->Command({"PING"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, Reply::Status("PONG"));
}

TEST(RedisClient, MalformedAddressFailsEveryCallWithInvalidArgument) {
  for (const char* address :
       {"", "localhost", "localhost:", "localhost:http", ":6379", "h:70000"}) {
    auto client = ClientFor(address);
    EXPECT_EQ(client->Command({"PING"}).status().code(), absl::StatusCode::kInvalidArgument)
        << address;
    EXPECT_EQ(client->stats().connects, 0);
  }
}

TEST(RedisClient, RestartedRedisCostsNoFailedCall) {
  coopnet::testing::RedisServer server;
  auto client = ClientFor(server.address(), {.pool_size = 1});
  ASSERT_TRUE(client->Command({"PING"}).ok());
  server.Stop();
  server.Start();
  // The idle connection was closed by the old server; it is noticed before use.
  auto reply = client->Command({"PING"});
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(client->stats().failures, 0);
  EXPECT_EQ(client->stats().connects, 2);
}

TEST(RedisClient, SilentRedisFailsTheCallAfterCommandTimeoutAndItsConnectionIsReplaced) {
  coopnet::testing::RedisServer server;
  auto client =
      ClientFor(server.address(), {.pool_size = 1, .command_timeout = absl::Milliseconds(100)});
  ASSERT_TRUE(client->Command({"PING"}).ok());
  ASSERT_TRUE(Silence(server.address(), absl::Seconds(1)));

  const absl::Time start = absl::Now();
  auto reply = client->Command({"PING"});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable) << reply.status();
  EXPECT_GE(took, absl::Milliseconds(90));
  EXPECT_LT(took, absl::Milliseconds(900));
  EXPECT_EQ(client->stats().failures, 1);

  // The timed-out connection may still carry the late PONG; a fresh one is used.
  ASSERT_TRUE(PollUntil([&] { return client->Command({"PING"}).ok(); }));
  EXPECT_GE(client->stats().connects, 2);
}

TEST(RedisClient, ConcurrentCallsShareAPoolOfAtMostPoolSizeConnections) {
  auto client = ClientFor(coopnet::testing::SharedRedisAddress(),
                          {.pool_size = 2, .command_timeout = absl::Seconds(5)});
  const std::string key = Key("concurrent");
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!client->Command({"INCR", key}).ok()) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(*client->Command({"GET", key}), Reply::String("800"));
  EXPECT_LE(client->stats().connects, 2);
}

TEST(RedisBreaker, OpensAfterConsecutiveFailuresAndFailsFast) {
  coopnet::testing::RedisServer server;
  auto client = ClientFor(server.address(),
                          {.breaker = {.failure_threshold = 3, .open_for = absl::Minutes(1)}});
  ASSERT_TRUE(client->Command({"PING"}).ok());
  server.Stop();

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client->stats().breaker_state, BreakerState::kClosed);
    EXPECT_EQ(client->Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  }
  ClientStats opened = client->stats();
  EXPECT_EQ(opened.breaker_state, BreakerState::kOpen);
  EXPECT_EQ(opened.consecutive_failures, 3);

  const absl::Time start = absl::Now();
  for (int i = 0; i < 100; ++i) {
    auto reply = client->Command({"PING"});
    ASSERT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
    ASSERT_THAT(reply.status().message(), HasSubstr("circuit breaker open"));
  }
  EXPECT_LT(absl::Now() - start, client->options().connect_timeout)
      << "100 rejected calls together take less than one connect attempt may";
  ClientStats after = client->stats();
  EXPECT_EQ(after.calls_rejected, 100);
  EXPECT_EQ(after.connects, opened.connects) << "no connect attempts while open";
  EXPECT_EQ(after.failures, opened.failures);
}

TEST(RedisBreaker, OpensOnTimeoutsSoAHungRedisStopsCostingTheTimeout) {
  coopnet::testing::RedisServer server;
  auto client = ClientFor(server.address(),
                          {.command_timeout = absl::Milliseconds(500),
                           .breaker = {.failure_threshold = 2, .open_for = absl::Minutes(1)}});
  ASSERT_TRUE(client->Command({"PING"}).ok());
  ASSERT_TRUE(Silence(server.address(), absl::Seconds(5)));
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(client->Command({"PING"}).ok());
  ASSERT_EQ(client->stats().breaker_state, BreakerState::kOpen);

  const absl::Time start = absl::Now();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(client->Command({"PING"}).status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_LT(absl::Now() - start, client->options().command_timeout)
      << "10 calls together take less than one timed-out call";
}

TEST(RedisBreaker, ClosesAgainWhenRedisReturns) {
  coopnet::testing::RedisServer server;
  auto client = ClientFor(
      server.address(), {.breaker = {.failure_threshold = 2, .open_for = absl::Milliseconds(100)}});
  server.Stop();
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(client->Command({"PING"}).ok());
  ASSERT_EQ(client->stats().breaker_state, BreakerState::kOpen);

  server.Start();
  ASSERT_TRUE(PollUntil([&] { return client->Command({"PING"}).ok(); }));
  ClientStats stats = client->stats();
  EXPECT_EQ(stats.breaker_state, BreakerState::kClosed);
  EXPECT_EQ(stats.consecutive_failures, 0);
  EXPECT_TRUE(client->Command({"PING"}).ok());
}

TEST(RedisBreaker, HalfOpenLetsOneProbeThroughAndItsFailureReopens) {
  coopnet::testing::RedisServer server;
  auto client = ClientFor(
      server.address(), {.command_timeout = absl::Seconds(1),
                         .breaker = {.failure_threshold = 1, .open_for = absl::Milliseconds(50)}});
  ASSERT_TRUE(client->Command({"PING"}).ok());
  ASSERT_TRUE(Silence(server.address(), absl::Seconds(10)));
  EXPECT_FALSE(client->Command({"PING"}).ok());
  ASSERT_EQ(client->stats().breaker_state, BreakerState::kOpen);

  // Calls are rejected until one arrives after `open_for`: it is the probe, and it
  // hangs for the whole command timeout since Redis still answers nothing.
  std::thread prober([&] {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (absl::Now() < give_up) {
      const absl::Time start = absl::Now();
      EXPECT_FALSE(client->Command({"PING"}).ok());
      if (absl::Now() - start >= absl::Milliseconds(500)) return;
    }
  });
  const bool half_open =
      PollUntil([&] { return client->stats().breaker_state == BreakerState::kHalfOpen; });
  EXPECT_TRUE(half_open);
  if (half_open) {
    const int64_t rejected = client->stats().calls_rejected;
    const absl::Time start = absl::Now();
    auto reply = client->Command({"PING"});
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(500)) << "not half the command timeout";
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(reply.status().message(), HasSubstr("circuit breaker open"));
    EXPECT_EQ(client->stats().calls_rejected, rejected + 1);
  }
  prober.join();
  EXPECT_EQ(client->stats().breaker_state, BreakerState::kOpen) << "the failed probe reopened it";
}

}  // namespace
}  // namespace coopnet::redis
