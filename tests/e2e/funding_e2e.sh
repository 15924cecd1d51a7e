#!/usr/bin/env bash
# The funding binary as an operator runs it, beside the organisations binary whose
# profiles it judges: configuration from the environment, `migrate`, then `serve`;
# health, reflection, the seeds' Polish grant from programme to 360Giving export, bad
# input named, metrics; SIGTERM drains and exits 0. Needs COOPNET_TEST_PG_DSN
# (tests/run.sh sets it).
set -euo pipefail
funding=$1 organisations=$2 cli=$3 servers=$4
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

work=$(mktemp -d)
funding_pid= organisations_pid=
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/funding.log" ] && tail -n 20 "$work/funding.log" >&2
  exit 1
}
cleanup() {
  [ -n "$funding_pid" ] && kill -KILL "$funding_pid" 2>/dev/null || true
  [ -n "$organisations_pid" ] && kill -KILL "$organisations_pid" 2>/dev/null || true
  for database in "$funding_db" "$organisations_db"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

funding_db="e2e_funding_$$_$RANDOM"
organisations_db="e2e_orgs_$$_$RANDOM"
for database in "$funding_db" "$organisations_db"; do
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
done
organisations_port=$("$servers" free-port)
funding_port=$("$servers" free-port)
metrics_port=$("$servers" free-port)
export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
# One key per issuer; the client signs with the first, the gateway's.
export COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:e2e-gateway-key-0123456789-0123456789,events-e2e:events:e2e-events-key-0123456789-0123456789-ab,registrations-e2e:registrations:e2e-registrations-key-0123456789-0123,funding-e2e:funding:e2e-funding-key-0123456789-0123456789"
export COOPNET_DRAIN_TIMEOUT=5s

echo "organisations: migrate and serve"
COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$organisations_db" COOPNET_METRICS_ADDRESS=127.0.0.1:0 \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$organisations_port" COOPNET_MIGRATE_AT_START=true \
  "$organisations" serve 2>"$work/organisations.log" &
organisations_pid=$!
"$cli" wait "127.0.0.1:$organisations_port" 30 >/dev/null || fail "organisations not SERVING"

echo "funding: migrate applies the schema, twice without harm"
export COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$funding_db"
export COOPNET_GRPC_ADDRESS="127.0.0.1:$funding_port"
export COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port"
export COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:$organisations_port"
"$funding" migrate 2>"$work/migrate.log" || fail "migrate failed: $(cat "$work/migrate.log")"
"$funding" migrate 2>>"$work/migrate.log" || fail "second migrate failed"
"$funding" --help | grep -q COOPNET_GIVING360_PREFIX || fail "--help misses giving360_prefix"

echo "funding: serve; health SERVING, reflection lists the service"
"$funding" serve 2>"$work/funding.log" &
funding_pid=$!
"$cli" wait "127.0.0.1:$funding_port" 30 >/dev/null || fail "funding not SERVING within 30 s"
[ "$("$cli" health "127.0.0.1:$funding_port" coopnet.funding.v1.FundingService)" = SERVING ] ||
  fail "the service's own health is not SERVING"
"$cli" list "127.0.0.1:$funding_port" | grep -qx coopnet.funding.v1.FundingService ||
  fail "reflection misses the service"

name_of() { sed -n "s/.*\"name\": \"\($1\/[^\"]*\)\".*/\1/p" "$2" | head -n 1; }
organisation() {
  "$cli" call "127.0.0.1:$organisations_port" \
    coopnet.organisations.v1.OrganisationService/CreateOrganisation "$1" >"$work/org.json" ||
    fail "organisation not created"
  name_of organisations "$work/org.json"
}
ministry=$(organisation '{"organisation": {"displayName": "Ministerstwo Spraw Zagranicznych",
  "kind": "NATIONAL_AUTHORITY", "country": "PL", "nutsRegion": "PL91"}}')
association=$(organisation '{"organisation": {"displayName": "Samorządowe Stowarzyszenie „Europa Kujaw i Pomorza”",
  "kind": "ASSOCIATION", "country": "PL", "nutsRegion": "PL61",
  "identifiers": [{"scheme": "PL-KRS", "value": "0000312586"}]}}')
[ -n "$ministry" ] && [ -n "$association" ] || fail "no organisation names"
# The association's KRS number, checked by an operator, names it in the 360Giving export.
"$cli" call "127.0.0.1:$organisations_port" coopnet.organisations.v1.OrganisationService/VerifyIdentifier \
  "{\"name\": \"$association\", \"identifier\": {\"scheme\": \"PL-KRS\", \"value\": \"0000312586\"}}" \
  >/dev/null || fail "the association's KRS number could not be verified"

method=coopnet.funding.v1.FundingService
call() { "$cli" call "127.0.0.1:$funding_port" "$method/$1" "$2"; }

