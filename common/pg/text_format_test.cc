#include "common/pg/text_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/pg/param.h"

namespace coopnet::pg::text {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(PgArrayLiteral, QuotesEveryElementAndEscapesQuotesAndBackslashes) {
  EXPECT_EQ(ArrayLiteral(std::vector<std::string>{"a,b", "say \"hi\"", "C:\\dir", "{x}", "NULL", "",
                                                  " padded "}),
            R"({"a,b","say \"hi\"","C:\\dir","{x}","NULL",""," padded "})");
}

TEST(PgArrayLiteral, EscapesAdjacentAndTrailingSpecialCharacters) {
  EXPECT_EQ(ArrayLiteral(std::vector<std::string>{"\"\\", "x\\", "\\\"y"}),
            R"({"\"\\","x\\","\\\"y"})");
}

TEST(PgArrayLiteral, PassesUtf8Through) {
  EXPECT_EQ(ArrayLiteral(std::vector<std::string>{"æøå", "ąęłńśźż"}), "{\"æøå\",\"ąęłńśźż\"}");
}

TEST(PgArrayLiteral, EmptyArrayIsBraces) {
  EXPECT_EQ(ArrayLiteral(std::vector<std::string>{}), "{}");
  EXPECT_EQ(ArrayLiteral(std::vector<int64_t>{}), "{}");
}

TEST(PgArrayLiteral, IntegersAreBare) {
  EXPECT_EQ(ArrayLiteral(std::vector<int32_t>{1, -2, 2147483647}), "{1,-2,2147483647}");
  EXPECT_EQ(ArrayLiteral(std::vector<int64_t>{INT64_MIN}), "{-9223372036854775808}");
}

TEST(PgParseArray, ReadsQuotedAndBareElementsAndNull) {
  auto elements = ParseArray(R"({plain,"a,b","say \"hi\"","C:\\dir",NULL,"NULL",""})");
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_THAT(*elements,
              ElementsAre(Optional(std::string("plain")), Optional(std::string("a,b")),
                          Optional(std::string("say \"hi\"")), Optional(std::string("C:\\dir")),
                          std::nullopt, Optional(std::string("NULL")), Optional(std::string(""))));
}

TEST(PgParseArray, ReadsEmptyArrayAndBounds) {
  EXPECT_THAT(ParseArray("{}").value(), ElementsAre());
  EXPECT_THAT(ParseArray("[0:1]={7,8}").value(),
              ElementsAre(Optional(std::string("7")), Optional(std::string("8"))));
}

TEST(PgParseArray, RoundTripsWhatArrayLiteralWrites) {
  const std::vector<std::string> strings = {"a,b", "\"", "\\", "{}", "NULL", "", "  ", "æ ø"};
  auto parsed = ParseArray(ArrayLiteral(strings));
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), strings.size());
  for (size_t i = 0; i < strings.size(); ++i) EXPECT_EQ((*parsed)[i], strings[i]);
}

TEST(PgParseArray, RejectsMalformedAndNestedArrays) {
  EXPECT_FALSE(ParseArray("a,b").ok());
  EXPECT_FALSE(ParseArray("{\"open").ok());
  EXPECT_FALSE(ParseArray("{a,b").ok());
  EXPECT_FALSE(ParseArray("{a}x").ok());
  EXPECT_EQ(ParseArray("{{1,2},{3,4}}").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PgParseBytea, ReadsHex) {
  EXPECT_EQ(ParseBytea("\\x00ff0a").value(), std::string("\x00\xff\x0a", 3));
  EXPECT_EQ(ParseBytea("\\x").value(), "");
  EXPECT_FALSE(ParseBytea("\\x0").ok());
  EXPECT_FALSE(ParseBytea("\\xzz").ok());
  EXPECT_FALSE(ParseBytea("\\x0g").ok());
  EXPECT_EQ(ParseBytea("\\xDEadBe").value(), "\xde\xad\xbe");
  EXPECT_FALSE(ParseBytea("abc").ok());
}

TEST(PgTimestamp, ParsesIsoOutputWithOffsetsAndFractions) {
  const absl::Time expected =
      absl::FromCivil(absl::CivilSecond(2024, 5, 1, 12, 34, 56), absl::UTCTimeZone()) +
      absl::Microseconds(123456);
  EXPECT_EQ(ParseTimestamp("2024-05-01 12:34:56.123456+00").value(), expected);
  EXPECT_EQ(ParseTimestamp("2024-05-01T14:34:56.123456+02:00").value(), expected);
  EXPECT_EQ(ParseTimestamp("2024-05-01 12:34:56.1+00").value(),
            expected - absl::Microseconds(23456));
  EXPECT_EQ(ParseTimestamp("2024-05-01 12:34:56").value(), expected - absl::Microseconds(123456));
  EXPECT_EQ(ParseTimestamp("2024-05-01 07:04:56.123456-05:30").value(), expected);
}

TEST(PgTimestamp, ParsesInfinityAndBcAndRejectsNonsense) {
  EXPECT_EQ(ParseTimestamp("infinity").value(), absl::InfiniteFuture());
  EXPECT_EQ(ParseTimestamp("-infinity").value(), absl::InfinitePast());
  EXPECT_EQ(ParseTimestamp("0044-03-15 00:00:00+00 BC").value(),
            absl::FromCivil(absl::CivilSecond(-43, 3, 15, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_FALSE(ParseTimestamp("2024-02-30 00:00:00+00").ok());
  EXPECT_FALSE(ParseTimestamp("2024-05-01").ok());
  EXPECT_FALSE(ParseTimestamp("2024-05-01 12:34:56+00 AD").ok());
}

TEST(PgTimestamp, FormatsMicrosecondsInUtcAndReadsBack) {
  const absl::Time t = absl::FromUnixMicros(1714566896123456) + absl::Nanoseconds(999);
  EXPECT_EQ(FormatTimestamp(t), "2024-05-01 12:34:56.123456+00");
  EXPECT_EQ(FormatTimestamp(absl::FromUnixMicros(-1)), "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(FormatTimestamp(absl::InfiniteFuture()), "infinity");
  for (absl::Time time :
       {absl::FromUnixMicros(-1), absl::UnixEpoch(),
        absl::FromCivil(absl::CivilSecond(-43, 3, 15, 0, 0, 0), absl::UTCTimeZone())}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(time)).value(), time) << FormatTimestamp(time);
  }
}

TEST(PgParam, TextNullBinaryAndNumbers) {
  const std::string name = "Bærum";
  EXPECT_EQ(Param(name).value(), "Bærum");
  EXPECT_EQ(Param(name).data(), name.c_str());  // referred to, not copied
  EXPECT_TRUE(Param(std::nullopt).is_null());
  EXPECT_TRUE(Param(std::optional<int64_t>()).is_null());
  EXPECT_EQ(Param(std::optional<int64_t>(7)).value(), "7");
  EXPECT_EQ(Param(int64_t{-9223372036854775807 - 1}).value(), "-9223372036854775808");
  EXPECT_EQ(Param(true).value(), "true");
  EXPECT_EQ(Param(0.1).value(), "0.1");
  EXPECT_EQ(Param(std::numeric_limits<double>::infinity()).value(), "Infinity");
  EXPECT_EQ(Param(std::nan("")).value(), "NaN");
  const Param bytes(Bytes(std::string("\0\1", 2)));
  EXPECT_TRUE(bytes.is_binary());
  EXPECT_EQ(bytes.value(), std::string("\0\1", 2));
}

}  // namespace
}  // namespace coopnet::pg::text
