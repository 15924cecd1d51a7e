// Attacks on the gateway's bounds, through the in-process gateway in front of the real
// organisations and events processes: one anonymous client (or one address) must not be
// able to grow the gateway's memory, hold its connections, make it read what it refuses,
// borrow other clients' rate limits or spend a keyed caller's. Each test prints what it
// measured.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "coopnet/events/v1/events.grpc.pb.h"
#include "coopnet/organisations/v1/api_keys.grpc.pb.h"
#include "coopnet/organisations/v1/organisations.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/harness/errors.h"
#include "tests/harness/event_seeds.h"
#include "tests/harness/gateway_stack.h"
#include "tests/harness/redis_usage.h"
#include "tests/harness/seeds.h"
#include "tests/harness/servers.h"
#include "tests/harness/wait.h"

namespace coopnet::gateway {
namespace {

using testing::GatewayStack;
using testing::HttpReply;
namespace org = organisations::v1;
namespace ev = events::v1;

// A raw TCP connection to the gateway's HTTP port, for clients that misbehave.
class Socket {
 public:
  explicit Socket(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~Socket() { close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
  bool Send(absl::string_view data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // What the server sent within `timeout`, until it closed or went quiet for it.
  std::string Receive(absl::Duration timeout) {
    std::string received;
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd wait{fd_, POLLIN, 0};
      if (poll(&wait, 1, static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()))) <= 0)
        break;
      char buffer[4096];
      const ssize_t read = recv(fd_, buffer, sizeof(buffer), 0);
      if (read <= 0) {
        closed_ = true;
        break;
      }
      received.append(buffer, static_cast<size_t>(read));
      if (absl::StrContains(received, "\r\n\r\n") && !absl::StartsWith(received, "HTTP/1.1 200"))
        break;
    }
    return received;
  }
  // Whether the server closed the connection, waiting up to `timeout` for it.
  bool ClosedWithin(absl::Duration timeout) {
    if (closed_) return true;
    Receive(timeout);
    return closed_;
  }

 private:
  const int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

std::string Field(const std::string& json, const std::string& name) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) return "";
  auto it = object.fields().find(name);
  return it == object.fields().end() ? "" : it->second.string_value();
}

double Percentile(std::vector<double> values, double share) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(share * values.size()))];
}

class GatewayBoundsTest : public ::testing::Test {
 protected:
  // The anonymous event lists' budget in Redis.
  static constexpr cache::Budget kListPages{
      .name = "list_pages", .max_entries = 100, .max_bytes = 256 * 1024};

  GatewayBoundsTest()
      : backends_(organisations_db_.dsn(), events_db_.dsn(), testing::SharedRedisAddress(),
                  {.list_pages = kListPages}) {}

  std::unique_ptr<GatewayStack> Gateway(GatewayOptions options) {
    return std::make_unique<GatewayStack>(testing::BackendsOf(backends_), std::move(options));
  }

  // An organisation made by an operator through `gateway`; its name.
  std::string CreateOrganisation(GatewayStack& gateway) {
    HttpReply made = gateway.Http(
        "POST", "/v1/organisations",
        R"({"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK", "nutsRegion": "DK011"})",
        {GatewayStack::AdminAuthorization()});
    EXPECT_EQ(made.status, 200) << made.body;
    return Field(made.body, "name");
  }

  // A new key of `organisation` with the read and write scopes.
  std::string CreateKey(GatewayStack& gateway, const std::string& organisation) {
    HttpReply made =
        gateway.Http("POST", absl::StrCat("/v1/", organisation, "/apiKeys"),
                     R"({"displayName": "Portal", "scopes": ["SCOPE_READ", "SCOPE_WRITE"]})",
                     {GatewayStack::AdminAuthorization()});
    EXPECT_EQ(made.status, 200) << made.body;
    return Field(made.body, "key");
  }

  testing::TestDatabase organisations_db_, events_db_;
  testing::EventsStack backends_;
};

