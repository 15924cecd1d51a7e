# Sanitizer configurations of the tests (tests/sanitize.sh builds them into build-asan/).
# Everything compiled here is instrumented, generated code included; the distribution's
# gRPC, protobuf and Abseil are not.
set(COOPNET_SANITIZE "" CACHE STRING
    "Build everything with these sanitizers: address,undefined; empty for none")

if(COOPNET_SANITIZE)
  # -O1 and line tables only: quicker to compile than -O2 -g, and reports still say file:line.
  add_compile_options(-fsanitize=${COOPNET_SANITIZE} -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=${COOPNET_SANITIZE})
  # The instrumentation hides from GCC 12 that a value is set, and <regex> (as inlined into
  # common/validate) trips it; the normal build keeps this warning an error.
  list(APPEND COOPNET_WARNINGS -Wno-maybe-uninitialized)
  if(COOPNET_SANITIZE MATCHES "undefined")
    # Undefined behaviour fails the test that meets it instead of printing and going on.
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

if(COOPNET_SANITIZE AND NOT COOPNET_SANITIZE STREQUAL "address,undefined")
  message(FATAL_ERROR "COOPNET_SANITIZE is address,undefined, not ${COOPNET_SANITIZE}")
endif()
