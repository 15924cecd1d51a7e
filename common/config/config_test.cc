#include "common/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/status/status.h"

namespace coopnet::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

TEST(Config, DefaultsHoldWhenNothingIsSet) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "gRPC listen port");
  const absl::Duration& drain = loader.Duration("drain_timeout", absl::Seconds(20), "drain");
  const bool& migrate = loader.Bool("migrate_at_start", false, "migrate");
  const std::string& region = loader.String("region", "eu-west", "region");
  ASSERT_TRUE(loader.Load({}, {}).ok());
  EXPECT_EQ(port, 50051);
  EXPECT_EQ(drain, absl::Seconds(20));
  EXPECT_FALSE(migrate);
  EXPECT_EQ(region, "eu-west");
}

TEST(Config, EnvironmentSetsValues) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "");
  const absl::Duration& drain = loader.Duration("drain_timeout", absl::Seconds(20), "");
  const bool& migrate = loader.Bool("migrate_at_start", false, "");
  const std::string& dsn = loader.String("pg_dsn", kRequired, "");
  ASSERT_TRUE(loader
                  .Load({}, {{"COOPNET_PORT", "6000"},
                             {"COOPNET_DRAIN_TIMEOUT", "500ms"},
                             {"COOPNET_MIGRATE_AT_START", "true"},
                             {"COOPNET_PG_DSN", "host=db"}})
                  .ok());
  EXPECT_EQ(port, 6000);
  EXPECT_EQ(drain, absl::Milliseconds(500));
  EXPECT_TRUE(migrate);
  EXPECT_EQ(dsn, "host=db");
}

TEST(Config, FlagOverridesEnvironment) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "");
  const absl::Duration& drain = loader.Duration("drain_timeout", absl::Seconds(20), "");
  const std::string& dsn = loader.String("pg_dsn", kRequired, "");
  absl::Status s = loader.Load(
      {"--port=7000", "--drain-timeout", "1m30s", "--pg_dsn", "host=b"},
      {{"COOPNET_PORT", "6000"}, {"COOPNET_DRAIN_TIMEOUT", "5s"}, {"COOPNET_PG_DSN", "host=a"}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(port, 7000);
  EXPECT_EQ(drain, absl::Seconds(90));
  EXPECT_EQ(dsn, "host=b");
}

TEST(Config, BrokenEnvironmentValueReplacedByFlagIsNotAnError) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "");
  absl::Status s = loader.Load({"--port=7000"}, {{"COOPNET_PORT", "not-a-number"}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(port, 7000);
}

TEST(Config, MissingRequiredValuesAreAllNamedInOneError) {
  Loader loader("organisations");
  loader.String("pg_dsn", kRequired, "");
  loader.Secret("admin_key", kRequired, "");
  loader.Int("shard", kRequired, "");
  loader.Int("port", 50051, "");
  absl::Status s = loader.Load({}, {{"COOPNET_SHARD", "3"}});
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "pg_dsn is required: set COOPNET_PG_DSN or pass --pg_dsn; "
            "admin_key is required: set COOPNET_ADMIN_KEY (or COOPNET_ADMIN_KEY_FILE, a file "
            "holding it) or pass --admin_key");
  auto bad_request = status::GetBadRequest(s);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(0).field(), "pg_dsn");
  EXPECT_EQ(bad_request->field_violations(1).field(), "admin_key");
}

TEST(Config, EmptyValueDoesNotSatisfyRequired) {
  Loader loader("organisations");
  loader.String("pg_dsn", kRequired, "");
  loader.String("region", kRequired, "");
  absl::Status s = loader.Load({"--region="}, {{"COOPNET_PG_DSN", ""}});
  EXPECT_THAT(s.message(), HasSubstr("pg_dsn is required"));
  EXPECT_THAT(s.message(), HasSubstr("region is required"));
}

TEST(Config, EveryProblemIsReportedAtOnce) {
  Loader loader("organisations");
  loader.Int("port", 50051, "");
  loader.Duration("drain_timeout", absl::Seconds(20), "");
  loader.Bool("migrate_at_start", false, "");
  loader.String("pg_dsn", kRequired, "");
  loader.Int("pool_size", 4, "");
  absl::Status s = loader.Load(
      {"--drain_timeout=20", "--colour=blue", "--migrate_at_start=maybe", "-v", "--pool_size"},
      {{"COOPNET_PORT", "fifty"}});
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  auto bad_request = status::GetBadRequest(s);
  ASSERT_TRUE(bad_request.has_value());
  std::vector<std::pair<std::string, std::string>> violations;
  for (const auto& v : bad_request->field_violations()) {
    violations.emplace_back(v.field(), v.description());
  }
  EXPECT_THAT(
      violations,
      ElementsAre(
          Pair("--drain_timeout", "must be a duration such as 20s, 500ms or 1m30s, got \"20\""),
          Pair("--colour", "is not a known flag (see --help)"),
          Pair("--migrate_at_start", "must be true or false, got \"maybe\""),
          Pair("-v", "is not a known flag (see --help)"), Pair("--pool_size", "needs a value"),
          Pair("COOPNET_PORT", "must be an integer, got \"fifty\""),
          Pair("pg_dsn", HasSubstr("is required"))));
}