TEST_F(GatewayBoundsTest, PaddedAnonymousReadsKeepTheAnswerCacheWithinItsBudget) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.anonymous_cache_time = absl::Minutes(5);
  options.answer_cache_bytes = 64 * 1024;
  options.limits.address = {.rate = 1000, .burst = 1000};  // the allowed rate, not reached
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string name = CreateOrganisation(*gateway);
  auto organisations = org::OrganisationService::NewStub(gateway->channel());

  // Every read padded with a field GetOrganisationRequest does not have, different each
  // time, 16 KiB of it: each would be a new question if the raw bytes were the key.
  size_t most = 0;
  int answered = 0;
  for (int i = 0; i < 300; ++i) {
    org::GetOrganisationRequest request;
    request.set_name(name);
    request.GetReflection()->MutableUnknownFields(&request)->AddLengthDelimited(
        999, absl::StrCat(i, std::string(16 * 1024, 'p')));
    grpc::ClientContext context;
    // Questions that do differ (a language each) fill the cache with answers it may keep.
    context.AddMetadata("accept-language", absl::StrCat("x-", i));
    org::Organisation read;
    answered += organisations->GetOrganisation(&context, request, &read).ok();
    grpc::ClientContext plain;
    plain.AddMetadata("accept-language", absl::StrCat("x-", i));
    request.GetReflection()->MutableUnknownFields(&request)->Clear();
    answered += organisations->GetOrganisation(&plain, request, &read).ok();
    // And over HTTP, where the rendered answers are kept too.
    answered += gateway
                    ->Http("GET", absl::StrCat("/v1/", name, "?pad=", i), "",
                           {{"Accept-Language", absl::StrCat("x-", i)}})
                    .status == 400;  // an unknown query parameter: refused, nothing kept
    answered += gateway
                    ->Http("GET", absl::StrCat("/v1/", name), "",
                           {{"Accept-Language", absl::StrCat("x-", i)}})
                    .status == 200;
    most = std::max(most, gateway->gateway().answer_cache_bytes());
    ASSERT_LE(gateway->gateway().answer_cache_bytes(), options.answer_cache_bytes);
  }
  EXPECT_EQ(answered, 4 * 300);
  EXPECT_GT(most, options.answer_cache_bytes / 4) << "the cache kept (almost) nothing";
  std::cout << "answer cache: 1200 anonymous reads (300 padded with 16 KiB of unknown fields), "
            << "at most " << most << " bytes kept of a budget of " << options.answer_cache_bytes
            << std::endl;
}

