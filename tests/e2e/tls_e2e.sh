#!/usr/bin/env bash
# The whole stack over mutual TLS, as an operator turns it on: a CA and a certificate per
# process from deploy/local/certs.sh, the four services and the gateway given theirs through
# COOPNET_TLS_*. A portal registers a participant through the gateway with curl over HTTPS
# (organisation, event, policy, registration: every service and every hop between them);
# plaintext and a startup without its key file are refused; the services refuse a client
# without a certificate, one whose certificate names nobody they serve, and a channel
# refuses a server whose certificate names another service; then every certificate is
# rotated in place while Node's @grpc/grpc-js calls through the gateway, and not one call
# fails while new connections get the new certificates.
# Needs COOPNET_TEST_PG_DSN and COOPNET_TEST_REDIS (tests/run.sh sets them).
set -euo pipefail
gateway=$1 organisations=$2 events=$3 registrations=$4 funding=$5 cli=$6 servers=$7 googleapis=$8
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
modules=$("$root/tests/interop/node_modules.sh")

source "$here/lib.sh"
e2e_workspace
tls="$work/tls"

echo "certificates: a CA, one per process, the operator's and an intruder's"
"$root/deploy/local/certs.sh" "$tls" organisations events registrations funding \
  gateway:DNS:localhost,IP:127.0.0.1 operator intruder

export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
keys=""
for issuer in gateway events registrations funding; do
  keys+="$issuer-1:$issuer:tls-e2e-$issuer-secret-0123456789-0123456789-abcdef,"
done
export COOPNET_PRINCIPAL_KEYS="${keys%,}"
export COOPNET_MANAGE_TOKEN_SECRET="tls-e2e-manage-token-0123456789-0123456789-abcdef"
export COOPNET_METRICS_ADDRESS=127.0.0.1:0
export COOPNET_DRAIN_TIMEOUT=2s
export COOPNET_TLS_CA_FILE="$tls/ca.pem"
export COOPNET_TLS_REFRESH_INTERVAL=1s
admin_key="cnk_admin_tls_e2e_0123456789abcdef0123456789"

# `as NAME command...`: becomes the command, with NAME's certificate; in the background
# (`&`), or in a subshell, so that `$!` is the command's own process.
as() {
  local name=$1
  shift
  COOPNET_TLS_CERT_FILE="$tls/$name.pem" COOPNET_TLS_KEY_FILE="$tls/$name.key" exec "$@"
}
# `health NAME PORT [CERT]`: the operator's (or CERT's) health check of the process that
# must be NAME, listening on PORT.
health() {
  (COOPNET_TLS_SERVER_NAME=$1 as "${3:-operator}" "$cli" health "127.0.0.1:$2")
}
declare -A port
for name in organisations events registrations funding gateway; do port[$name]=$("$servers" free-port); done
http_port=$("$servers" free-port)

echo "a service whose key file is missing does not start, and says which setting"
set +e
COOPNET_TLS_CERT_FILE="$tls/organisations.pem" COOPNET_TLS_KEY_FILE="$tls/missing.key" \
  COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=postgres" "$organisations" serve 2>"$work/refused.out"
code=$?
set -e
[ "$code" -eq 2 ] || fail "started without its key (exit $code)"
grep -q "COOPNET_TLS_KEY_FILE $tls/missing.key: cannot be read" "$work/refused.out" ||
  fail "the refusal does not name the setting: $(cat "$work/refused.out")"

echo "services: each with its certificate, serving the gateway, its peers and the operator"
export COOPNET_TLS_ALLOWED_CLIENTS=gateway,events,registrations,funding,operator
run_service() {
  local name=$1 binary=$2
  shift 2
  local database="tls_e2e_${name}_$$_$RANDOM"
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
  databases+=("$database")
  COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$database" COOPNET_MIGRATE_AT_START=true \
    COOPNET_GRPC_ADDRESS="127.0.0.1:${port[$name]}" \
    as "$name" env "$@" "$binary" serve 2>"$work/$name.log" &
  pids+=($!)
}
peers="COOPNET_ORGANISATIONS_ADDRESS=127.0.0.1:${port[organisations]}"
run_service organisations "$organisations"
run_service events "$events" "$peers"
run_service registrations "$registrations" "$peers" \
  "COOPNET_EVENTS_ADDRESS=127.0.0.1:${port[events]}" "COOPNET_EVENTS_STREAM=tls-e2e-$$:events"
