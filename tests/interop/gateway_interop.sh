#!/usr/bin/env bash
# Clients nobody at coopnet wrote drive the gateway in front of the organisations binary:
# Node's @grpc/grpc-js + @grpc/proto-loader over gRPC (grpc_client.js), curl over HTTP/1.1.
# Arguments: gateway, organisations, coopnet (CLI), servers.sh, the googleapis folder.
# Needs COOPNET_TEST_PG_DSN and COOPNET_TEST_REDIS (tests/run.sh sets them).
set -euo pipefail
gateway=$1 organisations=$2 cli=$3 servers=$4 googleapis=$5
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"
here=$(cd "$(dirname "$0")" && pwd)
modules=$("$here/node_modules.sh")

work=$(mktemp -d)
database="interop_orgs_$$_$RANDOM"
pids=()
fail() {
  echo "FAIL: $*" >&2
  tail -n 5 "$work"/*.log >&2 || true
  exit 1
}
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
organisations_port=$("$servers" free-port)
grpc_port=$("$servers" free-port)
http_port=$("$servers" free-port)
admin_key="cnk_admin_interop_0123456789abcdef0123456789"
export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
export COOPNET_PRINCIPAL_KEYS="gateway-interop:gateway:interop-secret-0123456789-0123456789-abcdef"
export COOPNET_METRICS_ADDRESS=127.0.0.1:0
COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$database" COOPNET_MIGRATE_AT_START=true \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$organisations_port" "$organisations" serve \
  2>"$work/organisations.log" &
pids+=($!)
"$cli" wait "127.0.0.1:$organisations_port" 30 >/dev/null || fail "organisations not SERVING"
COOPNET_BACKENDS="coopnet.organisations.v1=127.0.0.1:$organisations_port" \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port" COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" \
  COOPNET_ADMIN_KEY="$admin_key" COOPNET_KEY_RATE=0 COOPNET_ANONYMOUS_RATE=0 \
  COOPNET_CORS_ORIGINS=https://www.hordaland.no "$gateway" 2>"$work/gateway.log" &
pids+=($!)
"$cli" wait "127.0.0.1:$grpc_port" 30 >/dev/null || fail "gateway not SERVING"

echo "== gRPC: Node's @grpc/grpc-js"
NODE_PATH="$modules" node "$here/grpc_client.js" "127.0.0.1:$grpc_port" "$admin_key" \
  "$here/../../proto" "$googleapis" || fail "the Node client failed"

echo "== HTTP: curl"
base="http://127.0.0.1:$http_port"
# status CODE FILE -- curl arguments: the HTTP status must be CODE; the body goes to FILE.
status() {
  local want=$1 out=$2
  shift 2
  local got
  got=$(curl -sS -o "$out" -w '%{http_code}' "$@") || fail "curl $*"
  [ "$got" = "$want" ] || fail "curl $*: HTTP $got, not $want: $(head -c 300 "$out")"
}
status 200 "$work/created.json" -X POST "$base/v1/organisations" \
  -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
  --data '{"displayName": "Hordaland fylkeskommune", "kind": "REGIONAL_AUTHORITY",
           "country": "NO", "nutsRegion": "NO0A", "workingLanguages": ["nn", "en"]}'
name=$(sed -n 's/.*"name":"\(organisations\/[^"]*\)".*/\1/p' "$work/created.json")
[ -n "$name" ] || fail "no name in $(cat "$work/created.json")"
status 200 "$work/read.json" "$base/v1/$name"
grep -q '"kind":"REGIONAL_AUTHORITY"' "$work/read.json" || fail "enum not by name"
grep -q '"workingLanguages":\["nn","en"\]' "$work/read.json" || fail "lists lost"

# Keep-alive: two requests, one connection.
curl -sS -v -o /dev/null -o /dev/null "$base/v1/$name" "$base/v1/organisations" 2>"$work/keepalive" ||
  fail "keep-alive requests failed"
grep -qi 're-using existing connection\|Reusing existing connection' "$work/keepalive" ||
  fail "the second request did not reuse the connection"

status 400 "$work/bad.json" -X POST "$base/v1/organisations" \
  -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' --data '{"displayName": '
grep -q '"code":3' "$work/bad.json" || fail "malformed JSON is not INVALID_ARGUMENT: $(cat "$work/bad.json")"
status 400 "$work/enum.json" -X POST "$base/v1/organisations" \
  -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
  --data '{"displayName": "X", "kind": "KOMMUNE", "country": "NO"}'
grep -q 'KOMMUNE' "$work/enum.json" || fail "an unknown enum name is not named: $(cat "$work/enum.json")"
status 401 "$work/forged.json" -X POST "$base/v1/organisations" \
  -H 'Authorization: Bearer cnk_forged_0123456789abcdef0123456789abcdef' \
  -H 'Content-Type: application/json' --data '{"displayName": "X", "kind": "NGO", "country": "NO"}'
status 404 "$work/unknown.json" "$base/v1/nothing/here"
grep -q '"code":5' "$work/unknown.json" || fail "an unknown route is not NOT_FOUND as JSON"
status 204 "$work/preflight" -X OPTIONS "$base/v1/organisations" \
  -H 'Origin: https://www.hordaland.no' -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: authorization, content-type' -D "$work/preflight.headers"
grep -qi '^access-control-allow-origin: https://www.hordaland.no' "$work/preflight.headers" ||
  fail "the portal's origin is not allowed: $(cat "$work/preflight.headers")"
status 200 "$work/openapi.json" "$base/openapi.json"
grep -q '"openapi": *"3' "$work/openapi.json" || fail "no OpenAPI 3 document"
echo "interop: passed"