TEST_F(GatewayBoundsTest, AnonymousFiltersKeepTheEventListCacheWithinItsBudget) {
  std::unique_ptr<GatewayStack> gateway = Gateway(GatewayStack::Unlimited());
  const std::string organiser = CreateOrganisation(*gateway);
  auto events = ev::EventService::NewStub(gateway->channel());
  for (const ev::Event& event : {testing::seeds::CopenhagenInfoMeeting(organiser),
                                 testing::seeds::OrebroInspirationDay(organiser)}) {
    grpc::ClientContext create;
    create.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
    ev::CreateEventRequest request;
    *request.mutable_event() = event;
    ev::Event created;
    ASSERT_TRUE(events->CreateEvent(&create, request, &created).ok());
    grpc::ClientContext publish;
    publish.AddMetadata("authorization", "Bearer " + testing::kTestAdminKey);
    ev::PublishEventRequest published;
    published.set_name(created.name());
    ASSERT_TRUE(events->PublishEvent(&publish, published, &created).ok());
  }
  cache::Cache& cache = backends_.cache();
  auto redis = redis::Client::Create({.address = testing::SharedRedisAddress()});
  // The pages, and the index that bounds them.
  auto in_redis_now = [&, pages = cache.ValueKey("list:*"),
                       index = absl::StrCat("coopnet:", cache.keyspace().name,
                                            ":budget:", kListPages.name, ":*")]() {
    std::optional<testing::RedisUsage> values = testing::RedisUsageOf(*redis, pages);
    const std::optional<testing::RedisUsage> bookkeeping = testing::RedisUsageOf(*redis, index);
    if (values && bookkeeping) values->bytes += bookkeeping->bytes;
    return values;
  };

  // One anonymous client asks for every event from a new minute each time, each a new
  // page to keep; between them, a portal shows its list of Danish events.
  testing::HttpClient client(gateway->http_port());
  const std::string portal = "/v1/events?countries=DK";
  ASSERT_EQ(client.Send("GET", portal).status, 200);
  const int64_t hits_before = cache.hits();
  int answered = 0, portal_reads = 0;
  cache::BudgetUse most;
  testing::RedisUsage most_in_redis;
  for (int i = 0; i < 1500; ++i) {
    const std::string from = absl::FormatTime(
        "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(946684800 + 60 * i), absl::UTCTimeZone());
    answered += client.Send("GET", absl::StrCat("/v1/events?fromTime=", from)).status == 200;
    if (i % 10 == 0) {
      answered += client.Send("GET", portal).status == 200;
      ++portal_reads;
    }
    if (i % 100 == 99) {
      const std::optional<cache::BudgetUse> use = cache.UseOf(kListPages);
      const std::optional<testing::RedisUsage> in_redis = in_redis_now();
      ASSERT_TRUE(use.has_value() && in_redis.has_value());
      ASSERT_LE(use->entries, kListPages.max_entries);
      ASSERT_LE(use->bytes, kListPages.max_bytes);
      ASSERT_LE(in_redis->keys, kListPages.max_entries);
      ASSERT_LE(in_redis->bytes, kListPages.max_bytes);
      most = {std::max(most.entries, use->entries), std::max(most.bytes, use->bytes)};
      most_in_redis = {std::max(most_in_redis.keys, in_redis->keys),
                       std::max(most_in_redis.bytes, in_redis->bytes)};
    }
  }
  const int64_t portal_hits = cache.hits() - hits_before;
  EXPECT_EQ(answered, 1500 + portal_reads);
  EXPECT_EQ(portal_hits, portal_reads) << "the portal's list was evicted by the flood";
  EXPECT_GT(cache.evictions(), 0);
  const std::optional<cache::BudgetUse> counted = cache.UseOf(kListPages);
  const std::optional<testing::RedisUsage> held = in_redis_now();
  ASSERT_TRUE(counted.has_value() && held.has_value());
  EXPECT_LE(held->bytes, counted->bytes) << "the budget counts less than Redis holds";
  std::cout << "event list cache with a budget of " << kListPages.max_entries << " pages and "
            << kListPages.max_bytes << " bytes, 1500 anonymous lists with distinct filters: at "
            << "most " << most.entries << " pages, " << most.bytes << " bytes counted; Redis "
            << "held at most " << most_in_redis.keys << " page keys in " << most_in_redis.bytes
            << " bytes; " << cache.evictions() << " evicted; the portal's list hit " << portal_hits
            << " of " << portal_reads << " times" << std::endl;
}

TEST_F(GatewayBoundsTest, IdleConnectionsAndASlowClientDoNotStopANormalClient) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.http_limits.max_connections = 200;
  options.http_limits.header_timeout = absl::Seconds(1);
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string name = CreateOrganisation(*gateway);

  // 150 connections that never send a byte, and a client sending its headers a byte at a
  // time, one every 100 ms.
  std::vector<std::unique_ptr<Socket>> idle;
  for (int i = 0; i < 150; ++i) idle.push_back(std::make_unique<Socket>(gateway->http_port()));
  std::atomic<bool> done{false};
  std::atomic<bool> slow_cut{false};
  absl::Duration slow_lasted;
  std::thread slowloris([&] {
    Socket slow(gateway->http_port());
    const std::string request = absl::StrCat(
        "GET /v1/", name, " HTTP/1.1\r\nHost: x\r\nX-Padding: ", std::string(200, 'a'), "\r\n\r\n");
    const absl::Time start = absl::Now();
    for (char byte : request) {
      if (done || !slow.Send(std::string(1, byte))) break;
      if (slow.ClosedWithin(absl::Milliseconds(100))) break;
    }
    slow_lasted = absl::Now() - start;
    slow_cut = slow.ClosedWithin(absl::Milliseconds(10));
  });

  // The normal client: a connection per request, as many browsers' first visits are.
  std::vector<double> latencies_ms;
  int ok = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Seconds(3)) {
    const absl::Time asked = absl::Now();
    ok += gateway->Http("GET", absl::StrCat("/v1/", name)).status == 200;
    latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - asked));
  }
  done = true;
  slowloris.join();
  EXPECT_EQ(ok, static_cast<int>(latencies_ms.size()));
  EXPECT_TRUE(slow_cut);
  EXPECT_LT(slow_lasted, absl::Seconds(3)) << "the slow client was not cut off";
  // The idle ones were closed after the header timeout.
  int closed = 0;
  for (auto& socket : idle) closed += socket->ClosedWithin(absl::Milliseconds(1));
  EXPECT_EQ(closed, 150);

  // Beyond the cap, a new connection is closed at once.
  std::vector<std::unique_ptr<Socket>> crowd;
  for (int i = 0; i < 300; ++i) crowd.push_back(std::make_unique<Socket>(gateway->http_port()));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_LE(gateway->gateway().http_connections(), 200);
  int refused = 0;
  for (auto& socket : crowd) refused += socket->ClosedWithin(absl::Milliseconds(1));
  EXPECT_GE(refused, 90);
  std::cout << "normal client beside 150 idle connections and a slowloris client: "
            << latencies_ms.size() << " requests, " << ok << " answered 200, p50 "
            << Percentile(latencies_ms, 0.5) << " ms, p99 " << Percentile(latencies_ms, 0.99)
            << " ms; slowloris cut after " << absl::FormatDuration(slow_lasted) << "; " << refused
            << " of 300 connections over the cap of 200 closed at once" << std::endl;
}