run_service funding "$funding" "$peers"
for name in organisations events registrations funding; do
  within 60 health "$name" "${port[$name]}" || fail "$name not SERVING over TLS"
done
grep -q '"tls":true' "$work/organisations.log" || fail "organisations does not log that it serves TLS"

echo "gateway: TLS on both ports and to every backend"
backends=""
for name in organisations events registrations funding; do
  backends+="coopnet.$name.v1=127.0.0.1:${port[$name]},"
done
COOPNET_BACKENDS="${backends%,}" COOPNET_GRPC_ADDRESS="127.0.0.1:${port[gateway]}" \
  COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" COOPNET_ADMIN_KEY="$admin_key" \
  COOPNET_ANONYMOUS_RATE=0 COOPNET_KEY_RATE=0 COOPNET_ANONYMOUS_CACHE_TIME=0s \
  as gateway "$gateway" 2>"$work/gateway.log" &
pids+=($!)
within 60 health gateway "${port[gateway]}" || fail "gateway not SERVING over TLS"

https="https://127.0.0.1:$http_port"
admin="Authorization: Bearer $admin_key"
# `request METHOD PATH [curl args]`: over HTTPS, trusting the CA; the body in $work/body,
# the status printed.
request() {
  local method=$1 path=$2
  shift 2
  curl -sS --cacert "$tls/ca.pem" -o "$work/body" -w '%{http_code}' -X "$method" "$https$path" "$@"
}
json_field() {
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' \
    "$work/body" "$1"
}

echo "HTTPS: a portal registers a participant for a published meeting, across every service"
[ "$(request POST /v1/organisations -H "$admin" \
  -d '{"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK"}')" = 200 ] ||
  fail "organisation not created: $(cat "$work/body")"
