# Helpers that give every library, test and binary of coopnet the same shape.

# coopnet_library(<name> SOURCES ... DEPS ...)
# Defines coopnet_<name> (alias coopnet::<name>) built with our warnings; headers are
# included from the repository root ("common/pg/pool.h").
function(coopnet_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_library(coopnet_${name} STATIC ${arg_SOURCES})
  add_library(coopnet::${name} ALIAS coopnet_${name})
  target_include_directories(coopnet_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(coopnet_${name} PRIVATE ${COOPNET_WARNINGS})
  target_link_libraries(coopnet_${name} PUBLIC ${arg_DEPS})
endfunction()

# coopnet_test(<name> LABEL <unit|integration|e2e|interop|fault> SOURCES ... DEPS ...)
# One GoogleTest binary; each TEST becomes a CTest test carrying the label. The target
# tests_<label> builds every binary of a label, and nothing else.
function(coopnet_test name)
  cmake_parse_arguments(arg "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT arg_LABEL)
    message(FATAL_ERROR "coopnet_test(${name}) needs a LABEL")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  if(COOPNET_SANITIZE)
    # Instrumented code runs slower (ThreadSanitizer's 5 to 15 times, by its documentation).
    math(EXPR arg_TIMEOUT "${arg_TIMEOUT} * 3")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_compile_options(${name} PRIVATE ${COOPNET_WARNINGS})
  target_link_libraries(${name} PRIVATE ${arg_DEPS} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS ${arg_LABEL} TIMEOUT ${arg_TIMEOUT})
  if(NOT TARGET tests_${arg_LABEL})
    add_custom_target(tests_${arg_LABEL})
  endif()
  add_dependencies(tests_${arg_LABEL} ${name})
endfunction()

# coopnet_binary(<name> <library>)
# A serving process: main.cc of the current folder linked with <library> and jemalloc.
# jemalloc replaces glibc's malloc in the process: a registration allocates some 400
# times across gRPC, protobuf and libpq from many threads at once, and glibc's arenas
# spent a quarter of the service's instructions there (in alternating runs jemalloc took
# 14 to 21 % less of the process's CPU per registration and gave 13 to 26 % more
# registrations a second; see README, Performance). Tests keep glibc's, which sanitizers
# and valgrind know best.
function(coopnet_binary name library)
  add_executable(${name} main.cc)
  target_compile_options(${name} PRIVATE ${COOPNET_WARNINGS})
  # A direct dependency, so it comes before libc in the symbol lookup order.
  target_link_libraries(${name} PRIVATE ${library} PkgConfig::JEMALLOC)
endfunction()

# coopnet_migrations(<target> <dir>)
# Embeds <dir>/NNNN_name.sql into <target> as coopnet::pg::Migration values returned
# by `Migrations()` in namespace <namespace>, so a binary carries its own schema.
function(coopnet_migrations target namespace dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${namespace} "-DFILES=${sql_files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
    COMMENT "Embedding migrations of ${target}"
    # Quotes FILES for the shell: with two or more migrations it holds ';'.
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

# Adds every child folder of the current source folder that has a CMakeLists.txt.
function(coopnet_add_child_folders)
  file(GLOB children RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
