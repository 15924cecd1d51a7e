#!/usr/bin/env bash
# The embedded default: everything coopnet needs, on this machine. Installs missing
# Debian packages (as root), builds, starts PostgreSQL and Redis with their data in
# .local/ of this checkout and on their own ports (so a system instance is never
# touched), migrates, starts the services and prints the endpoints. Ctrl-C or SIGTERM
# stops everything it started.
#
# Ports: COOPNET_LOCAL_PG_PORT (15432), COOPNET_LOCAL_REDIS_PORT (16379); the services
# take their own COOPNET_* settings (see README.md).
#
# COOPNET_TLS=on makes a throwaway CA and a certificate per process in .local/tls/
# (deploy/local/certs.sh; SAN = the process's name, the gateway's also localhost and
# 127.0.0.1, and one for the command-line client, `operator`) and runs everything over
# mutual TLS; off (the default) is plaintext.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/local/packages.sh"
ensure_packages
build_all "$root"

servers="$root/deploy/local/servers.sh"
local_dir="$root/.local"
pg_port=${COOPNET_LOCAL_PG_PORT:-15432}
redis_port=${COOPNET_LOCAL_REDIS_PORT:-16379}
tls=${COOPNET_TLS:-off}
tls_dir="$local_dir/tls"
case "$tls" in
  on | off) ;;
  *) echo "COOPNET_TLS must be on or off, not \"$tls\"" >&2; exit 2 ;;
esac
mkdir -p "$local_dir"

# PostgreSQL runs as the postgres user, which may not reach a checkout under a private
# home folder; then its data lives in /var/tmp, linked from .local/.
pg_dir="$local_dir/postgres"
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$local_dir"; then
  outside="/var/tmp/coopnet-postgres-$(echo "$root" | md5sum | cut -c1-12)"
  mkdir -p "$outside"
  chmod 755 "$outside"
  ln -sfn "$outside" "$local_dir/postgres-data"
  pg_dir="$outside/postgres"
  echo "note: $root is closed to the postgres user; its data is in $pg_dir"
fi

