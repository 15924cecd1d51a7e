# Writes OUT: a C++ file defining coopnet::notifications::TemplateFiles()
# (templates_data.h) with the text of every <message>/<language>.txt under DIR.
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/*.txt)
list(SORT files)
set(entries "")
foreach(file ${files})
  file(READ ${DIR}/${file} text)
  string(REGEX REPLACE "\\.txt$" "" name ${file})
  if(text MATCHES "\\)coopnet_template\"")
    message(FATAL_ERROR "${file} holds the raw string's end marker")
  endif()
  string(APPEND entries "      {\"${name}\", R\"coopnet_template(${text})coopnet_template\"},\n")
endforeach()
file(WRITE ${OUT}.tmp "// Generated from ${DIR} by embed_templates.cmake; do not edit.
#include \"services/notifications/templates_data.h\"

namespace coopnet::notifications {

const std::vector<TemplateFile>& TemplateFiles() {
  static const auto* const files = new std::vector<TemplateFile>{
${entries}  };
  return *files;
}

}  // namespace coopnet::notifications
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
