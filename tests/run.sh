#!/usr/bin/env bash
# Installs what is missing, builds, starts a throwaway PostgreSQL and Redis on free
# ports, runs every CTest label (unit, integration, e2e, interop, fault, deploy), stops the
# servers and exits non-zero on any failure. Extra arguments go to ctest (-L unit, -R Pg).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/deploy/local/packages.sh"
ensure_packages
build_all "$root"

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

cd "$root/build"
ctest --output-on-failure --parallel "$(nproc)" --timeout 300 "$@"
