#!/usr/bin/env bash
# Installs what is missing, builds, starts a throwaway PostgreSQL and Redis on free
# ports, runs every CTest label (unit, integration, e2e, interop, fault, deploy, fuzz),
# stops the servers and exits non-zero on any failure. Extra arguments go to ctest (-L unit,
# -R Pg).
# Another configuration (tests/sanitize.sh) names its folder in COOPNET_BUILD_DIR, its cmake
# options in COOPNET_CMAKE_OPTIONS and what it needs built in COOPNET_BUILD_TARGETS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${COOPNET_BUILD_DIR:-$root/build}
read -ra cmake_options <<<"${COOPNET_CMAKE_OPTIONS:-}"
source "$root/deploy/local/packages.sh"
ensure_packages
build_all "$root" "$build" "${COOPNET_BUILD_TARGETS:-all}" "${cmake_options[@]}"

servers="$root/deploy/local/servers.sh"
data=$(mktemp -d "${TMPDIR:-/tmp}/coopnet-tests-XXXXXX")
chmod 755 "$data"  # the postgres user must reach its data folder inside
cleanup() {
  "$servers" postgres-stop "$data/postgres" || true
  "$servers" redis-stop "$data/redis" || true
  rm -rf "$data"
}
trap cleanup EXIT

pg_port=$("$servers" free-port)
redis_port=$("$servers" free-port)
"$servers" postgres-start "$data/postgres" "$pg_port" fast
"$servers" redis-start "$data/redis" "$redis_port"
export COOPNET_TEST_PG_DSN="host=127.0.0.1 port=$pg_port user=postgres"
export COOPNET_TEST_REDIS="127.0.0.1:$redis_port"
echo "PostgreSQL on $pg_port, Redis on $redis_port"

cd "$build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 300 "$@"
