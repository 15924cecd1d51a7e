#include "common/pg/session.h"

#include "common/pg/connection.h"

namespace coopnet::pg {

absl::StatusOr<Result> Session::ExecParams(const Statement& statement,
                                           absl::Span<const Param> params) {
  return connection_->Execute(statement, params);
}

absl::Status Session::ExecScript(absl::string_view sql) {
  return connection_->Script(sql).status();
}

}  // namespace coopnet::pg
