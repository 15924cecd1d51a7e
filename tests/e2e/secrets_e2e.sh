#!/usr/bin/env bash
# Secrets as an operator on Kubernetes hands them over, to the five real binaries: every
# secret from a file (_FILE), a missing file and a wrong Redis password refused at start
# with the setting named; the caches in a Redis that wants a password (the gateway as its
# default user, the services as an ACL user); the change streams in a second, TLS-only
# Redis reached through stunnel; and the gateway's principal key rotated with an overlap.
# Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it), redis-server, stunnel4 and openssl.
set -euo pipefail
gateway=$1 organisations=$2 events=$3 registrations=$4 funding=$5 cli=$6 servers=$7
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

source "$(dirname "$0")/lib.sh"
e2e_workspace
# `expect_refusal NAME TEXT COMMAND...`: COMMAND exits 2 at start, saying TEXT on stderr.
expect_refusal() {
  local name=$1 text=$2
  shift 2
  local code=0
  "$@" serve >/dev/null 2>"$work/$name.err" || code=$?
  [ "$code" -eq 2 ] || fail "$name: expected exit 2, got $code: $(cat "$work/$name.err")"
  grep -q -- "$text" "$work/$name.err" || fail "$name: no \"$text\" in: $(cat "$work/$name.err")"
}
secret() { (umask 077 && echo "$2" >"$work/$1") && echo "$work/$1"; }
# `start_redis NAME LISTEN`: a Redis listening as LISTEN (config lines) that lets in the
# default user with $password and the ACL user coopnet with $acl_password.
start_redis() {
  cat >"$work/$1-redis.conf" <<CONF
bind 127.0.0.1
$2
dir $work
save ""
appendonly no
requirepass $password
user coopnet on >$acl_password ~* &* +@all
CONF
  redis-server "$work/$1-redis.conf" >"$work/$1-redis.log" 2>&1 &
  pids+=($!)
}

password=$(openssl rand -hex 24)
acl_password=$(openssl rand -hex 24)
old_key="gateway-old:gateway:$(openssl rand -hex 32)"
new_key="gateway-new:gateway:$(openssl rand -hex 32)"
service_keys="events-1:events:$(openssl rand -hex 32)
registrations-1:registrations:$(openssl rand -hex 32)
funding-1:funding:$(openssl rand -hex 32)"

echo "Redis for the caches: a password for the default user, and an ACL user"
cache_port=$("$servers" free-port)
start_redis cache "port $cache_port"
cache_cli=(redis-cli -p "$cache_port" --user coopnet --pass "$acl_password" --no-auth-warning)
within 10 "${cache_cli[@]}" ping || fail "the caches' Redis does not answer"

echo "Redis for the streams: TLS only, reached through a stunnel tunnel"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=coopnet-test-ca \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$work/redis.key" \
  -out "$work/redis.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/redis.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -days 2 -extfile "$work/san.ext" -out "$work/redis.pem" 2>/dev/null
tls_port=$("$servers" free-port)
start_redis streams "port 0
tls-port $tls_port
tls-cert-file $work/redis.pem
tls-key-file $work/redis.key
tls-ca-cert-file $work/ca.pem
tls-auth-clients no"
streams_cli=(redis-cli --tls --cacert "$work/ca.pem" -h localhost -p "$tls_port" --user coopnet
  --pass "$acl_password" --no-auth-warning)
within 10 "${streams_cli[@]}" ping || fail "the streams' Redis does not answer over TLS"
redis-cli -p "$tls_port" --user coopnet --pass "$acl_password" --no-auth-warning ping \
  >"$work/plain.out" 2>&1 && grep -q PONG "$work/plain.out" && fail "the streams' Redis speaks plain text"
tunnel_port=$("$servers" free-port)
cat >"$work/stunnel.conf" <<CONF
foreground = yes
pid =
[redis]
client = yes
accept = 127.0.0.1:$tunnel_port
connect = 127.0.0.1:$tls_port
CAfile = $work/ca.pem
verifyChain = yes
checkHost = localhost
CONF
stunnel4 "$work/stunnel.conf" >"$work/stunnel.log" 2>&1 &
pids+=($!)
within 10 redis-cli -p "$tunnel_port" --user coopnet --pass "$acl_password" --no-auth-warning ping ||
  fail "the tunnel does not reach the streams' Redis"

