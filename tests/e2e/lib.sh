# Sourced by the end-to-end scripts: what more than one of them needs.

# Polls `$@` every 50 ms for up to $1 seconds; fails when it never succeeds.
within() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# For a script that starts processes: $work (removed at exit), `pids` (killed at exit) and
# `databases` (dropped at exit), and `fail MESSAGE`, which prints the last lines of each
# log in $work and exits 1.
e2e_workspace() {
  work=$(mktemp -d)
  pids=()
  databases=()
  fail() {
    echo "FAIL: $*" >&2
    local log
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 8 "$log" >&2; }
    done
    exit 1
  }
  trap e2e_cleanup EXIT
}

e2e_cleanup() {
  local pid database
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for database in "${databases[@]}"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
