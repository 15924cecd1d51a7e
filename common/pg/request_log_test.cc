#include "common/pg/request_log.h"

#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/pg/migrate.h"
#include "common/pg/pg_testing.h"
#include "common/status/status.h"
#include "tests/harness/servers.h"

namespace coopnet::pg {
namespace {

using test::NewPool;
using test::QueryOne;
using test::Script;

constexpr absl::string_view kScope = "organisations.CreateOrganisation";

class PgRequestLog : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Migrate(*pool_, {}).ok());
    Script(*pool_, "CREATE TABLE organisations (id serial PRIMARY KEY, name text NOT NULL)");
  }

  struct Reply {
    absl::Status status;
    std::string response;
    bool acted = false;
  };

  // What a CreateOrganisation handler does: claim, act unless done before, record.
  Reply Create(absl::string_view request_id, absl::string_view name,
               const TxOptions& options = {}) {
    Reply reply;
    reply.status = pool_->InTransaction(
        [&](Transaction& tx) -> absl::Status {
          reply.acted = false;
          COOPNET_ASSIGN_OR_RETURN(
              std::optional<std::string> earlier,
              ClaimRequest(tx, kScope, request_id, absl::StrCat("hash:", name)));
          if (earlier.has_value()) {
            reply.response = *earlier;
            return absl::OkStatus();
          }
          COOPNET_ASSIGN_OR_RETURN(Result r, tx.Exec(kInsert, name));
          reply.acted = true;
          reply.response = absl::StrCat("organisations/", r.GetString(0, 0));
          return RecordResponse(tx, kScope, request_id, reply.response);
        },
        options);
    return reply;
  }

  testing::TestDatabase db_;
  std::unique_ptr<Pool> pool_ = NewPool(db_.dsn(), {.size = 8});
  const Statement kInsert{"INSERT INTO organisations (name) VALUES ($1) RETURNING id"};
};

TEST_F(PgRequestLog, SameIdAndRequestReturnsTheFirstResponse) {
  Reply first = Create("req-1", "Kraków");
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_TRUE(first.acted);
  Reply again = Create("req-1", "Kraków");
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_FALSE(again.acted);
  EXPECT_EQ(again.response, first.response);
  EXPECT_EQ(QueryOne(*pool_, "SELECT count(*) FROM organisations"), "1");
}

TEST_F(PgRequestLog, SameIdWithADifferentRequestIsAlreadyExists) {
  ASSERT_TRUE(Create("req-1", "Kraków").status.ok());
  Reply other = Create("req-1", "Tromsø");
  EXPECT_EQ(other.status.code(), absl::StatusCode::kAlreadyExists) << other.status;
  auto info = status::GetErrorInfo(other.status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "REQUEST_ID_REUSED");
  EXPECT_EQ(info->metadata().at("request_id"), "req-1");
  EXPECT_EQ(QueryOne(*pool_, "SELECT count(*) FROM organisations"), "1");
}

