#!/usr/bin/env bash
# The registrations binary as an operator runs it, beside the events and organisations
# binaries it asks: configuration from the environment, `migrate`, then `serve`; health,
# reflection, a policy set on the Copenhagen meeting, one registration confirmed and one
# waitlisted, bad input named, the meeting cancelled in the events service and its
# registrations cancelled through the change stream, metrics; SIGTERM drains and exits 0.
# Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it). Runs a Redis of its own: the events
# binary's change stream has a fixed name, and a registrations binary of another test in
# the same consumer group could take the cancellation this test waits for.
set -euo pipefail
registrations=$1 events=$2 organisations=$3 cli=$4 servers=$5
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

work=$(mktemp -d)
pids=()
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/registrations.log" ] && tail -n 20 "$work/registrations.log" >&2
  exit 1
}
databases=()
cleanup() {
  local pid database
  for pid in "${pids[@]}"; do { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null || true; done
  "$servers" redis-stop "$work/redis" >/dev/null 2>&1 || true
  for database in "${databases[@]}"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

for service in organisations events registrations; do
  database="e2e_${service}_$$_$RANDOM"
  databases+=("$database")
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
  declare "${service}_dsn=$COOPNET_TEST_PG_DSN dbname=$database"
  declare "${service}_port=$("$servers" free-port)"
done
metrics_port=$("$servers" free-port)
redis_port=$("$servers" free-port)
"$servers" redis-start "$work/redis" "$redis_port" >/dev/null
export COOPNET_REDIS_ADDRESS="127.0.0.1:$redis_port"
# One key per issuer; the client signs with the first, the gateway's.
export COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:e2e-gateway-key-0123456789-0123456789,events-e2e:events:e2e-events-key-0123456789-0123456789-ab,registrations-e2e:registrations:e2e-registrations-key-0123456789-0123,funding-e2e:funding:e2e-funding-key-0123456789-0123456789"
export COOPNET_MANAGE_TOKEN_SECRET="e2e-manage-token-secret-0123456789-0123"
export COOPNET_DRAIN_TIMEOUT=5s

echo "organisations and events: migrate and serve"
COOPNET_PG_DSN="$organisations_dsn" COOPNET_METRICS_ADDRESS=127.0.0.1:0 \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$organisations_port" COOPNET_MIGRATE_AT_START=true \
  "$organisations" serve 2>"$work/organisations.log" &
pids+=($!)
COOPNET_PG_DSN="$events_dsn" COOPNET_METRICS_ADDRESS=127.0.0.1:0 COOPNET_GRPC_ADDRESS="127.0.0.1:$events_port" \
  COOPNET_MIGRATE_AT_START=true COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:$organisations_port" \
  "$events" serve 2>"$work/events.log" &
pids+=($!)
"$cli" wait "127.0.0.1:$organisations_port" 30 >/dev/null || fail "organisations not SERVING"
"$cli" wait "127.0.0.1:$events_port" 30 >/dev/null || fail "events not SERVING"

echo "registrations: migrate applies the schema, twice without harm"
export COOPNET_PG_DSN="$registrations_dsn"
export COOPNET_GRPC_ADDRESS="127.0.0.1:$registrations_port"
export COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port"
export COOPNET_EVENTS_ADDRESS="127.0.0.1:$events_port"
export COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:$organisations_port"
"$registrations" migrate 2>"$work/migrate.log" || fail "migrate failed: $(cat "$work/migrate.log")"
"$registrations" migrate 2>>"$work/migrate.log" || fail "second migrate failed"
grep -q COOPNET_EVENTS_ADDRESS <<<"$("$registrations" --help)" || fail "--help misses events_address"

echo "registrations: serve; health SERVING, reflection lists the service"
"$registrations" serve 2>"$work/registrations.log" &
registrations_pid=$!
pids+=($registrations_pid)
"$cli" wait "127.0.0.1:$registrations_port" 30 >/dev/null || fail "registrations not SERVING"
service=coopnet.registrations.v1.RegistrationService
[ "$("$cli" health "127.0.0.1:$registrations_port" $service)" = SERVING ] ||
  fail "the service's own health is not SERVING"
"$cli" list "127.0.0.1:$registrations_port" | grep -qx $service || fail "reflection misses the service"

echo "calls: the Copenhagen meeting takes one seat and a waitlist"
"$cli" call "127.0.0.1:$organisations_port" \
  coopnet.organisations.v1.OrganisationService/CreateOrganisation \
  '{"organisation": {"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK"}}' \
  >"$work/organisation.json" || fail "organisation not created"
organiser=$(sed -n 's/.*"name": "\(organisations\/[^"]*\)".*/\1/p' "$work/organisation.json")
start=$(date -u -d '+30 days' +%Y-%m-%dT16:30:00Z)
end=$(date -u -d '+30 days' +%Y-%m-%dT18:30:00Z)
"$cli" call "127.0.0.1:$events_port" coopnet.events.v1.EventService/CreateEvent \
  "{\"event\": {\"title\": {\"translations\": {\"da\": \"Informationsmøde\"}, \"defaultLanguage\": \"da\"},
    \"kind\": \"INFO_MEETING\", \"organiser\": \"$organiser\", \"startTime\": \"$start\",
    \"endTime\": \"$end\", \"timeZone\": \"Europe/Copenhagen\", \"attendanceMode\": \"ONLINE\",
    \"onlineUrl\": \"https://ngo-netvaerk.dk/moede\"}}" >"$work/event.json" || fail "event not created"
event=$(sed -n 's/.*"name": "\(events\/[^"]*\)".*/\1/p' "$work/event.json")
"$cli" call "127.0.0.1:$events_port" coopnet.events.v1.EventService/PublishEvent \
  "{\"name\": \"$event\"}" >/dev/null || fail "publish failed"
COOPNET_CALLER=$organiser "$cli" call "127.0.0.1:$registrations_port" \
  $service/UpdateRegistrationPolicy \
  "{\"policy\": {\"name\": \"$event/registrationPolicy\", \"capacity\": 1, \"waitlistEnabled\": true},
    \"updateMask\": \"capacity,waitlistEnabled\"}" >/dev/null || fail "policy not set"

person() {
  echo "{\"parent\": \"$event\", \"registration\": {\"organisationName\": \"Foreningen Grøn Hverdag\",
    \"organisationCountry\": \"DK\", \"participants\": [{\"givenName\": \"Mette\",
    \"familyName\": \"Holm\", \"email\": \"$1\"}]}}"
}
COOPNET_CALLER=anonymous "$cli" call "127.0.0.1:$registrations_port" $service/CreateRegistration \
  "$(person mette@groen.dk)" >"$work/first.json" || fail "registration failed"
grep -q '"state": "CONFIRMED"' "$work/first.json" || fail "not confirmed: $(cat "$work/first.json")"
grep -q '"manageToken": "cnr_' "$work/first.json" || fail "no manage token"
COOPNET_CALLER=anonymous "$cli" call "127.0.0.1:$registrations_port" $service/CreateRegistration \
  "$(person soren@groen.dk)" >"$work/second.json" || fail "second registration failed"
grep -q '"state": "WAITLISTED"' "$work/second.json" || fail "not waitlisted: $(cat "$work/second.json")"
grep -q '"waitlistPosition": 1' "$work/second.json" || fail "not first in line"
first=$(sed -n 's/.*"name": "\(events\/[^"]*\/registrations\/[^"]*\)".*/\1/p' "$work/first.json")

set +e
COOPNET_CALLER=anonymous "$cli" call "127.0.0.1:$registrations_port" $service/CreateRegistration \
  "$(person 'mette(at)groen.dk')" 2>"$work/bad.json" >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || fail "a bad e-mail was not refused"
grep -q '"field": "registration.participants\[0\].email"' "$work/bad.json" ||
  fail "the refusal does not name the field: $(cat "$work/bad.json")"

echo "the meeting is cancelled: its registrations follow through the change stream"
"$cli" call "127.0.0.1:$events_port" coopnet.events.v1.EventService/CancelEvent \
  "{\"name\": \"$event\", \"reason\": \"Mødet er aflyst\"}" >/dev/null || fail "cancel failed"
deadline=$((SECONDS + 20))
until "$cli" call "127.0.0.1:$registrations_port" $service/GetRegistration \
  "{\"name\": \"$first\"}" 2>/dev/null | grep -q '"state": "CANCELLED"'; do
  [ $SECONDS -lt $deadline ] || fail "the registration was not cancelled with its event"
  sleep 0.1
done

echo "metrics"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" || fail "no /metrics"
grep -q "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"CreateRegistration\",grpc_service=\"$service\",grpc_type=\"unary\"} 2" \
  "$work/metrics" || fail "CreateRegistration OK not counted twice"

echo "SIGTERM: drains, exits 0"
kill -TERM "$registrations_pid"
deadline=$((SECONDS + 15))
while kill -0 "$registrations_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "still running 15 s after SIGTERM"
  sleep 0.05
done
set +e
wait "$registrations_pid"
code=$?
set -e
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/registrations.log" || fail "a log line is not JSON"
echo "registrations e2e: every check passed"