TEST_F(GatewayBoundsTest, LargeBodiesOverTheRateLimitAreRefusedUnread) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.limits.key = {.rate = 0.01, .burst = 1};
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string organisation = CreateOrganisation(*gateway);
  const std::string key = CreateKey(*gateway, organisation);
  // The key's one token.
  EXPECT_EQ(gateway->Http("POST", "/v1/events", "{}", {GatewayStack::KeyAuthorization(key)}).status,
            400);

  // Then a flood: each announces 1 MB and sends only its headers. The answer comes
  // without the body, so nothing of it was read or parsed.
  std::vector<double> latencies_ms;
  int refused = 0;
  for (int i = 0; i < 50; ++i) {
    Socket flood(gateway->http_port());
    const absl::Time sent = absl::Now();
    ASSERT_TRUE(flood.Send(
        absl::StrCat("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: ", "Bearer ", key,
                     "\r\nContent-Type: application/json\r\n"
                     "Content-Length: 1000000\r\n\r\n")));
    const std::string answer = flood.Receive(absl::Seconds(5));
    latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
    refused += absl::StartsWith(answer, "HTTP/1.1 429") && absl::StrContains(answer, "Retry-After");
  }
  EXPECT_EQ(refused, 50);
  std::cout << "50 requests announcing 1 MB bodies over the key's rate limit: " << refused
            << " answered 429 before any body byte was sent, p99 " << Percentile(latencies_ms, 0.99)
            << " ms" << std::endl;
}

