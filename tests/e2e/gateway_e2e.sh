#!/usr/bin/env bash
# The gateway binary in front of the organisations and events binaries, as an operator
# runs them: configuration from the environment, health and reflection over gRPC, a
# portal's calls over HTTP with curl (organisation, API key, a squatter's claim to another's
# PIC and the operator's verification of the real holder's, the Copenhagen meeting, its
# calendar, OpenAPI), anonymous reads over gRPC with the command-line client, refusals of
# bad input and of callers without a key, the events process stopped (503, NOT_SERVING)
# and started again (recovery), metrics, and a clean drain on SIGTERM.
# Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it).
set -euo pipefail
gateway=$1 organisations=$2 events=$3 cli=$4 servers=$5
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

work=$(mktemp -d)
gateway_pid= organisations_pid= events_pid=
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/gateway.log" ] && tail -n 20 "$work/gateway.log" >&2
  exit 1
}
cleanup() {
  for pid in "$gateway_pid" "$events_pid" "$organisations_pid"; do
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  done
  for database in "$events_db" "$organisations_db"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

source "$(dirname "$0")/lib.sh"

events_db="e2e_gw_events_$$_$RANDOM"
organisations_db="e2e_gw_orgs_$$_$RANDOM"
for database in "$events_db" "$organisations_db"; do
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
done
organisations_port=$("$servers" free-port)
events_port=$("$servers" free-port)
grpc_port=$("$servers" free-port)
http_port=$("$servers" free-port)
metrics_port=$("$servers" free-port)
export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
# One key per issuer; the client signs with the first, the gateway's.
export COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:e2e-gateway-key-0123456789-0123456789,events-e2e:events:e2e-events-key-0123456789-0123456789-ab,registrations-e2e:registrations:e2e-registrations-key-0123456789-0123,funding-e2e:funding:e2e-funding-key-0123456789-0123456789"
export COOPNET_DRAIN_TIMEOUT=5s
admin_key="e2e-admin-key-0123456789-0123456789-abcdef"
portal="https://portal.regionorebrolan.se"

start_organisations() {
  COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$organisations_db" COOPNET_METRICS_ADDRESS=127.0.0.1:0 \
    COOPNET_GRPC_ADDRESS="127.0.0.1:$organisations_port" COOPNET_MIGRATE_AT_START=true \
    "$organisations" serve 2>>"$work/organisations.log" &
  organisations_pid=$!
}
start_events() {
  COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$events_db" COOPNET_METRICS_ADDRESS=127.0.0.1:0 \
    COOPNET_GRPC_ADDRESS="127.0.0.1:$events_port" COOPNET_MIGRATE_AT_START=true \
    COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:$organisations_port" \
    "$events" serve 2>>"$work/events.log" &
  events_pid=$!
}

echo "backends: organisations and events"
start_organisations
start_events
"$cli" wait "127.0.0.1:$organisations_port" 30 >/dev/null || fail "organisations not SERVING"
"$cli" wait "127.0.0.1:$events_port" 30 >/dev/null || fail "events not SERVING"

echo "gateway: configuration, then serve; health SERVING, reflection lists the public services"
"$gateway" --help >"$work/help"
grep -q COOPNET_BACKENDS "$work/help" || fail "--help misses backends"
env -u COOPNET_PRINCIPAL_KEYS COOPNET_BACKENDS="coopnet.organisations.v1=127.0.0.1:1" "$gateway" 2>/dev/null &&
  fail "started without COOPNET_PRINCIPAL_KEYS"
set +e
COOPNET_BACKENDS="coopnet.events.v1" "$gateway" 2>"$work/bad.log"
code=$?
set -e
[ "$code" -eq 2 ] || fail "a malformed COOPNET_BACKENDS did not exit 2 (got $code)"
export COOPNET_BACKENDS="coopnet.organisations.v1=127.0.0.1:$organisations_port,coopnet.events.v1=127.0.0.1:$events_port"
COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port" COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" \
  COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port" COOPNET_ADMIN_KEY="$admin_key" \
  COOPNET_CORS_ORIGINS="$portal" "$gateway" 2>"$work/gateway.log" &
gateway_pid=$!
"$cli" wait "127.0.0.1:$grpc_port" 30 >/dev/null || fail "gateway not SERVING within 30 s"
"$cli" list "127.0.0.1:$grpc_port" >"$work/services"
for service in coopnet.organisations.v1.OrganisationService coopnet.organisations.v1.ApiKeyService \
    coopnet.events.v1.EventService grpc.health.v1.Health; do
  grep -qx "$service" "$work/services" || fail "reflection misses $service: $(cat "$work/services")"
done

http="http://127.0.0.1:$http_port"
admin="Authorization: Bearer $admin_key"
# `request METHOD PATH [curl args]`: the body in $work/body, the status printed.
request() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$work/body" -w '%{http_code}' -X "$method" "$http$path" "$@"
}
json_field() {
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' \
    "$work/body" "$1"
}

