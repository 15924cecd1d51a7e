#include "common/redis/reply.h"

#include <ostream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace coopnet::redis {

Reply Reply::Integer(int64_t value) {
  Reply reply;
  reply.type = Type::kInteger;
  reply.integer = value;
  return reply;
}

Reply Reply::String(absl::string_view value) {
  Reply reply;
  reply.type = Type::kString;
  reply.str = std::string(value);
  return reply;
}

Reply Reply::Status(absl::string_view value) {
  Reply reply;
  reply.type = Type::kStatus;
  reply.str = std::string(value);
  return reply;
}

Reply Reply::Error(absl::string_view message) {
  Reply reply;
  reply.type = Type::kError;
  reply.str = std::string(message);
  return reply;
}

Reply Reply::Array(std::vector<Reply> elements) {
  Reply reply;
  reply.type = Type::kArray;
  reply.elements = std::move(elements);
  return reply;
}

std::string Reply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kInteger:
      return absl::StrCat("(integer) ", integer);
    case Type::kString:
      return absl::StrCat("\"", absl::CHexEscape(str), "\"");
    case Type::kStatus:
      return str;
    case Type::kError:
      return absl::StrCat("(error) ", str);
    case Type::kArray:
      return absl::StrCat(
          "[",
          absl::StrJoin(elements, ", ",
                        [](std::string* out, const Reply& r) { out->append(r.DebugString()); }),
          "]");
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, const Reply& reply) {
  return out << reply.DebugString();
}

}  // namespace coopnet::redis