TEST_F(GatewayBoundsTest, FortyFreshKeysMakeTwoThousandCallsRefusedByNoLimitTheyHadNotReached) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.limits = Limits();  // the defaults: 20/40 per address, 100/200 per key
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string organisation = CreateOrganisation(*gateway);
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(CreateKey(*gateway, organisation));

  // 50 calls per key (its burst is 200), all from 127.0.0.1 (whose anonymous burst is
  // 40), 40 at a time: the keys are unknown to the gateway when their first calls arrive.
  auto organisations = org::OrganisationService::NewStub(gateway->channel());
  absl::Mutex mu;
  std::map<std::string, int> outcomes;
  const absl::Time start = absl::Now();
  std::vector<std::thread> callers;
  for (const std::string& key : keys) {
    callers.emplace_back([&, key] {
      for (int i = 0; i < 50; ++i) {
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
        context.AddMetadata("authorization", "Bearer " + key);
        org::GetOrganisationRequest request;
        request.set_name(organisation);
        org::Organisation read;
        const grpc::Status status = organisations->GetOrganisation(&context, request, &read);
        absl::MutexLock lock(&mu);
        ++outcomes[status.ok() ? "OK"
                               : absl::StrCat(status.error_code(), " ", status.error_message())];
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  const absl::Duration took = absl::Now() - start;
  std::string summary;
  for (const auto& [outcome, count] : outcomes)
    absl::StrAppend(&summary, outcome, ": ", count, "; ");
  EXPECT_EQ(outcomes["OK"], 2000) << summary;
  std::cout << "2000 calls from 40 fresh keys at once: " << summary << "in "
            << absl::FormatDuration(took) << std::endl;
}

TEST_F(GatewayBoundsTest, GuessedKeysCostTheirAddressTokens) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.limits.address = {.rate = 0.01, .burst = 3};
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string name = CreateOrganisation(*gateway);
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    statuses.push_back(
        gateway
            ->Http("GET", absl::StrCat("/v1/", name), "",
                   {GatewayStack::KeyAuthorization(absl::StrCat("cnk_guess", i, "_secret"))})
            .status);
  }
  // Three refused keys spend the address's burst; after that a new guess is refused
  // without asking organisations.
  EXPECT_EQ(statuses, (std::vector<int>{401, 401, 401, 429, 429, 429}));
}

TEST_F(GatewayBoundsTest, XForwardedForFromAnUntrustedPeerIsIgnored) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.limits.address = {.rate = 0.01, .burst = 3};
  options.front.trusted_proxies = *TrustedProxies::Parse("10.0.0.0/8");
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string name = CreateOrganisation(*gateway);

  // 127.0.0.1 is no trusted proxy: whatever address it claims, its calls are its own.
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    statuses.push_back(gateway
                           ->Http("GET", absl::StrCat("/v1/", name), "",
                                  {{"X-Forwarded-For", absl::StrCat("203.0.113.", i)}})
                           .status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200, 429, 429}));
  HttpReply refused =
      gateway->Http("GET", absl::StrCat("/v1/", name), "", {{"X-Forwarded-For", "203.0.113.77"}});
  EXPECT_NE(refused.body.find("127.0.0.1"), std::string::npos) << refused.body;

  // Behind a trusted proxy (here 127.0.0.0/8), each client has its bucket, the address
  // the proxy appended, not one the client wrote before it; and an IPv6 client its /64.
  options.front.trusted_proxies = *TrustedProxies::Parse("127.0.0.0/8");
  gateway.reset();
  gateway = Gateway(options);
  std::vector<int> proxied;
  for (int i = 0; i < 5; ++i) {
    proxied.push_back(gateway
                          ->Http("GET", absl::StrCat("/v1/", name), "",
                                 {{"X-Forwarded-For", absl::StrCat("198.51.100.1, 203.0.113.", i)}})
                          .status);
  }
  EXPECT_EQ(proxied, (std::vector<int>(5, 200)));
  std::vector<int> rotating;
  for (int i = 1; i <= 5; ++i) {
    rotating.push_back(gateway
                           ->Http("GET", absl::StrCat("/v1/", name), "",
                                  {{"X-Forwarded-For", absl::StrCat("2001:db8:7:7::", i)}})
                           .status);
  }
  EXPECT_EQ(rotating, (std::vector<int>{200, 200, 200, 429, 429}));
  std::cout << "untrusted peer with rotating X-Forwarded-For: " << statuses[3]
            << " from the 4th call; behind a trusted proxy 5 clients: 5 answered; one IPv6 /64 "
               "rotating addresses: "
            << rotating[3] << " from the 4th call" << std::endl;
}

// A Watch call held open through the gateway until it is cancelled.
class Watch {
 public:
  // Opens WatchEvents on `channel`, as `key` (none: as an operator), with a deadline far
  // beyond any test.
  Watch(const std::shared_ptr<grpc::Channel>& channel, const std::string& key)
      : stub_(ev::EventService::NewStub(channel)) {
    context_.AddMetadata("authorization", "Bearer " + (key.empty() ? testing::kTestAdminKey : key));
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    stream_ = stub_->WatchEvents(&context_, ev::WatchEventsRequest());
  }
  ~Watch() { Close(); }

  // How the watch ended, once it has: at once for a refused one.
  grpc::Status Ended() {
    ev::EventChange change;
    while (stream_->Read(&change)) {
    }
    return Finish();
  }
  // Cancels it (unless it has ended) and waits for its end.
  void Close() {
    if (finished_) return;
    context_.TryCancel();
    Finish();
  }

 private:
  grpc::Status Finish() {
    finished_ = true;
    return stream_->Finish();
  }

