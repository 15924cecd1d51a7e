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