echo "every secret in a file"
for service in organisations events registrations funding; do
  database="e2e_secrets_${service}_$$_$RANDOM"
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
  databases+=("$database")
  secret "$service-dsn" "$COOPNET_TEST_PG_DSN dbname=$database" >/dev/null
done
# During the rotation: the new key first (the gateway signs with it), the old one still
# accepted.
keys_file=$(secret principal-keys "$new_key
$old_key
$service_keys")
admin_key=$(openssl rand -hex 32)
export COOPNET_PRINCIPAL_KEYS_FILE="$keys_file"
export COOPNET_REDIS_ADDRESS="127.0.0.1:$cache_port"
export COOPNET_STREAMS_REDIS_ADDRESS="127.0.0.1:$tunnel_port"
export COOPNET_REDIS_USERNAME=coopnet
export COOPNET_REDIS_PASSWORD_FILE=$(secret acl-password "$acl_password")
export COOPNET_MANAGE_TOKEN_SECRET_FILE=$(secret manage-token "$(openssl rand -hex 32)")
export COOPNET_DRAIN_TIMEOUT=2s COOPNET_METRICS_ADDRESS=127.0.0.1:0 COOPNET_MIGRATE_AT_START=true
declare -A port
for service in organisations events registrations funding; do port[$service]=$("$servers" free-port); done

echo "a missing secret file, a wrong or missing Redis password: exit 2, naming the setting"
expect_refusal missing-file "COOPNET_PG_DSN_FILE cannot read $work/nothing: No such file" \
  env COOPNET_PG_DSN_FILE="$work/nothing" "$organisations"
wrong=$(secret wrong-password "not-the-password")
expect_refusal wrong-password "COOPNET_REDIS_PASSWORD" \
  env COOPNET_PG_DSN_FILE="$work/organisations-dsn" COOPNET_REDIS_PASSWORD_FILE="$wrong" \
  "$organisations"
grep -q "WRONGPASS" "$work/wrong-password.err" || fail "Redis's refusal is not passed on"
grep -q "$acl_password" "$work/wrong-password.err" && fail "a password reached the message"
expect_refusal no-password "COOPNET_REDIS_PASSWORD" \
  env -u COOPNET_REDIS_USERNAME -u COOPNET_REDIS_PASSWORD_FILE \
  COOPNET_PG_DSN_FILE="$work/organisations-dsn" "$organisations"
expect_refusal gateway-wrong-password "COOPNET_REDIS_PASSWORD" \
  env -u COOPNET_REDIS_USERNAME COOPNET_REDIS_PASSWORD_FILE="$wrong" "$gateway"
expect_refusal no-manage-token "COOPNET_MANAGE_TOKEN_SECRET" \
  env -u COOPNET_MANAGE_TOKEN_SECRET_FILE COOPNET_PG_DSN_FILE="$work/registrations-dsn" \
  COOPNET_GRPC_ADDRESS=127.0.0.1:0 "$registrations"

echo "the services (ACL user) and the gateway (default user's password) serve"
for service in organisations events registrations funding; do
  COOPNET_PG_DSN_FILE="$work/$service-dsn" COOPNET_GRPC_ADDRESS="127.0.0.1:${port[$service]}" \
    COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:${port[organisations]}" \
    COOPNET_EVENTS_ADDRESS="127.0.0.1:${port[events]}" \
    "${!service}" serve 2>>"$work/$service.log" &
  pids+=($!)
  [ "$service" = organisations ] && organisations_pid=$!
done
for service in organisations events registrations funding; do
  "$cli" wait "127.0.0.1:${port[$service]}" 30 >/dev/null || fail "$service not SERVING"
done
grpc_port=$("$servers" free-port)
http_port=$("$servers" free-port)
backends=""
for service in organisations events registrations funding; do
  backends+="${backends:+,}coopnet.$service.v1=127.0.0.1:${port[$service]}"
done
env -u COOPNET_REDIS_USERNAME COOPNET_REDIS_PASSWORD_FILE="$(secret password "$password")" \
  COOPNET_ADMIN_KEY_FILE="$(secret admin-key "$admin_key")" COOPNET_BACKENDS="$backends" \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port" COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" \
  "$gateway" 2>"$work/gateway.log" &
pids+=($!)
"$cli" wait "127.0.0.1:$grpc_port" 30 >/dev/null || fail "the gateway is not SERVING"

http="http://127.0.0.1:$http_port"
request() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$work/body" -w '%{http_code}' -X "$method" "$http$path" "$@"
}
[ "$(request POST /v1/organisations -H "Authorization: Bearer $admin_key" \
  -d '{"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK"}')" = 200 ] ||
  fail "the admin key from its file does not create an organisation: $(cat "$work/body")"