echo "HTTP: an operator registers Kofoeds Skole and gives it an API key"
[ "$(request POST /v1/organisations -H "$admin" \
  -d '{"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK", "nutsRegion": "DK011"}')" = 200 ] ||
  fail "organisation not created: $(cat "$work/body")"
organiser=$(json_field name)
[ "$(request POST "/v1/$organiser/apiKeys" -H "$admin" \
  -d '{"displayName": "Portal", "scopes": ["SCOPE_READ", "SCOPE_WRITE"]}')" = 200 ] ||
  fail "key not created: $(cat "$work/body")"
key=$(json_field key)
[ -n "$key" ] || fail "no key in $(cat "$work/body")"

echo "HTTP: a squatter's claim to a PIC blocks nobody; the operator verifies the real holder's"
pic='{"scheme": "PIC", "value": "949685493"}'
urzad() {
  echo "{\"displayName\": \"$1\", \"kind\": \"REGIONAL_AUTHORITY\", \"country\": \"PL\",
         \"identifiers\": [$pic]}"
}
[ "$(request POST /v1/organisations -H "Authorization: Bearer $key" -d "$(urzad "Urząd (not really)")")" = 200 ] ||
  fail "the squatter's organisation not created: $(cat "$work/body")"
squatter=$(json_field name)
[ "$(request POST /v1/organisations -H "$admin" -d "$(urzad "Urząd Marszałkowski")")" = 200 ] ||
  fail "the real holder of the PIC was refused: $(cat "$work/body")"