TEST_F(PgRequestLog, ScopesKeepTheirIdsApart) {
  ASSERT_TRUE(Create("req-1", "Kraków").status.ok());
  absl::Status s = pool_->InTransaction([&](Transaction& tx) -> absl::Status {
    COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                             ClaimRequest(tx, "projects.CreateProject", "req-1", "other"));
    EXPECT_FALSE(earlier.has_value());
    return RecordResponse(tx, "projects.CreateProject", "req-1", "projects/1");
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(PgRequestLog, FailedAttemptIsForgotten) {
  absl::Status failed = pool_->InTransaction([&](Transaction& tx) -> absl::Status {
    COOPNET_RETURN_IF_ERROR(ClaimRequest(tx, kScope, "req-1", "hash:Kraków").status());
    return absl::FailedPreconditionError("quota exceeded");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  Reply retry = Create("req-1", "Kraków");
  ASSERT_TRUE(retry.status.ok()) << retry.status;
  EXPECT_TRUE(retry.acted);
}

TEST_F(PgRequestLog, EmptyRequestIdIsInvalidArgument) {
  EXPECT_EQ(Create("", "Kraków").status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PgRequestLog, RecordingWithoutAClaimIsFailedPrecondition) {
  absl::Status s = pool_->InTransaction(
      [&](Transaction& tx) { return RecordResponse(tx, kScope, "never-claimed", "x"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
}

TEST_F(PgRequestLog, ForgottenRequestsActAgain) {
  ASSERT_TRUE(Create("req-1", "Kraków").status.ok());
  absl::StatusOr<int64_t> forgotten = ForgetRequests(*pool_, absl::Now() + absl::Minutes(1));
  ASSERT_TRUE(forgotten.ok()) << forgotten.status();
  EXPECT_EQ(*forgotten, 1);
  EXPECT_TRUE(Create("req-1", "Kraków").acted);
}

// A lost COMMIT (a server restarted at that moment) leaves a write without a request id
// in doubt; with one, the write runs again and the claim makes it happen exactly once.
TEST_F(PgRequestLog, ConnectionLostDuringCommitRunsAClaimedRequestAgainOnce) {
  // A deferred trigger runs inside COMMIT; this one ends its own server process there,
  // the first time only (a sequence counts outside transactions).
  Script(*pool_, R"sql(
    CREATE SEQUENCE commits_cut;
    CREATE FUNCTION cut_first_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('commits_cut') = 1 THEN
        PERFORM pg_terminate_backend(pg_backend_pid());
        PERFORM pg_sleep(30);  -- where the termination lands
      END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER cut_first_commit AFTER INSERT ON organisations
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cut_first_commit();
  )sql");
  int runs = 0;
  absl::Status s = pool_->InTransaction([&](Transaction& tx) -> absl::Status {
    ++runs;
    COOPNET_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                             ClaimRequest(tx, kScope, "req-1", "hash:Kraków"));
    if (earlier.has_value()) return absl::OkStatus();
    COOPNET_RETURN_IF_ERROR(tx.Exec(kInsert, "Kraków").status());
    return RecordResponse(tx, kScope, "req-1", "organisations/1");
  });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(QueryOne(*pool_, "SELECT count(*) FROM organisations"), "1");
  Reply again = Create("req-1", "Kraków");
  ASSERT_TRUE(again.status.ok()) << again.status;
  EXPECT_FALSE(again.acted);
}

class PgRequestLogConcurrent : public PgRequestLog,
                               public ::testing::WithParamInterface<Isolation> {};

TEST_P(PgRequestLogConcurrent, ConcurrentClaimsLetExactlyOneAct) {
  constexpr int kClients = 8;
  std::latch start(kClients);
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      replies[i] = Create("req-1", "Bærum", {.isolation = GetParam()});
    });
  }
  for (std::thread& client : clients) client.join();

  int acted = 0;
  std::string first_response;
  for (const Reply& reply : replies) {
    ASSERT_TRUE(reply.status.ok()) << reply.status;
    if (reply.acted) {
      ++acted;
      first_response = reply.response;
    }
  }
  ASSERT_EQ(acted, 1);
  for (const Reply& reply : replies) EXPECT_EQ(reply.response, first_response);
  EXPECT_EQ(QueryOne(*pool_, "SELECT count(*) FROM organisations"), "1");
}

INSTANTIATE_TEST_SUITE_P(Isolations, PgRequestLogConcurrent,
                         ::testing::Values(Isolation::kReadCommitted, Isolation::kRepeatableRead,
                                           Isolation::kSerializable),
                         [](const ::testing::TestParamInfo<Isolation>& info) {
                           switch (info.param) {
                             case Isolation::kReadCommitted:
                               return "ReadCommitted";
                             case Isolation::kRepeatableRead:
                               return "RepeatableRead";
                             case Isolation::kSerializable:
                               return "Serializable";
                           }
                           return "Unknown";
                         });

}  // namespace
}  // namespace coopnet::pg
