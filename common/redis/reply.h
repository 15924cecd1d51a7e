// coopnet::redis::Reply — one Redis reply as a plain value the caller owns.
//
// hiredis hands out reply trees that must be freed with freeReplyObject; Client copies
// them into Reply before returning, so no hiredis type escapes the library.
//
//   COOPNET_ASSIGN_OR_RETURN(redis::Reply reply, client->Command({"GET", key}));
//   if (reply.is_nil()) return absl::NotFoundError(key);
//   return reply.str;
#ifndef COOPNET_COMMON_REDIS_REPLY_H_
#define COOPNET_COMMON_REDIS_REPLY_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace coopnet::redis {

// A reply of RESP2, the protocol hiredis 0.14 speaks. Only the member matching `type` is
// meaningful; the others keep their defaults, so two equal replies compare equal.
struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;          // kInteger
  std::string str;              // kString (binary-safe), kStatus ("OK"), kError (text)
  std::vector<Reply> elements;  // kArray, e.g. the replies of EXEC or MGET

  static Reply Nil() { return Reply(); }
  static Reply Integer(int64_t value);
  static Reply String(absl::string_view value);
  static Reply Status(absl::string_view value);
  static Reply Error(absl::string_view message);
  static Reply Array(std::vector<Reply> elements);

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }

  // Redis-like text for test failures and messages: "nil", "(integer) 3", "\"a\\x00b\"",
  // "(error) WRONGTYPE ...", "[...]".
  std::string DebugString() const;

  friend bool operator==(const Reply&, const Reply&) = default;
};

std::ostream& operator<<(std::ostream& out, const Reply& reply);

}  // namespace coopnet::redis

#endif  // COOPNET_COMMON_REDIS_REPLY_H_
