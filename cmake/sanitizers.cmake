# Sanitizer configurations of the tests (tests/sanitize.sh builds them into build-asan/ and
# build-tsan/). Everything compiled here is instrumented, generated code included; the
# distribution's gRPC, protobuf and Abseil are not (see COOPNET_TSAN_ABSEIL_DIR).
set(COOPNET_SANITIZE "" CACHE STRING
    "Build everything with these sanitizers: address,undefined or thread; empty for none")
set(COOPNET_TSAN_ABSEIL_DIR "" CACHE PATH
    "Folder of Abseil's shared libraries built with ThreadSanitizer, loaded instead of Debian's")

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

if(COOPNET_SANITIZE STREQUAL "thread")
  # Abseil's Mutex tells ThreadSanitizer about its locking only when Abseil itself is built
  # with it; Debian's is not, so every absl::Mutex would look like no lock at all. The tests
  # find the instrumented build first (an RPATH, searched for gRPC's Abseil too).
  file(GLOB instrumented "${COOPNET_TSAN_ABSEIL_DIR}/libabsl_synchronization.so.*")
  if(NOT COOPNET_TSAN_ABSEIL_DIR OR NOT instrumented)
    message(FATAL_ERROR "COOPNET_SANITIZE=thread needs COOPNET_TSAN_ABSEIL_DIR: Abseil "
                        "built with -fsanitize=thread (tests/sanitize.sh tsan makes one)")
  endif()
  add_link_options(-Wl,--disable-new-dtags,-rpath,${COOPNET_TSAN_ABSEIL_DIR})
elseif(COOPNET_SANITIZE AND NOT COOPNET_SANITIZE STREQUAL "address,undefined")
  message(FATAL_ERROR "COOPNET_SANITIZE is address,undefined or thread, not ${COOPNET_SANITIZE}")
endif()