organisation=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' \
  "$work/body")
for path in "/v1/$organisation" "/v1/$organisation" /v1/events /v1/programmes; do
  [ "$(request GET "$path")" = 200 ] || fail "GET $path: $(cat "$work/body")"
done

echo "the caches and rate limits are in the caches' Redis, the streams behind the tunnel"
[ -n "$("${cache_cli[@]}" --scan --pattern 'coopnet:gateway:bucket:*')" ] ||
  fail "the gateway kept no rate-limit bucket in Redis"
[ -n "$("${cache_cli[@]}" --scan --pattern '*organisations*')" ] ||
  fail "organisations cached nothing in Redis"
streamed() { [ "$("${streams_cli[@]}" xlen coopnet:organisations:stream)" -ge 1 ]; }
within 10 streamed || fail "the creation did not reach the streams' Redis"
[ "$("${cache_cli[@]}" exists coopnet:organisations:stream)" = 0 ] ||
  fail "the stream went to the caches' Redis"
joined() { "${streams_cli[@]}" xinfo groups coopnet:events:stream | grep -qx registrations; }
within 10 joined || fail "registrations did not join the events stream through the tunnel"

echo "principal keys: both accepted during the rotation, the old one refused after it"
list=coopnet.organisations.v1.OrganisationService/ListOrganisations
for key in "$old_key" "$new_key"; do
  COOPNET_PRINCIPAL_KEYS="$key" "$cli" call "127.0.0.1:${port[organisations]}" $list '{}' \
    >/dev/null 2>"$work/rotation.err" || fail "refused during the rotation: $(cat "$work/rotation.err")"
done
secret principal-keys "$new_key
$service_keys" >/dev/null
kill -TERM "$organisations_pid"
wait "$organisations_pid" || fail "organisations did not drain cleanly"
COOPNET_PG_DSN_FILE="$work/organisations-dsn" COOPNET_GRPC_ADDRESS="127.0.0.1:${port[organisations]}" \
  "$organisations" serve 2>>"$work/organisations.log" &
pids+=($!)
"$cli" wait "127.0.0.1:${port[organisations]}" 30 >/dev/null || fail "organisations not SERVING again"
code=0
COOPNET_PRINCIPAL_KEYS="$old_key" "$cli" call "127.0.0.1:${port[organisations]}" $list '{}' \
  >/dev/null 2>"$work/retired.err" || code=$?
[ "$code" -ne 0 ] || fail "the retired key is still accepted"
grep -q PRINCIPAL_INVALID "$work/retired.err" && grep -q gateway-old "$work/retired.err" ||
  fail "the refusal does not name the retired key: $(cat "$work/retired.err")"
COOPNET_PRINCIPAL_KEYS="$new_key" "$cli" call "127.0.0.1:${port[organisations]}" $list '{}' \
  >/dev/null || fail "the new key is refused"
# The gateway finds organisations again within a second of its return.
gateway_reads() { [ "$(request GET "/v1/$organisation")" = 200 ]; }
within 10 gateway_reads || fail "the gateway's new key is refused: $(cat "$work/body")"

echo "PASS"