organiser=$(json_field name)
start=$(date -u -d '+30 days' +%Y-%m-%dT14:30:00Z)
end=$(date -u -d '+30 days' +%Y-%m-%dT16:30:00Z)
[ "$(request POST /v1/events -H "$admin" -d "{\"title\": {\"translations\": {\"da\": \"Informationsmøde\"},
    \"defaultLanguage\": \"da\"}, \"kind\": \"INFO_MEETING\", \"organiser\": \"$organiser\",
    \"startTime\": \"$start\", \"endTime\": \"$end\", \"timeZone\": \"Europe/Copenhagen\",
    \"attendanceMode\": \"ONLINE\", \"onlineUrl\": \"https://ngo-netvaerk.dk/moede\"}")" = 200 ] ||
  fail "event not created: $(cat "$work/body")"
event=$(json_field name)
[ "$(request POST "/v1/$event:publish" -H "$admin")" = 200 ] || fail "not published: $(cat "$work/body")"
[ "$(request PATCH "/v1/$event/registrationPolicy?updateMask=capacity" -H "$admin" \
  -d '{"capacity": 20}')" = 200 ] || fail "policy not set: $(cat "$work/body")"
[ "$(request POST "/v1/$event/registrations" -d '{"organisationName": "Foreningen Grøn Hverdag",
    "organisationCountry": "DK", "participants": [{"givenName": "Mette", "familyName": "Holm",
    "email": "mette@groen.dk"}]}')" = 200 ] || fail "registration refused: $(cat "$work/body")"
[ "$(json_field state)" = CONFIRMED ] || fail "not confirmed: $(cat "$work/body")"
[ "$(request GET /v1/calls)" = 200 ] || fail "funding's calls not listed: $(cat "$work/body")"

echo "HTTPS only: plaintext HTTP is not answered, and an unknown CA is not trusted"
plain=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/v1/calls" || true)
[ "$plain" = 000 ] || fail "plaintext HTTP was answered with $plain"
curl -s -o /dev/null "$https/v1/calls" && fail "curl trusted the gateway without its CA"

echo "services refuse a client without a certificate and one whose certificate they do not serve"
env -u COOPNET_TLS_CA_FILE "$cli" health "127.0.0.1:${port[organisations]}" >/dev/null 2>&1 &&
  fail "organisations answered plaintext"
COOPNET_TLS_SERVER_NAME=organisations "$cli" health "127.0.0.1:${port[organisations]}" \
  >/dev/null 2>&1 && fail "organisations served a client without a certificate"
health events "${port[events]}" intruder >/dev/null 2>&1 &&
  fail "events served a client whose certificate names intruder"
health events "${port[events]}" >/dev/null || fail "events refused the operator"

echo "a channel refuses a server whose certificate names another service"
health organisations "${port[events]}" >/dev/null 2>"$work/impostor.out" &&
  fail "a channel to organisations accepted the events service's certificate"
grep -q "names events, not organisations" "$work/impostor.out" ||
  fail "the refusal does not say whose certificate it was: $(cat "$work/impostor.out")"

echo "rotation: every certificate replaced in place under load; no call fails"
# The serial number of the certificate a new connection to PORT gets (as NAME's client);
# s_client may wait on a server that keeps the connection, so it gets 5 seconds.
# s_client's own status says how its session ended, not what certificate it saw: only
# the certificate is judged, so that pipefail cannot end the test on a closed session.
served() {
  { timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername "$2" -CAfile "$tls/ca.pem" \
    -cert "$tls/operator.pem" -key "$tls/operator.key" </dev/null 2>/dev/null || true; } |
    openssl x509 -noout -serial
}
rotated() {
  for name in organisations events registrations funding gateway; do
    [ "$(served "${port[$name]}" "$name")" = "$(openssl x509 -in "$tls/$name.pem" -noout -serial)" ] ||
      return 1
  done
  [ "$(served "$http_port" gateway)" = "$(openssl x509 -in "$tls/gateway.pem" -noout -serial)" ]
}
rotated || fail "a port serves another certificate than its file before the rotation"
before=$(served "${port[gateway]}" gateway)
COOPNET_ORGANISATION=$organiser NODE_PATH="$modules" node "$here/tls_load.js" \
  "127.0.0.1:${port[gateway]}" "$tls/ca.pem" "$root/proto" "$googleapis" "$work/stop" \
  >"$work/load.out" 2>&1 &
load=$!
pids+=($load)
# HTTPS too, a new connection a request, while the files change beneath.
(
  answered=0
  until [ -f "$work/stop" ]; do
    code=$(curl -sS --cacert "$tls/ca.pem" -o /dev/null -w '%{http_code}' "$https/v1/$organiser" 2>&1) ||
      { echo "HTTPS request failed: $code"; exit 1; }
    [ "$code" = 200 ] || { echo "HTTPS answered $code"; exit 1; }
    answered=$((answered + 1))
  done
  echo "HTTPS answered=$answered"
) >"$work/https.out" 2>&1 &
https_load=$!
pids+=($https_load)
# GetOrganisation calls the organisations service has answered (through the gateway).
calls() { grep -c GetOrganisation "$work/organisations.log" || true; }
more_calls_than() { [ "$(calls)" -gt "$1" ]; }
within 20 more_calls_than 0 || fail "the load did not start: $(cat "$work/load.out")"
"$root/deploy/local/certs.sh" "$tls" organisations events registrations funding \
  gateway:DNS:localhost,IP:127.0.0.1
within 20 rotated || fail "new connections still get the old certificates"
[ "$(served "${port[gateway]}" gateway)" != "$before" ] || fail "the gateway's certificate did not change"
# Calls on the connection opened before go on after the change too.
after=$(calls)
within 10 more_calls_than "$after" || fail "no call answered after the rotation"
touch "$work/stop"
wait "$load" || fail "calls failed during the rotation: $(cat "$work/load.out")"
wait "$https_load" || fail "HTTPS failed during the rotation: $(cat "$work/https.out")"
echo "  gRPC $(cat "$work/load.out"); $(cat "$work/https.out")"
health registrations "${port[registrations]}" >/dev/null || fail "registrations lost its health"
[ "$(request POST "/v1/$event/registrations" -d '{"organisationName": "Foreningen Grøn Hverdag",
    "organisationCountry": "DK", "participants": [{"givenName": "Søren", "familyName": "Holm",
    "email": "soren@groen.dk"}]}')" = 200 ] || fail "registration after the rotation: $(cat "$work/body")"

for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
echo "tls e2e: every check passed"