echo "calls: the ministry's programme and competition, published and open"
call CreateProgramme "{\"programme\": {\"funder\": \"$ministry\", \"level\": \"NATIONAL\",
  \"title\": {\"translations\": {\"pl\": \"Wsparcie samorządowego i obywatelskiego wymiaru polskiej polityki zagranicznej\"},
              \"defaultLanguage\": \"pl\"}}}" >"$work/programme.json" || fail "no programme"
programme=$(name_of programmes "$work/programme.json")
opens=$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)
closes=$(date -u -d '+20 days' +%Y-%m-%dT%H:%M:%SZ)
competition() {
  cat <<JSON
{"call": {"programme": "$programme", "identifier": "WSPW-2014", "kind": "GRANT",
  "title": {"translations": {"pl": "Konkurs 2014"}, "defaultLanguage": "pl"},
  "openTime": "$opens", "deadline": "$1", "timeZone": "Europe/Warsaw",
  "totalBudget": {"currencyCode": "PLN", "units": "3000000"},
  "maxGrant": {"currencyCode": "PLN", "units": "150000"},
  "eligibility": {"countries": ["PL"], "languages": ["pl"]}}, "requestId": "wspw-2014"}
JSON
}
set +e
call CreateCall "$(competition "$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)" | sed 's/wspw-2014/bad/')" \
  2>"$work/bad.json" >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || fail "a deadline before the opening was not refused"
grep -q '"field": "call.deadline"' "$work/bad.json" || fail "the refusal does not name call.deadline"
call CreateCall "$(competition "$closes")" >"$work/call.json" || fail "no call"
competition_name=$(name_of calls "$work/call.json")
call PublishCall "{\"name\": \"$competition_name\"}" | grep -q '"state": "OPEN"' ||
  fail "the published call is not OPEN"

echo "applications: applied, submitted, reviewed, awarded 85,200 PLN"
call CreateApplication "{\"application\": {\"call\": \"$competition_name\",
  \"participants\": [{\"organisation\": \"$association\", \"role\": \"LEAD\"}],
  \"title\": \"INTER-EKiP\", \"language\": \"pl\",
  \"requestedAmount\": {\"currencyCode\": \"PLN\", \"units\": \"85200\"}}}" >"$work/app.json" ||
  fail "no application"
application=$(name_of applications "$work/app.json")
call SubmitApplication "{\"name\": \"$application\"}" | grep -q '"state": "SUBMITTED"' ||
  fail "not submitted"
call ReviewApplication "{\"name\": \"$application\"}" >/dev/null || fail "not reviewed"
call DecideApplication "{\"name\": \"$application\", \"decision\": \"AWARD\",
  \"award\": {\"awardDate\": {\"year\": 2014, \"month\": 3, \"day\": 14},
             \"purpose\": \"Forum, voucher, seminarium\",
             \"beneficiaryCountry\": \"PL\", \"beneficiaryNutsRegion\": \"PL61\"}}" |
  grep -q '"state": "AWARDED"' || fail "not awarded"

echo "export: valid 360Giving JSON"
COOPNET_CALLER=anonymous call ExportAwards "{\"filter\": {\"funder\": \"$ministry\"}}" \
  >"$work/export.json" || fail "no export"
/usr/bin/python3 - "$work/export.json" <<'PY' || fail "the export is not the 360Giving shape"
import json, re, sys
response = json.load(open(sys.argv[1]))
package = json.loads(response["json"])
[grant] = package["grants"]
for field in ("id", "title", "description", "currency", "amountAwarded", "awardDate",
              "recipientOrganization", "fundingOrganization"):
    assert field in grant, field
assert re.match(r"^360G-", grant["id"]), grant["id"]
assert grant["currency"] == "PLN" and grant["amountAwarded"] == 85200, grant
assert re.match(r"^\d{4}-\d{2}-\d{2}$", grant["awardDate"]), grant["awardDate"]
for organisation in grant["recipientOrganization"] + grant["fundingOrganization"]:
    assert organisation["id"] and organisation["name"], organisation
assert grant["recipientOrganization"][0]["id"] == "PL-KRS-0000312586"
assert response["totals"] == [{"currencyCode": "PLN", "units": "85200"}], response["totals"]
PY

echo "metrics"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" || fail "no /metrics"
grep -q 'grpc_server_handled_total{grpc_code="OK",grpc_method="DecideApplication",grpc_service="coopnet.funding.v1.FundingService",grpc_type="unary"} 1' \
  "$work/metrics" || fail "DecideApplication OK not counted"

echo "SIGTERM: drains, exits 0"
kill -TERM "$funding_pid"
deadline=$((SECONDS + 15))
while kill -0 "$funding_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "still running 15 s after SIGTERM"
  sleep 0.05
done
set +e
wait "$funding_pid"
code=$?
set -e
funding_pid=
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/funding.log" || fail "a log line is not JSON"
echo "funding e2e: every check passed"
