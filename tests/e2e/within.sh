# Sourced by the e2e scripts. `within SECONDS COMMAND...` runs the command every 50 ms, its
# output dropped, until it succeeds (0) or SECONDS have passed (1): waiting for readiness
# with a deadline, never a sleep in the hope it came.
within() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}