holder=$(json_field name)
grep -q '"state":"UNVERIFIED"' "$work/body" || fail "a new claim is not UNVERIFIED: $(cat "$work/body")"
[ "$(request POST "/v1/$holder:verifyIdentifier" -H "Authorization: Bearer $key" \
  -d "{\"identifier\": $pic}")" = 403 ] || fail "an organisation's key verified a claim: $(cat "$work/body")"
grep -q NOT_OPERATOR "$work/body" || fail "the refusal does not say why: $(cat "$work/body")"
[ "$(request POST "/v1/$holder:verifyIdentifier" -H "$admin" -d "{\"identifier\": $pic}")" = 200 ] ||
  fail "the operator could not verify: $(cat "$work/body")"
grep -q '"state":"VERIFIED"' "$work/body" || fail "not VERIFIED: $(cat "$work/body")"
[ "$(request GET "/v1/organisations:lookup?identifier.scheme=PIC&identifier.value=949685493" \
  -H "$admin")" = 200 ] || fail "lookup: $(cat "$work/body")"
[ "$(json_field name)" = "$holder" ] || fail "lookup answers $(json_field name), not the verified $holder"
[ "$(request POST "/v1/$squatter:verifyIdentifier" -H "$admin" -d "{\"identifier\": $pic}")" = 400 ] ||
  fail "the squatter's claim was verified too: $(cat "$work/body")"
grep -q IDENTIFIER_VERIFIED_ELSEWHERE "$work/body" && grep -q "$holder" "$work/body" ||
  fail "the refusal does not name the holder: $(cat "$work/body")"

echo "HTTP: the portal creates and publishes the Copenhagen meeting"
meeting() {
  cat <<JSON
{"title": {"translations": {"da": "Informations- og debatmøde", "en": "Information and debate meeting"},
           "defaultLanguage": "da"},
 "kind": "INFO_MEETING", "organiser": "$organiser",
 "startTime": "2022-10-13T14:30:00Z", "endTime": "$1", "timeZone": "Europe/Copenhagen",
 "attendanceMode": "IN_PERSON",
 "venue": {"name": "Kofoeds Skole", "room": "Scherfig-salen",
           "address": {"regionCode": "DK", "postalCode": "2300", "locality": "København S"},
           "nutsRegion": "DK011"}}
JSON
}
[ "$(request POST "/v1/events?requestId=copenhagen-2022" -H "Authorization: Bearer $key" \
  -d "$(meeting 2022-10-13T16:30:00Z)")" = 200 ] || fail "event not created: $(cat "$work/body")"
event=$(json_field name)
[ "$(request POST "/v1/$event:publish" -H "Authorization: Bearer $key")" = 200 ] ||
  fail "not published: $(cat "$work/body")"

echo "HTTP: anybody reads it, its calendar in English, and the OpenAPI document"
[ "$(request GET "/v1/$event")" = 200 ] || fail "anonymous read: $(cat "$work/body")"
curl -s -D "$work/headers" -o "$work/calendar" -H "Accept-Language: en" "$http/v1/$event:calendar"
grep -qi '^content-type: text/calendar' "$work/headers" || fail "calendar is not text/calendar"
grep -q 'DTSTART;TZID=Europe/Copenhagen:20221013T163000' "$work/calendar" || fail "wrong calendar"
grep -q 'SUMMARY;LANGUAGE=en:Information and debate meeting' "$work/calendar" ||
  fail "Accept-Language did not reach the service"
[ "$(request GET "/v1/events?countries=DK&kinds=INFO_MEETING")" = 200 ] && grep -q "$event" "$work/body" ||
  fail "filtered list misses the event"
[ "$(request GET /openapi.json)" = 200 ] || fail "no OpenAPI"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["openapi"].startswith("3."); assert "/v1/events/{event}" in d["paths"]' \
  "$work/body" || fail "OpenAPI document is not what it should be"
curl -s -D "$work/headers" -o /dev/null -X OPTIONS -H "Origin: $portal" \
  -H "Access-Control-Request-Method: POST" "$http/v1/events"
grep -qi "^access-control-allow-origin: $portal" "$work/headers" || fail "no CORS for the portal"

echo "HTTP: bad input and missing or forged keys are clear 4xx"
[ "$(request POST /v1/events -H "Authorization: Bearer $key" -d '{"title": ')" = 400 ] || fail "malformed JSON"
grep -q '"field":"event"' "$work/body" || fail "malformed JSON does not name the body"
[ "$(request POST /v1/events -H "Authorization: Bearer $key" -d '{"kind": "MEETING"}')" = 400 ] ||
  fail "unknown enum name"
grep -q '"field":"event.kind"' "$work/body" || fail "unknown enum does not name event.kind"
[ "$(request POST /v1/events -H "Authorization: Bearer $key" \
  -d "$(meeting 2022-10-13T13:00:00Z)")" = 400 ] || fail "end before start"
grep -q 'event.end_time' "$work/body" || fail "the service's violation did not come through"
[ "$(request POST /v1/events -d "$(meeting 2022-10-13T16:30:00Z)")" = 401 ] || fail "no key"
[ "$(request POST /v1/events -H "Authorization: Bearer cnk_forged00_$(printf 'a%.0s' {1..64})" \
  -d "$(meeting 2022-10-13T16:30:00Z)")" = 401 ] || fail "forged key"
head -c $((10 << 20)) /dev/zero | tr '\0' 'x' >"$work/huge"
[ "$(request POST /v1/events -H "Authorization: Bearer $key" --data-binary @"$work/huge")" = 413 ] ||
  fail "a 10 MB body was not refused with 413"
/usr/bin/python3 - "$work/gateway.log" <<'PY' || fail "the 413 is not logged with its request line and time"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
refused = [l for l in lines if l.get("status") == 413]
assert refused and all(l["method"] == "POST" and l["path"] == "/v1/events" and
                       0 <= l["duration_ms"] < 60000 for l in refused), refused
PY
[ "$(request GET /v1/nothing)" = 404 ] || fail "unknown route"
[ "$(request POST /v1/apiKeys:authenticate -d '{"key": "x"}')" = 404 ] || fail "internal method reachable"

echo "gRPC: anonymous reads with the client; its own principal is ignored"
COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:not-the-gateways-secret-0123456789-abc" COOPNET_CALLER=anonymous \
  "$cli" call "127.0.0.1:$grpc_port" coopnet.events.v1.EventService/GetEvent "{\"name\": \"$event\"}" \
  >"$work/grpc.json" || fail "anonymous gRPC read failed: $(cat "$work/grpc.json")"
grep -q "\"name\": \"$event\"" "$work/grpc.json" || fail "wrong event over gRPC"
set +e
"$cli" call "127.0.0.1:$grpc_port" coopnet.organisations.v1.OrganisationService/CreateOrganisation \
  '{"organisation": {"displayName": "X", "kind": "NGO", "country": "DK"}}' 2>"$work/denied.json" >/dev/null
"$cli" call "127.0.0.1:$grpc_port" coopnet.organisations.v1.ApiKeyService/AuthenticateApiKey \
  "{\"key\": \"$key\"}" 2>"$work/internal.json" >/dev/null
set -e
grep -q API_KEY_REQUIRED "$work/denied.json" || fail "a self-signed admin was believed: $(cat "$work/denied.json")"
grep -q '"code": 12' "$work/internal.json" || fail "AuthenticateApiKey is reachable: $(cat "$work/internal.json")"

echo "events stopped: 503 and NOT_SERVING; started again: answers and SERVING"
kill -TERM "$events_pid"
wait "$events_pid" || true
events_pid=
# A public read may come from the gateway's anonymous answer cache for its
# lifetime (COOPNET_ANONYMOUS_CACHE_TIME, 1 s); after that it is 503.
unavailable() { [ "$(request GET "/v1/$event")" = 503 ]; }
within 5 unavailable || fail "not 503 with events down: $(cat "$work/body")"
grep -q BACKEND_UNAVAILABLE "$work/body" || fail "no BACKEND_UNAVAILABLE reason"
not_serving() { ! "$cli" health "127.0.0.1:$grpc_port"; }
within 10 not_serving || fail "gateway still SERVING without events"
start_events
answers() { [ "$(request GET "/v1/$event")" = 200 ]; }
within 30 answers || fail "no recovery after events came back"
within 10 "$cli" health "127.0.0.1:$grpc_port" || fail "gateway not SERVING again"

echo "metrics"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" || fail "no /metrics"
grep -q 'grpc_server_handled_total{grpc_code="OK",grpc_method="GetEvent",grpc_service="coopnet.events.v1.EventService"' \
  "$work/metrics" || fail "proxied GetEvent not counted"
# The key used above is cached; an operator sees what the caches hold and what is open.
grep -Eq '^coopnet_gateway_cache_bytes\{cache="keys"\} [1-9]' "$work/metrics" ||
  fail "the key cache's bytes are not shown: $(grep coopnet_gateway "$work/metrics")"
grep -q '^coopnet_gateway_http_connections ' "$work/metrics" || fail "no HTTP connections gauge"
grep -q '^coopnet_gateway_open_streams ' "$work/metrics" || fail "no open streams gauge"

echo "SIGTERM: drains, exits 0"
kill -TERM "$gateway_pid"
within 15 bash -c "! kill -0 $gateway_pid" || fail "still running 15 s after SIGTERM"
set +e
wait "$gateway_pid"
code=$?
set -e
gateway_pid=
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/gateway.log" || fail "a log line is not JSON"
! grep -q "$key" "$work/gateway.log" || fail "the API key was logged"
echo "gateway e2e: every check passed"
