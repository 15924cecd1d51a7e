#!/usr/bin/env bash
# Starts and stops the PostgreSQL and Redis servers coopnet runs against, from the
# machine's Debian packages, with data in a folder of our choosing and on our own port,
# so a system instance is never touched. Used by deploy/local/run.sh, tests/run.sh and
# the fault tests (which restart servers under a running service).
#
#   servers.sh free-port
#   servers.sh postgres-start DIR PORT [fast]   # initdb on first use; waits until ready
#   servers.sh postgres-stop DIR
#   servers.sh postgres-restart DIR
#   servers.sh redis-start DIR PORT             # waits until it answers PING
#   servers.sh redis-stop DIR
#
# PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user.
# Readiness is polled with a deadline; nothing here sleeps in the hope a server is up.
set -euo pipefail

die() { echo "servers.sh: $*" >&2; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || die "PostgreSQL is not installed (apt-get install postgresql)"
  echo "$dir"
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Polls a command every 50 ms until it succeeds or SECONDS pass.
wait_until() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

postgres_start() {
  local dir=$1 port=$2 mode=${3:-durable}
  local bin
  bin=$(pg_bin)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_postgres test -w "$dir" || die "the postgres user cannot write $dir (a parent folder is closed to it)"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/../postgres-initdb.log" 2>&1 ||
      die "initdb failed: see $dir/../postgres-initdb.log"
  fi
  local options="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
  options+=" -c max_connections=200"
  if [ "$mode" = fast ]; then
    # Throwaway test data: durability only costs time.
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_postgres "$bin/pg_ctl" -D "$dir" -o "$options" -l "$dir/postgres.log" -w -t 60 start \
    >/dev/null || die "PostgreSQL did not start: see $dir/postgres.log"
  wait_until 60 "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not ready on $port"
}

postgres_stop() {
  local dir=$1
  [ -f "$dir/postmaster.pid" ] || return 0
  as_postgres "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

postgres_restart() {
  local dir=$1
  local port
  port=$(sed -n 4p "$dir/postmaster.pid")
  as_postgres "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w -t 60 restart >/dev/null ||
    die "PostgreSQL did not restart: see $dir/postgres.log"
  wait_until 60 "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not ready"
}

redis_start() {
  local dir=$1 port=$2
  command -v redis-server >/dev/null || die "Redis is not installed (apt-get install redis-server)"
  mkdir -p "$dir"
  echo "$port" >"$dir/port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  wait_until 30 redis-cli -h 127.0.0.1 -p "$port" ping || die "Redis is not ready on $port"
}

redis_stop() {
  local dir=$1
  [ -f "$dir/redis.pid" ] || return 0
  local pid
  pid=$(cat "$dir/redis.pid")
  kill "$pid" 2>/dev/null || true
  wait_until 30 bash -c "! kill -0 $pid" || die "Redis ($pid) did not stop"
  rm -f "$dir/redis.pid"
}

command=${1:-}
shift || true
case "$command" in
  free-port) free_port ;;
  postgres-start) postgres_start "$@" ;;
  postgres-stop) postgres_stop "$@" ;;
  postgres-restart) postgres_restart "$@" ;;
  redis-start) redis_start "$@" ;;
  redis-stop) redis_stop "$@" ;;
  *) die "usage: servers.sh free-port|postgres-start|postgres-stop|postgres-restart|redis-start|redis-stop ..." ;;
esac