pids=()
stop_all() {
  trap - INT TERM EXIT
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$servers" redis-stop "$local_dir/redis" || true
  "$servers" postgres-stop "$pg_dir" || true
  echo "coopnet stopped."
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$servers" postgres-start "$pg_dir" "$pg_port"
"$servers" redis-start "$local_dir/redis" "$redis_port"

# Secrets made on first use, read from their files as on Kubernetes: a principal key per
# issuer (the gateway's first, so the command-line client signs as the gateway), and the
# registrations' manage-token secret.
keys_file="$local_dir/principal_keys"
if [ -z "${COOPNET_PRINCIPAL_KEYS:-}${COOPNET_PRINCIPAL_KEYS_FILE:-}" ]; then
  if [ ! -s "$keys_file" ]; then
    (umask 077 && for issuer in gateway events registrations funding notifications; do
      echo "$issuer-1:$issuer:$(openssl rand -hex 32)"
    done >"$keys_file")
  fi
  # A .local/ made before the notifications process existed gets its key too.
  grep -q ":notifications:" "$keys_file" ||
    echo "notifications-1:notifications:$(openssl rand -hex 32)" >>"$keys_file"
  export COOPNET_PRINCIPAL_KEYS_FILE="$keys_file"
fi
token_file="$local_dir/manage_token_secret"
if [ -z "${COOPNET_MANAGE_TOKEN_SECRET:-}${COOPNET_MANAGE_TOKEN_SECRET_FILE:-}" ]; then
  # A .local/ made when one principal secret signed everything keeps its registrants'
  # manage tokens valid by deriving them from that secret still.
  [ -s "$token_file" ] || [ ! -s "$local_dir/principal_secret" ] ||
    (umask 077 && cp "$local_dir/principal_secret" "$token_file")
  [ -s "$token_file" ] || (umask 077 && openssl rand -hex 32 >"$token_file")
  export COOPNET_MANAGE_TOKEN_SECRET_FILE="$token_file"
fi
export COOPNET_REDIS_ADDRESS="127.0.0.1:$redis_port"

# Becomes `$@` as process NAME: with NAME's certificate under COOPNET_TLS=on. Run it in
# the background (`&`) or a subshell, so that `$!` is the process itself and stop_all's
# SIGTERM reaches it.
as_process() {
  local name=$1
  shift
  if [ "$tls" = on ]; then
    exec env COOPNET_TLS_CERT_FILE="$tls_dir/$name.pem" COOPNET_TLS_KEY_FILE="$tls_dir/$name.key" \
      COOPNET_TLS_CA_FILE="$tls_dir/ca.pem" "$@"
  fi
  exec "$@"
}
# Runs the tool `$@` against process NAME: as `operator`, accepting only NAME's certificate.
toward() {
  local name=$1
  shift
  (COOPNET_TLS_SERVER_NAME=$name as_process operator "$@")
}
if [ "$tls" = on ]; then
  "$root/deploy/local/certs.sh" "$tls_dir" organisations events registrations funding \
    notifications gateway:DNS:localhost,IP:127.0.0.1 operator
  scheme=https
else
  scheme=http
fi

cli="$root/build/tools/cli/coopnet"
start_service() {
  local name=$1 grpc_port=$2 metrics_port=$3
  local database="coopnet_$name"
  local dsn="host=127.0.0.1 port=$pg_port user=postgres dbname=$database"
  if [ -z "$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE $database" >/dev/null
  fi
  COOPNET_PG_DSN="$dsn" "$root/build/services/$name/$name" migrate
  COOPNET_PG_DSN="$dsn" COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port" \
    COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port" \
    as_process "$name" "$root/build/services/$name/$name" serve 2>>"$local_dir/$name.log" &
  pids+=($!)
  toward "$name" "$cli" wait "127.0.0.1:$grpc_port" 60 >/dev/null ||
    { echo "$name did not become healthy: see $local_dir/$name.log" >&2; exit 1; }
  backends+=("coopnet.$name.v1=127.0.0.1:$grpc_port")
}

start_service organisations 50051 9101
start_service events 50052 9102
start_service registrations 50053 9103
start_service funding 50054 9104

# A mail server of our own that keeps what it is sent in .local/mail (a Maildir), so that
# the notifications process has somewhere to send: COOPNET_SMTP_URL names a real one.
if [ -z "${COOPNET_SMTP_URL:-}" ]; then
  smtp_port=$("$servers" free-port)
  /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtp_port" -c aiosmtpd.handlers.Mailbox \
    "$local_dir/mail" 2>>"$local_dir/mail.log" &
  pids+=($!)
  export COOPNET_SMTP_URL="smtp://127.0.0.1:$smtp_port"
fi
start_service notifications 50055 9105

# The operators' key: COOPNET_ADMIN_KEY when set, otherwise one made once and kept in
# .local/admin_key (printed below).
admin_key_file="$local_dir/admin_key"
if [ -z "${COOPNET_ADMIN_KEY:-}" ]; then
  [ -s "$admin_key_file" ] || (umask 077 && echo "cnk_admin_$(openssl rand -hex 24)" >"$admin_key_file")
  COOPNET_ADMIN_KEY=$(cat "$admin_key_file")
fi
export COOPNET_ADMIN_KEY

# The gateway last, in front of every service started above.
COOPNET_BACKENDS=$(IFS=,; echo "${backends[*]}") COOPNET_GRPC_ADDRESS=127.0.0.1:50050 \
  COOPNET_HTTP_ADDRESS=127.0.0.1:8080 COOPNET_METRICS_ADDRESS=127.0.0.1:9100 \
  as_process gateway "$root/build/services/gateway/gateway" 2>>"$local_dir/gateway.log" &
pids+=($!)
toward gateway "$cli" wait 127.0.0.1:50050 60 >/dev/null ||
  { echo "gateway did not become healthy: see $local_dir/gateway.log" >&2; exit 1; }

# The demo: the organisations, networks, events, programmes, calls and awards of the users'
# world, loaded through the gateway into a new .local/ (COOPNET_DEMO=false skips it; a load
# that failed half-way is finished by the next start: its steps carry request ids).
if [ "${COOPNET_DEMO:-true}" != false ] && [ ! -f "$local_dir/demo.loaded" ]; then
  COOPNET_API_KEY=$COOPNET_ADMIN_KEY toward gateway "$root/build/tools/demo/coopnet-demo" \
    127.0.0.1:50050 >"$local_dir/demo.log" 2>&1 ||
    { echo "the demo did not load: see $local_dir/demo.log" >&2; exit 1; }
  touch "$local_dir/demo.loaded"
  echo "demo loaded: what it made is listed in $local_dir/demo.log"
fi

if [ "$tls" = on ]; then
  curl_tls="--cacert $tls_dir/ca.pem "
  cli_tls="COOPNET_TLS_CA_FILE=$tls_dir/ca.pem COOPNET_TLS_CERT_FILE=$tls_dir/operator.pem \\
    COOPNET_TLS_KEY_FILE=$tls_dir/operator.key "
  transport="mutual TLS, certificates in $tls_dir (CA: ca.pem)"
else
  curl_tls= cli_tls= transport="plaintext (COOPNET_TLS=on for TLS)"
fi
cat <<INFO

coopnet is running, $transport.
  gateway        gRPC 127.0.0.1:50050   HTTP $scheme://127.0.0.1:8080 (GET /openapi.json)
                 metrics http://127.0.0.1:9100/metrics
  organisations  gRPC 127.0.0.1:50051   metrics http://127.0.0.1:9101/metrics
  events         gRPC 127.0.0.1:50052   metrics http://127.0.0.1:9102/metrics
  registrations  gRPC 127.0.0.1:50053   metrics http://127.0.0.1:9103/metrics
  funding        gRPC 127.0.0.1:50054   metrics http://127.0.0.1:9104/metrics
  notifications  gRPC 127.0.0.1:50055   metrics http://127.0.0.1:9105/metrics
                 e-mail to $COOPNET_SMTP_URL (the local one keeps it in $local_dir/mail)
  PostgreSQL     127.0.0.1:$pg_port (user postgres)   Redis 127.0.0.1:$redis_port
  logs           $local_dir/*.log
  admin key      $COOPNET_ADMIN_KEY   (Authorization: Bearer ...)

Try:
  $cli_tls$cli list 127.0.0.1:50050
  curl $curl_tls$scheme://127.0.0.1:8080/v1/organisations
  curl $curl_tls$scheme://127.0.0.1:8080/v1/events
  COOPNET_API_KEY=$COOPNET_ADMIN_KEY $cli_tls$cli call 127.0.0.1:50050 \\
    coopnet.funding.v1.FundingService/ListCalls '{}'
  $cli_tls$cli list 127.0.0.1:50051
  COOPNET_PRINCIPAL_KEYS=\$(cat $keys_file) $cli_tls\\
    $cli call 127.0.0.1:50051 coopnet.organisations.v1.OrganisationService/ListOrganisations '{}'

Ctrl-C stops everything.
INFO

# Returns when a service exits on its own (or a signal arrives); the EXIT trap stops the rest.
wait -n "${pids[@]}"
