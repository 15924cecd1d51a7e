#!/usr/bin/env bash
# The organisations binary as an operator runs it: configuration from the environment,
# `migrate`, then `serve`; health, reflection, calls, metrics and JSON logs; SIGTERM
# drains and exits leaving no process. Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it).
set -euo pipefail
service=$1 cli=$2 servers=$3
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

work=$(mktemp -d)
pid=
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/service.log" ] && tail -n 20 "$work/service.log" >&2
  exit 1
}
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

database="e2e_$$_$RANDOM"
psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
grpc_port=$("$servers" free-port)
metrics_port=$("$servers" free-port)
export COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$database"
export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
export COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port"
export COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port"
export COOPNET_DRAIN_TIMEOUT=5s

echo "A missing required setting is named, and nothing starts"
set +e
"$service" serve >"$work/missing.out" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || fail "expected exit 2 without COOPNET_PRINCIPAL_KEYS, got $code"
grep -q "COOPNET_PRINCIPAL_KEYS" "$work/missing.out" || fail "the message does not name COOPNET_PRINCIPAL_KEYS"

# One key per issuer; the client signs with the first, the gateway's.
export COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:e2e-gateway-key-0123456789-0123456789,events-e2e:events:e2e-events-key-0123456789-0123456789-ab,registrations-e2e:registrations:e2e-registrations-key-0123456789-0123,funding-e2e:funding:e2e-funding-key-0123456789-0123456789"

echo "migrate applies the schema, twice without harm"
"$service" migrate 2>"$work/migrate.log" || fail "migrate failed: $(cat "$work/migrate.log")"
"$service" migrate 2>>"$work/migrate.log" || fail "second migrate failed"

echo "serve: health SERVING, reflection lists the service"
"$service" serve 2>"$work/service.log" &
pid=$!
"$cli" wait "127.0.0.1:$grpc_port" 30 >/dev/null || fail "not SERVING within 30 s"
[ "$("$cli" health "127.0.0.1:$grpc_port" coopnet.organisations.v1.OrganisationService)" = SERVING ] ||
  fail "the service's own health is not SERVING"
"$cli" list "127.0.0.1:$grpc_port" >"$work/services"
grep -qx coopnet.organisations.v1.OrganisationService "$work/services" || fail "reflection misses the service"
grep -qx grpc.health.v1.Health "$work/services" || fail "reflection misses health"

echo "calls: create and read back Norwegian text; bad input names the field"
method=coopnet.organisations.v1.OrganisationService
export COOPNET_TRACEPARENT="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
"$cli" call "127.0.0.1:$grpc_port" $method/CreateOrganisation \
  '{"organisation": {"displayName": "Hordaland fylkeskommune — Regionalavdelinga, FIA",
    "kind": "REGIONAL_AUTHORITY", "country": "NO", "nutsRegion": "NO0A",
    "description": {"translations": {"nn": "Internasjonalt kommunenettverk: æøå ÆØÅ"},
                    "defaultLanguage": "nn"}}}' >"$work/created.json" || fail "create failed"
name=$(sed -n 's/.*"name": "\(organisations\/[^"]*\)".*/\1/p' "$work/created.json")
[ -n "$name" ] || fail "no name in $(cat "$work/created.json")"
"$cli" call "127.0.0.1:$grpc_port" $method/GetOrganisation "{\"name\": \"$name\"}" >"$work/read.json"
grep -q '"Internasjonalt kommunenettverk: æøå ÆØÅ"' "$work/read.json" || fail "text did not round-trip"
set +e
"$cli" call "127.0.0.1:$grpc_port" $method/CreateOrganisation \
  '{"organisation": {"displayName": "x", "kind": "NGO", "country": "XX"}}' 2>"$work/bad.json" >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || fail "bad input was not refused"
grep -q '"field": "organisation.country"' "$work/bad.json" || fail "the refusal does not name the field"

echo "metrics and logs: go-grpc-prometheus counters, JSON lines with the trace id"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" || fail "no /metrics"
grep -q 'grpc_server_handled_total{grpc_code="OK",grpc_method="CreateOrganisation",grpc_service="coopnet.organisations.v1.OrganisationService",grpc_type="unary"} 1' \
  "$work/metrics" || fail "CreateOrganisation OK not counted"
grep -q 'grpc_code="InvalidArgument",grpc_method="CreateOrganisation"' "$work/metrics" ||
  fail "the refusal was not counted"
# Pool, queue and cache figures are sampled once a second.
deadline=$((SECONDS + 10))
until curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" &&
    grep -q '^coopnet_cache_requests_total{keyspace="organisations",result="miss"} [1-9]' "$work/metrics"; do
  [ $SECONDS -lt $deadline ] || fail "the cache miss of GetOrganisation was not counted"
  sleep 0.1
done
grep -q '^coopnet_pg_pool_connections 8' "$work/metrics" || fail "no pool gauge"
grep -q '"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"' "$work/service.log" ||
  fail "the call's log line lacks the trace id"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/service.log" || fail "a log line is not JSON"

echo "SIGTERM: drains, exits 0, leaves nothing listening"
kill -TERM "$pid"
deadline=$((SECONDS + 15))
while kill -0 "$pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "still running 15 s after SIGTERM"
  sleep 0.05
done
set +e
wait "$pid"
code=$?
set -e
pid=
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
grep -q '"msg":"draining"' "$work/service.log" || fail "no draining line"
if "$cli" health "127.0.0.1:$grpc_port" >/dev/null 2>&1; then fail "still answering after exit"; fi
echo "organisations e2e: every check passed"
