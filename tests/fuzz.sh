#!/usr/bin/env bash
# The fuzz targets of tests/fuzz/ built with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (clang, in build-fuzz/), each run for SECONDS (60 unless given)
# over a copy of its corpus, so that tests/fuzz/corpus/ stays as it is. Exits non-zero on
# any finding; the input that found it is kept in build-fuzz/findings/ and replays with
# `build-fuzz/tests/fuzz/<target>_fuzz FILE`. Targets named after SECONDS run alone.
#
#   tests/fuzz.sh [seconds [target...]]   # tests/fuzz.sh 600 transcoder
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for corpus in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$corpus")"); done
fi

source "$root/deploy/local/packages.sh"
ensure_packages
CC=clang-14 CXX=clang++-14 build_all "$root" "$build" fuzz_targets -DCOOPNET_FUZZ=ON

work=$(mktemp -d "${TMPDIR:-/tmp}/coopnet-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/findings"
# Stacks with function names and lines, for undefined behaviour too.
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
export UBSAN_OPTIONS=print_stacktrace=1
failed=()
for target in "${targets[@]}"; do
  cp -r "$root/tests/fuzz/corpus/$target" "$work/$target"
  # -timeout: an input taking longer than 10 s is a finding (a loop that never ends).
  if "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 \
    -artifact_prefix="$build/findings/$target-" "$work/$target" 2>"$work/$target.log"; then
    echo "$target: $(grep -E '^Done [0-9]+ runs' "$work/$target.log")"
  else
    tail -n 40 "$work/$target.log" >&2
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found something in: ${failed[*]} (inputs in $build/findings/)" >&2
  exit 1
fi
