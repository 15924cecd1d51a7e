#!/usr/bin/env bash
# The gateway's GET /openapi.json, checked by tools nobody at coopnet wrote: npm's
# @apidevtools/swagger-parser validates it, openapi-typescript makes a TypeScript client's
# types from it and typescript's tsc --strict compiles a portal's use of them
# (openapi_client.ts), which holds only while required and output-only fields are marked.
# The real gateway serves every package; no backend needs to run for the document.
# Arguments: gateway, servers.sh.
set -euo pipefail
gateway=$1 servers=$2
here=$(cd "$(dirname "$0")" && pwd)
modules=$("$here/node_modules.sh")

work=$(mktemp -d)
pid=
fail() {
  echo "FAIL: $*" >&2
  tail -n 5 "$work/gateway.log" >&2 || true
  exit 1
}
cleanup() {
  if [ -n "$pid" ]; then
    kill -KILL "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

nowhere=$("$servers" free-port)
grpc_port=$("$servers" free-port)
http_port=$("$servers" free-port)
backends=""
for package in organisations events registrations funding; do
  backends+="${backends:+,}coopnet.$package.v1=127.0.0.1:$nowhere"
done
COOPNET_BACKENDS="$backends" COOPNET_GRPC_ADDRESS="127.0.0.1:$grpc_port" \
  COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" COOPNET_METRICS_ADDRESS= \
  COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}" \
  COOPNET_PRINCIPAL_KEYS="gateway-interop:gateway:interop-secret-0123456789-0123456789-abcdef" \
  "$gateway" 2>"$work/gateway.log" &
pid=$!
# curl retries while the port is still closed, for at most 30 s.
curl -sf --retry 300 --retry-connrefused --retry-delay 0 --retry-max-time 30 \
  -o "$work/openapi.json" "http://127.0.0.1:$http_port/openapi.json" ||
  fail "no GET /openapi.json"

# check DOCUMENT: validates it, makes its types and compiles the portal's use of them.
check() {
  local document=$1 dir
  dir=$(mktemp -d -p "$work")
  NODE_PATH="$modules" node "$here/openapi_validate.js" "$document" || return 1
  "$modules/.bin/openapi-typescript" "$document" --read-write-markers -o "$dir/coopnet.ts" \
    >"$dir/generate.log" 2>&1 || { cat "$dir/generate.log" >&2; return 1; }
  cp "$here/openapi_client.ts" "$dir/"
  "$modules/.bin/tsc" --strict --noEmit --target es2022 --module nodenext \
    --moduleResolution nodenext "$dir/openapi_client.ts" >&2 || return 1
  CHECKED_TYPES="$dir/coopnet.ts"
}

echo "== swagger-parser, openapi-typescript, tsc --strict"
check "$work/openapi.json" || fail "the document does not hold"
# The protos' comments came along, as JSDoc of the types.
grep -q 'Something that happens at a time and a place' "$CHECKED_TYPES" ||
  fail "no message description in the generated types"
grep -q 'One event by name' "$CHECKED_TYPES" || fail "no method description in the generated types"
grep -q 'In person with online participation' "$CHECKED_TYPES" ||
  fail "no enum value description in the generated types"

# The checks can fail: a dangling reference, and an Event that requires nothing.
echo "== the same checks on broken copies"
node -e '
  const fs = require("fs");
  const document = JSON.parse(fs.readFileSync(process.argv[1]));
  delete document.components.schemas["coopnet.events.v1.Venue"];
  fs.writeFileSync(process.argv[2], JSON.stringify(document));
  const intact = JSON.parse(fs.readFileSync(process.argv[1]));
  delete intact.components.schemas["coopnet.events.v1.Event"].required;
  fs.writeFileSync(process.argv[3], JSON.stringify(intact));
' "$work/openapi.json" "$work/dangling.json" "$work/unrequired.json"
if NODE_PATH="$modules" node "$here/openapi_validate.js" "$work/dangling.json" 2>"$work/dangling.out"; then
  fail "swagger-parser accepted a reference to a missing schema"
fi
grep -q 'coopnet.events.v1.Venue' "$work/dangling.out" ||
  fail "swagger-parser did not name the missing schema: $(cat "$work/dangling.out")"
if check "$work/unrequired.json" >"$work/unrequired.out" 2>&1; then
  fail "tsc compiled the portal's code against an Event that requires nothing"
fi
grep -q 'Unused .@ts-expect-error' "$work/unrequired.out" ||
  fail "tsc failed otherwise: $(head -c 600 "$work/unrequired.out")"
echo "openapi interop: passed"
