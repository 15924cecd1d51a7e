#include "common/log/log.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace coopnet::log {
namespace {

using ::google::protobuf::Struct;
using ::testing::Eq;
using ::testing::MatchesRegex;
using ::testing::Optional;

// Parses a line as JSON the way a log collector would; fails the test if it is not.
Struct ParseLine(absl::string_view line) {
  Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(line), &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << line;
  return parsed;
}

std::string Text(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "<missing>" : it->second.string_value();
}

class Log : public ::testing::Test {
 protected:
  void SetUp() override {
    Init("organisations", Level::kDebug);
    SetSink([this](absl::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSink(nullptr);
    Init("organisations", Level::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(Log, LinesAreValidJsonWithEscapedText) {
  const std::string tricky = "quote \" backslash \\ newline \n tab \t bell \x07 del \x7f";
  const std::string unicode = "Zürich — 東京 🌍";
  Info(tricky, {{"city", unicode}, {"raw", "bad \xff byte \xed\xa0\x80 surrogate"}, {tricky, 1}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find('\n'), std::string::npos);
  Struct line = ParseLine(lines_[0]);
  EXPECT_EQ(Text(line, "msg"), tricky);
  EXPECT_EQ(Text(line, "city"), unicode);
  EXPECT_EQ(Text(line, "raw"), "bad \uFFFD byte \uFFFD\uFFFD\uFFFD surrogate");
  EXPECT_EQ(line.fields().at(tricky).number_value(), 1);
}

TEST_F(Log, FixedFieldsComeFirstThenCallerFieldsInOrder) {
  Warn("organisation created", {{"name", "organisations/42"}, {"trace_id", "abc"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], MatchesRegex("\\{\"time\":\"[^\"]*\",\"level\":\"warn\",\"service\":"
                                      "\"organisations\",\"msg\":\"organisation created\","
                                      "\"name\":\"organisations/42\",\"trace_id\":\"abc\"\\}"));
}

TEST_F(Log, TimeIsRfc3339UtcWithMilliseconds) {
  const absl::Time before = absl::Now() - absl::Milliseconds(1);
  Info("tick");
  const absl::Time after = absl::Now();
  std::string time = Text(ParseLine(lines_.at(0)), "time");
  EXPECT_THAT(time,
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  absl::Time parsed;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, time, &parsed, &error)) << error;
  EXPECT_GE(parsed, before);
  EXPECT_LE(parsed, after);
}

TEST_F(Log, NumbersAndBoolsAreJsonValues) {
  Info("values", {{"int", -42},
                  {"int64_min", std::numeric_limits<int64_t>::min()},
                  {"uint64_max", std::numeric_limits<uint64_t>::max()},
                  {"ratio", 0.1},
                  {"nan", std::numeric_limits<double>::quiet_NaN()},
                  {"inf", -std::numeric_limits<double>::infinity()},
                  {"ok", true}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], testing::HasSubstr("\"int\":-42,\"int64_min\":-9223372036854775808,"
                                            "\"uint64_max\":18446744073709551615,\"ratio\":0.1,"
                                            "\"nan\":\"NaN\",\"inf\":\"-Inf\",\"ok\":true}"));
  ParseLine(lines_[0]);
}

TEST_F(Log, AbsentOptionalFieldIsLeftOut) {
  std::optional<std::string> no_trace;
  std::optional<std::string> trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  Info("a", {{"trace_id", no_trace}});
  Info("b", {{"trace_id", trace}});
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(ParseLine(lines_[0]).fields().count("trace_id"), 0u);
  EXPECT_EQ(Text(ParseLine(lines_[1]), "trace_id"), *trace);
}

TEST_F(Log, CallerFieldsCannotShadowFixedOnes) {
  Info("real", {{"msg", "fake"}, {"level", "fatal"}});
  Struct line = ParseLine(lines_.at(0));
  EXPECT_EQ(Text(line, "msg"), "real");
  EXPECT_EQ(Text(line, "level"), "info");
  EXPECT_EQ(Text(line, "field.msg"), "fake");
  EXPECT_EQ(Text(line, "field.level"), "fatal");
}

TEST_F(Log, LinesBelowTheMinimumLevelAreDropped) {
  Init("members", Level::kWarn);
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  Debug("no");
  Info("no");
  Warn("yes");
  Error("yes too");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(Text(ParseLine(lines_[0]), "level"), "warn");
  EXPECT_EQ(Text(ParseLine(lines_[1]), "level"), "error");
  EXPECT_EQ(Text(ParseLine(lines_[1]), "service"), "members");
}

TEST_F(Log, LevelParsesFromConfigSpelling) {
  EXPECT_EQ(ParseLevel("debug").value(), Level::kDebug);
  EXPECT_EQ(ParseLevel("WARNING").value(), Level::kWarn);
  EXPECT_EQ(ParseLevel("error").value(), Level::kError);
  EXPECT_EQ(ParseLevel("loud").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LevelName(Level::kWarn), "warn");
}

TEST_F(Log, ConcurrentLinesOnStderrNeverInterleave) {
  SetSink(nullptr);
  char path[] = "/tmp/log_test_XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  const int saved_stderr = dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_EQ(dup2(file, STDERR_FILENO), STDERR_FILENO);

  constexpr int kThreads = 8;
  constexpr int kLines = 200;
  // Longer than PIPE_BUF, so only the log lock keeps the lines whole.
  const std::string payload(6000, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &payload] {
      for (int i = 0; i < kLines; ++i) Info("line", {{"thread", t}, {"i", i}, {"p", payload}});
    });
  }
  for (auto& thread : threads) thread.join();

  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  close(file);
  std::ifstream in(path);
  std::vector<int> next(kThreads, 0);
  int count = 0;
  for (std::string text; std::getline(in, text); ++count) {
    Struct line = ParseLine(text);
    const int t = static_cast<int>(line.fields().at("thread").number_value());
    ASSERT_TRUE(t >= 0 && t < kThreads) << text.substr(0, 200);
    EXPECT_EQ(line.fields().at("i").number_value(), next[t]++);
    EXPECT_EQ(Text(line, "p"), payload);
  }
  unlink(path);
  EXPECT_EQ(count, kThreads * kLines);
}

TEST_F(Log, TraceIdComesFromTraceparent) {
  EXPECT_THAT(TraceIdFromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
              Optional(Eq("4bf92f3577b34da6a3ce929d0e0e4736")));
  // A later version may append fields after a dash.
  EXPECT_THAT(
      TraceIdFromTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what"),
      Optional(Eq("4bf92f3577b34da6a3ce929d0e0e4736")));
}

TEST_F(Log, MalformedTraceparentIsRefused) {
  for (absl::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",         // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",     // 00 has no suffix
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",      // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",      // flags not hex
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",      // separators
           "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // version not hex
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01what",  // no dash after
           "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",      // shifted dash
       }) {
    EXPECT_EQ(TraceIdFromTraceparent(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace coopnet::log
