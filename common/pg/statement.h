// coopnet::pg::Statement — one piece of SQL a store runs, prepared once per connection.
//
// Store code defines its statements once, as constants next to the code that runs them:
//
//   const pg::Statement kGetOrganisation{
//       "SELECT name, display_name, country FROM organisations WHERE id = $1"};
//
// Each pooled connection prepares a statement the first time it runs it and keeps it for
// the connection's life, so statements are meant to be a fixed set: SQL built at run time
// would leave one prepared statement per distinct text on every connection. Values always
// travel as parameters ($1, $2, ...), never inside the SQL text.
#ifndef COOPNET_COMMON_PG_STATEMENT_H_
#define COOPNET_COMMON_PG_STATEMENT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace coopnet::pg {

// SQL text and the name it is prepared under on each connection.
class Statement {
 public:
  // Named after a 64-bit hash of `sql`, so equal text shares one prepared statement.
  explicit Statement(absl::string_view sql);

  // Prepared under `name`, which must be unique among the process's statements.
  Statement(absl::string_view name, absl::string_view sql);

  const std::string& name() const { return name_; }
  const std::string& sql() const { return sql_; }

 private:
  std::string name_;
  std::string sql_;
};

}  // namespace coopnet::pg

#endif  // COOPNET_COMMON_PG_STATEMENT_H_