TEST(Config, NegativeDurationIsRefused) {
  Loader loader("organisations");
  loader.Duration("drain_timeout", absl::Seconds(20), "");
  EXPECT_EQ(loader.Load({"--drain_timeout=-5s"}, {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(Config, UnknownFlagErrorDoesNotEchoItsValue) {
  Loader loader("organisations");
  loader.Secret("principal_secret", "", "");
  absl::Status s = loader.Load({"--principle_secret=hunter2"}, {});
  EXPECT_THAT(s.message(), HasSubstr("--principle_secret is not a known flag"));
  EXPECT_THAT(s.message(), Not(HasSubstr("hunter2")));
}

TEST(Config, PositionalArgumentsAreReturnedInOrder) {
  Loader loader("organisations", "[migrate]");
  const bool& migrate = loader.Bool("migrate_at_start", false, "");
  const int64_t& port = loader.Int("port", 1, "");
  ASSERT_TRUE(
      loader.Load({"migrate", "--migrate_at_start", "up", "--port", "9", "--", "--port=3"}, {})
          .ok());
  EXPECT_TRUE(migrate);
  EXPECT_EQ(port, 9);
  EXPECT_THAT(loader.Positional(), ElementsAre("migrate", "up", "--port=3"));
}

TEST(Config, BoolFlagAcceptsExplicitFalse) {
  Loader loader("organisations");
  const bool& migrate = loader.Bool("migrate_at_start", true, "");
  ASSERT_TRUE(loader.Load({"--migrate-at-start=false"}, {}).ok());
  EXPECT_FALSE(migrate);
}

TEST(Config, HelpIsPrintedAndSkipsValidation) {
  Loader loader("organisations", "[migrate]");
  loader.Int("port", 50051, "gRPC listen port");
  loader.String("pg_dsn", kRequired, "PostgreSQL connection string");
  testing::internal::CaptureStdout();
  absl::Status s = loader.Load({"--help", "--nonsense"}, {{"COOPNET_PORT", "x"}});
  std::string printed = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(loader.HelpRequested());
  EXPECT_EQ(printed, loader.Help());
  EXPECT_THAT(printed, HasSubstr("Usage: organisations [flags] [migrate]"));
  EXPECT_THAT(printed, HasSubstr(loader.Describe()));

  ASSERT_TRUE(loader.Load({}, {{"COOPNET_PG_DSN", "x"}}).ok());
  EXPECT_FALSE(loader.HelpRequested());
}

TEST(Config, DescribeIsATableOfEveryOption) {
  Loader loader("organisations");
  loader.Int("port", 50051, "gRPC listen port");
  loader.String("pg_dsn", kRequired, "PostgreSQL connection string");
  loader.Duration("drain_timeout", absl::Seconds(20), "Time to finish in-flight calls");
  loader.Bool("migrate_at_start", false, "Apply migrations | then serve");
  loader.String("region", "", "Region");
  EXPECT_EQ(
      loader.Describe(),
      R"(| Flag               | Environment              | Default    | Description                    |
| ------------------ | ------------------------ | ---------- | ------------------------------ |
| --port             | COOPNET_PORT             | 50051      | gRPC listen port               |
| --pg_dsn           | COOPNET_PG_DSN           | (required) | PostgreSQL connection string   |
| --drain_timeout    | COOPNET_DRAIN_TIMEOUT    | 20s        | Time to finish in-flight calls |
| --migrate_at_start | COOPNET_MIGRATE_AT_START | false      | Apply migrations \| then serve |
| --region           | COOPNET_REGION           | ""         | Region                         |
)");
}

TEST(Config, SecretsAreNeverPrinted) {
  Loader loader("organisations");
  loader.Secret("principal_secret", "default-secret", "Shared secret of the principal");
  loader.String("region", "eu", "");
  ASSERT_TRUE(loader.Load({"--principal_secret=s3cr3t"}, {}).ok());
  EXPECT_THAT(loader.Describe(), Not(HasSubstr("default-secret")));
  EXPECT_THAT(loader.Describe(), HasSubstr("| ***"));
  EXPECT_THAT(loader.Values(), ElementsAre(Pair("principal_secret", "***"), Pair("region", "eu")));
}

TEST(Config, LoadStartsOverFromTheDefaults) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "");
  ASSERT_TRUE(loader.Load({"--port=1", "a"}, {}).ok());
  ASSERT_TRUE(loader.Load({}, {}).ok());
  EXPECT_EQ(port, 50051);
  EXPECT_TRUE(loader.Positional().empty());
}

TEST(Config, DeclaringAnOptionTwiceIsABug) {
  Loader loader("organisations");
  loader.Int("port", 1, "");
  loader.Int("port", 2, "");
  loader.Int("Bad Name", 2, "");
  absl::Status s = loader.Load({}, {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("\"port\" is declared twice"));
  EXPECT_THAT(s.message(), HasSubstr("\"Bad Name\" is not snake_case"));
}

TEST(Config, ArgvAndEnvironReadLikeMain) {
  Loader loader("organisations");
  const int64_t& port = loader.Int("port", 50051, "");
  const std::string& dsn = loader.String("pg_dsn", kRequired, "");
  const char* argv[] = {"organisations", "migrate", "--port=81", nullptr};
  const char* envp[] = {"PATH=/bin", "COOPNET_PG_DSN=host=db user=x", "COOPNET_PORT=80", nullptr};
  ASSERT_TRUE(loader.Load(3, argv, envp).ok());
  EXPECT_EQ(port, 81);
  EXPECT_EQ(dsn, "host=db user=x");
  EXPECT_THAT(loader.Positional(), ElementsAre("migrate"));
}

// A file in a fresh temporary folder holding `content`; removed with the test's folder.
std::string SecretFile(const std::string& content) {
  char folder[] = "/tmp/coopnet-config-XXXXXX";
  const std::string path = std::string(mkdtemp(folder)) + "/secret";
  std::ofstream(path) << content;
  return path;
}

TEST(Config, SecretIsReadFromTheFileItsFileVariableNames) {
  Loader loader("organisations");
  const std::string& dsn = loader.Secret("pg_dsn", kRequired, "");
  const std::string path = SecretFile("host=db password=p\n");
  absl::Status s = loader.Load({}, {{"COOPNET_PG_DSN_FILE", path}});
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(dsn, "host=db password=p");
}

TEST(Config, MissingSecretFileIsAnErrorNamingTheVariableAndPath) {
  Loader loader("organisations");
  loader.Secret("pg_dsn", kRequired, "");
  absl::Status s = loader.Load({}, {{"COOPNET_PG_DSN_FILE", "/nonexistent/dsn"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr("COOPNET_PG_DSN_FILE cannot read /nonexistent/dsn: No such file"));
}

TEST(Config, EmptySecretFileIsAnError) {
  Loader loader("organisations");
  loader.Secret("admin_key", "", "");
  const std::string path = SecretFile("\n");
  absl::Status s = loader.Load({}, {{"COOPNET_ADMIN_KEY_FILE", path}});
  EXPECT_THAT(s.message(), HasSubstr("COOPNET_ADMIN_KEY_FILE " + path + " is empty"));
}

TEST(Config, SecretSetBothWaysIsAnError) {
  Loader loader("organisations");
  loader.Secret("admin_key", "", "");
  absl::Status s =
      loader.Load({}, {{"COOPNET_ADMIN_KEY", "k"}, {"COOPNET_ADMIN_KEY_FILE", SecretFile("k")}});
  EXPECT_THAT(s.message(), HasSubstr("COOPNET_ADMIN_KEY_FILE and COOPNET_ADMIN_KEY are both set"));
}

TEST(Config, FlagWinsOverSecretFile) {
  Loader loader("organisations");
  const std::string& key = loader.Secret("admin_key", "", "");
  ASSERT_TRUE(loader.Load({"--admin_key=flag"}, {{"COOPNET_ADMIN_KEY_FILE", "/nonexistent"}}).ok());
  EXPECT_EQ(key, "flag");
}

TEST(Config, OnlySecretsComeFromFiles) {
  Loader loader("organisations");
  const std::string& region = loader.String("region", "eu", "");
  ASSERT_TRUE(loader.Load({}, {{"COOPNET_REGION_FILE", SecretFile("us")}}).ok());
  EXPECT_EQ(region, "eu");
}

TEST(Config, HelpNamesEverySecretsFileVariable) {
  Loader loader("organisations");
  loader.Secret("pg_dsn", "", "");
  loader.String("region", "eu", "");
  EXPECT_THAT(loader.Help(), HasSubstr("COOPNET_PG_DSN_FILE"));
  EXPECT_THAT(loader.Help(), Not(HasSubstr("COOPNET_REGION_FILE")));
}

TEST(Config, RequiredSecretNamesItsFileVariable) {
  Loader loader("organisations");
  loader.Secret("pg_dsn", kRequired, "");
  absl::Status s = loader.Load({}, {});
  EXPECT_THAT(s.message(), HasSubstr("set COOPNET_PG_DSN (or COOPNET_PG_DSN_FILE"));
}

}  // namespace
}  // namespace coopnet::config
