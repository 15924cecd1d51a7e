# Fuzz targets (tests/fuzz/). With COOPNET_FUZZ, in a clang build (tests/fuzz.sh makes one in
# build-fuzz/), each is a libFuzzer binary with AddressSanitizer and UndefinedBehaviorSanitizer;
# in every other build it is a unit test that runs its corpus once, so a gcc build still
# checks every input that ever found something.
option(COOPNET_FUZZ "Build the fuzz targets with libFuzzer (clang only)" OFF)

if(COOPNET_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "COOPNET_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                        "configure with -DCMAKE_CXX_COMPILER=clang++-14")
  endif()
  if(COOPNET_SANITIZE)
    message(FATAL_ERROR "COOPNET_FUZZ brings its own sanitizers; leave COOPNET_SANITIZE empty")
  endif()
  # What the targets link (generated protobuf code above all) is built at -O0: only the
  # code under test is instrumented and optimised, and a cold build takes half as long.
  add_compile_options(-O0 -g1)
endif()

# coopnet_fuzz_target(<name> CODE ... DEPS ... LIBRARY <target>)
# tests/fuzz/<name>_fuzz.cc, which defines LLVMFuzzerTestOneInput, over the corpus
# tests/fuzz/corpus/<name>/. CODE are the sources under test: with COOPNET_FUZZ they are
# compiled into the target with coverage and sanitizers, linked with DEPS, what they need;
# otherwise the target links LIBRARY, which holds them, and replays the corpus as a test.
function(coopnet_fuzz_target name)
  cmake_parse_arguments(arg "" "LIBRARY" "CODE;DEPS" ${ARGN})
  set(target ${name}_fuzz)
  if(COOPNET_FUZZ)
    set(fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
                   -fno-omit-frame-pointer)
    add_executable(${target} ${name}_fuzz.cc ${arg_CODE})
    target_compile_options(${target} PRIVATE ${COOPNET_WARNINGS} ${fuzz_flags} -O1)
    target_link_options(${target} PRIVATE ${fuzz_flags})
    target_link_libraries(${target} PRIVATE ${arg_DEPS})
    if(NOT TARGET fuzz_targets)
      add_custom_target(fuzz_targets)
    endif()
    add_dependencies(fuzz_targets ${target})
  else()
    add_executable(${target} ${name}_fuzz.cc replay_main.cc)
    target_compile_options(${target} PRIVATE ${COOPNET_WARNINGS})
    target_link_libraries(${target} PRIVATE ${arg_LIBRARY})
    add_test(NAME ${target}_corpus
             COMMAND ${target} ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set_tests_properties(${target}_corpus PROPERTIES LABELS unit TIMEOUT 120)
    add_dependencies(tests_unit ${target})
  endif()
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()
