# Writes OUT: a C++ file defining `std::vector<coopnet::pg::Migration> <NAMESPACE>::Migrations()`
# from the SQL FILES (NNNN_name.sql), in order.
set(body "")
foreach(file ${FILES})
  get_filename_component(base ${file} NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.*)$" _ ${base})
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  file(READ ${file} sql)
  string(APPEND body "      {${version}, \"${name}\", R\"coopnet_sql(${sql})coopnet_sql\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from migrations/*.sql; do not edit.
#include <vector>

#include \"common/pg/migrate.h\"

namespace ${NAMESPACE} {

const std::vector<coopnet::pg::Migration>& Migrations() {
  static const auto* migrations = new std::vector<coopnet::pg::Migration>{
${body}  };
  return *migrations;
}

}  // namespace ${NAMESPACE}
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