  std::unique_ptr<ev::EventService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<ev::EventChange>> stream_;
  bool finished_ = false;
};

TEST_F(GatewayBoundsTest, AKeyHoldsAtMostItsStreamsOnEitherPort) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.front.streams = {.per_key = 2, .per_address = 1};
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string organisation = CreateOrganisation(*gateway);
  const std::string key = CreateKey(*gateway, organisation);
  auto open_streams = [&](int count) {
    return testing::WaitUntil([&] { return gateway->gateway().open_streams() == count; });
  };

  // One at a time: of watches opened at once, which the gateway admits first is chance.
  Watch first(gateway->channel(), key);
  ASSERT_TRUE(open_streams(1));
  Watch second(gateway->channel(), key);
  ASSERT_TRUE(open_streams(2));
  const absl::Time asked = absl::Now();
  Watch third(gateway->channel(), key);
  const grpc::Status refused = third.Ended();
  const absl::Duration refused_after = absl::Now() - asked;
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_EQ(testing::ReasonOf(refused), "STREAMS_EXHAUSTED");
  EXPECT_LT(refused_after, absl::Seconds(5));
  // Over HTTP too, while both are open.
  HttpReply over_http =
      gateway->Http("GET", "/v1/events:watch", "", {GatewayStack::KeyAuthorization(key)});
  EXPECT_EQ(over_http.status, 429) << over_http.body;
  EXPECT_EQ(gateway->gateway().open_streams(), 2);

  // Closing one gives its place back.
  first.Close();
  ASSERT_TRUE(open_streams(1)) << "a closed watch still holds its place";
  Watch fourth(gateway->channel(), key);
  EXPECT_TRUE(open_streams(2)) << "the place a closed watch gave back was not taken";
  second.Close();
  fourth.Close();
  EXPECT_TRUE(open_streams(0));
  std::cout << "a key allowed 2 streams: the third refused over gRPC in "
            << absl::FormatDuration(refused_after) << ", over HTTP " << over_http.status
            << "; a closed one's place taken again" << std::endl;
}

TEST_F(GatewayBoundsTest, OneConnectionHoldsAtMostItsStreamsAndOthersAreServed) {
  GatewayOptions options = GatewayStack::Unlimited();
  options.grpc_max_streams = 4;
  std::unique_ptr<GatewayStack> gateway = Gateway(options);
  const std::string name = CreateOrganisation(*gateway);
  auto get = [&](const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    org::GetOrganisationRequest request;
    request.set_name(name);
    org::Organisation read;
    return org::OrganisationService::NewStub(channel)->GetOrganisation(&context, request, &read);
  };

  // Four watches fill the connection (an operator's: no quota of keys or addresses).
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < 4; ++i) watches.push_back(std::make_unique<Watch>(gateway->channel(), ""));
  ASSERT_TRUE(testing::WaitUntil([&] { return gateway->gateway().open_streams() == 4; }));

  // A fifth call on the same connection waits for a free stream, up to its deadline...
  const absl::Time asked = absl::Now();
  const grpc::Status waited = get(gateway->channel(), absl::Seconds(1));
  EXPECT_EQ(waited.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << waited.error_message();
  EXPECT_GE(absl::Now() - asked, absl::Seconds(1));
  // ... while a client on a connection of its own is served at once.
  grpc::ChannelArguments own_connection;
  own_connection.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  const std::shared_ptr<grpc::Channel> other =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", gateway->grpc_port()),
                                grpc::InsecureChannelCredentials(), own_connection);
  const absl::Time other_asked = absl::Now();
  const grpc::Status served = get(other, absl::Seconds(5));
  const absl::Duration other_took = absl::Now() - other_asked;
  EXPECT_TRUE(served.ok()) << served.error_message();

  // A watch that ends frees its stream: the connection serves again.
  watches.front()->Close();
  const grpc::Status again = get(gateway->channel(), absl::Seconds(10));
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(gateway->gateway().open_streams(), 3);
  watches.clear();
  std::cout << "a connection allowed 4 streams, holding 4 watches: a fifth call on it waited "
               "until its 1 s deadline; another connection's call took "
            << absl::FormatDuration(other_took) << "; with one watch closed it was served"
            << std::endl;
}

}  // namespace
}  // namespace coopnet::gateway
