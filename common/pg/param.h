// coopnet::pg::Param — one bound parameter ($1, $2, ...) of a statement.
//
// Store code never builds a Param by hand: Exec turns each argument into one.
//
//   session.Exec(kInsertProject, project_id, title, std::optional<int64_t>(),
//                std::vector<std::string>{"de", "pl"}, pg::Bytes(etag));
//
// Values travel as text, typed by the statement as if they were literals written at
// their place, so "$1" compared with a uuid column reads a uuid. Where the statement
// leaves the type open (`SELECT $1`, `$1 IS NULL`), cast it: `$1::bigint`.
#ifndef COOPNET_COMMON_PG_PARAM_H_
#define COOPNET_COMMON_PG_PARAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace coopnet::pg {

// Bytes for a bytea parameter, sent in binary so that no byte needs escaping.
struct Bytes {
  explicit Bytes(absl::string_view bytes) : data(bytes) {}
  absl::string_view data;
};

// A parameter value: SQL NULL, text, or binary bytea.
class Param {
 public:
  // Text. A std::string lvalue is referred to, not copied (Params live for one Exec
  // call, while their arguments do); every other form is copied.
  Param(const std::string& value) : external_(value.c_str()), size_(value.size()) {}
  Param(std::string&& value) : owned_(std::move(value)), size_(owned_.size()) {}
  Param(absl::string_view value) : owned_(value), size_(owned_.size()) {}
  Param(const char* value) : Param(absl::string_view(value)) {}

  // int8, int16, ..., uint64 as decimal text; char is text, not a number.
  template <typename Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool> &&
                                               !std::is_same_v<Int, char>,
                                           int> = 0>
  Param(Int value) : Param(std::to_string(value)) {}

  // "true" / "false".
  Param(bool value);

  // The shortest text that reads back as the same double; NaN and ±Infinity included.
  Param(double value);

  // A timestamptz, to the microsecond (see text::FormatTimestamp).
  Param(absl::Time value);

  // bytea, in binary format.
  Param(Bytes value);

  // SQL NULL.
  Param(std::nullopt_t);

  // SQL NULL when empty, else the value.
  template <typename T>
  Param(const std::optional<T>& value) : Param(value ? Param(*value) : Param(std::nullopt)) {}

  // Arrays, as array literals with every string element quoted (text::ArrayLiteral).
  Param(const std::vector<std::string>& values);
  Param(const std::vector<int32_t>& values);
  Param(const std::vector<int64_t>& values);

  bool is_null() const { return null_; }
  bool is_binary() const { return binary_; }
  // The value's bytes; for text, NUL-terminated at data()[size()] as libpq needs.
  const char* data() const { return external_ != nullptr ? external_ : owned_.c_str(); }
  size_t size() const { return size_; }
  absl::string_view value() const { return absl::string_view(data(), size_); }

 private:
  const char* external_ = nullptr;
  std::string owned_;
  size_t size_ = 0;
  bool null_ = false;
  bool binary_ = false;
};

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_PARAM_H_
