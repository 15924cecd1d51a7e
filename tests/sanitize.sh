#!/usr/bin/env bash
# The unit and integration tests built with sanitizers and run as tests/run.sh runs the
# suite (packages, build, throwaway PostgreSQL and Redis); any finding fails its test.
#
#   tests/sanitize.sh asan [ctest arguments]   # AddressSanitizer + UndefinedBehaviorSanitizer, build-asan/
#   tests/sanitize.sh tsan [ctest arguments]   # ThreadSanitizer, build-tsan/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
config=${1:-}
[ $# -gt 0 ] && shift

case "$config" in
  asan)
    options="-DCOOPNET_SANITIZE=address,undefined"
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
    ;;
  tsan)
    source "$root/deploy/local/packages.sh"
    ensure_packages
    options="-DCOOPNET_SANITIZE=thread -DCOOPNET_TSAN_ABSEIL_DIR=$("$root/tests/tsan_abseil.sh")"
    export TSAN_OPTIONS="suppressions=$root/tests/tsan.supp:second_deadlock_stack=1"
    ;;
  *)
    echo "usage: tests/sanitize.sh asan|tsan [ctest arguments]" >&2
    exit 2
    ;;
esac

COOPNET_BUILD_DIR="$root/build-$config" COOPNET_CMAKE_OPTIONS="$options" \
  COOPNET_BUILD_TARGETS="tests_unit tests_integration" \
  exec "$root/tests/run.sh" -L 'unit|integration' "$@"
