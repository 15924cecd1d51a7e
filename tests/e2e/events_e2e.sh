#!/usr/bin/env bash
# The events binary as an operator runs it, beside the organisations binary it asks:
# configuration from the environment, `migrate`, then `serve`; health, reflection, the
# Copenhagen meeting created, published and read as iCalendar, bad input named, the
# organisations process stopped (UNAVAILABLE), metrics; SIGTERM drains and exits 0.
# Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it).
set -euo pipefail
events=$1 organisations=$2 cli=$3 servers=$4
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"

work=$(mktemp -d)
events_pid= organisations_pid=
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/events.log" ] && tail -n 20 "$work/events.log" >&2
  exit 1
}
cleanup() {
  [ -n "$events_pid" ] && kill -KILL "$events_pid" 2>/dev/null || true
  [ -n "$organisations_pid" ] && kill -KILL "$organisations_pid" 2>/dev/null || true
  for database in "$events_db" "$organisations_db"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

events_db="e2e_events_$$_$RANDOM"
organisations_db="e2e_orgs_$$_$RANDOM"
for database in "$events_db" "$organisations_db"; do
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
done
organisations_port=$("$servers" free-port)
events_port=$("$servers" free-port)
metrics_port=$("$servers" free-port)
export COOPNET_REDIS_ADDRESS="${COOPNET_TEST_REDIS:-127.0.0.1:1}"
# One key per issuer; the client signs with the first, the gateway's.
export COOPNET_PRINCIPAL_KEYS="gateway-e2e:gateway:e2e-gateway-key-0123456789-0123456789,events-e2e:events:e2e-events-key-0123456789-0123456789-ab,registrations-e2e:registrations:e2e-registrations-key-0123456789-0123,funding-e2e:funding:e2e-funding-key-0123456789-0123456789"
export COOPNET_DRAIN_TIMEOUT=5s

echo "organisations: migrate and serve"
COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$organisations_db" \
  COOPNET_METRICS_ADDRESS="127.0.0.1:$("$servers" free-port)" \
  COOPNET_GRPC_ADDRESS="127.0.0.1:$organisations_port" COOPNET_MIGRATE_AT_START=true \
  "$organisations" serve 2>"$work/organisations.log" &
organisations_pid=$!
"$cli" wait "127.0.0.1:$organisations_port" 30 >/dev/null || fail "organisations not SERVING"

echo "events: migrate applies the schema, twice without harm"
export COOPNET_PG_DSN="$COOPNET_TEST_PG_DSN dbname=$events_db"
export COOPNET_GRPC_ADDRESS="127.0.0.1:$events_port"
export COOPNET_METRICS_ADDRESS="127.0.0.1:$metrics_port"
export COOPNET_ORGANISATIONS_ADDRESS="127.0.0.1:$organisations_port"
"$events" migrate 2>"$work/migrate.log" || fail "migrate failed: $(cat "$work/migrate.log")"
"$events" migrate 2>>"$work/migrate.log" || fail "second migrate failed"
"$events" --help | grep -q COOPNET_ORGANISATIONS_ADDRESS || fail "--help misses organisations_address"

echo "events: serve; health SERVING, reflection lists the service"
"$events" serve 2>"$work/events.log" &
events_pid=$!
"$cli" wait "127.0.0.1:$events_port" 30 >/dev/null || fail "events not SERVING within 30 s"
[ "$("$cli" health "127.0.0.1:$events_port" coopnet.events.v1.EventService)" = SERVING ] ||
  fail "the service's own health is not SERVING"
"$cli" list "127.0.0.1:$events_port" | grep -qx coopnet.events.v1.EventService ||
  fail "reflection misses the service"

echo "calls: the Copenhagen meeting, created, published, as iCalendar"
"$cli" call "127.0.0.1:$organisations_port" \
  coopnet.organisations.v1.OrganisationService/CreateOrganisation \
  '{"organisation": {"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK",
    "nutsRegion": "DK011"}}' >"$work/organisation.json" || fail "organisation not created"
organiser=$(sed -n 's/.*"name": "\(organisations\/[^"]*\)".*/\1/p' "$work/organisation.json")
[ -n "$organiser" ] || fail "no organisation name in $(cat "$work/organisation.json")"

method=coopnet.events.v1.EventService
meeting() {
  cat <<JSON
{"event": {"title": {"translations": {"da": "Informations- og debatmøde om internationalt samarbejde"},
                     "defaultLanguage": "da"},
           "kind": "INFO_MEETING", "organiser": "$organiser",
           "startTime": "2022-10-13T14:30:00Z", "endTime": "$1", "timeZone": "Europe/Copenhagen",
           "attendanceMode": "IN_PERSON",
           "venue": {"name": "Kofoeds Skole", "room": "Scherfig-salen",
                     "address": {"regionCode": "DK", "postalCode": "2300", "locality": "København S",
                                 "addressLines": ["Nyrnberggade 1"]},
                     "nutsRegion": "DK011"}},
 "requestId": "copenhagen-2022"}
JSON
}
"$cli" call "127.0.0.1:$events_port" $method/CreateEvent "$(meeting 2022-10-13T16:30:00Z)" \
  >"$work/created.json" || fail "create failed"
name=$(sed -n 's/.*"name": "\(events\/[^"]*\)".*/\1/p' "$work/created.json")
[ -n "$name" ] || fail "no event name in $(cat "$work/created.json")"
"$cli" call "127.0.0.1:$events_port" $method/PublishEvent "{\"name\": \"$name\"}" >/dev/null ||
  fail "publish failed"
COOPNET_CALLER=anonymous "$cli" call "127.0.0.1:$events_port" $method/GetEventCalendar \
  "{\"name\": \"$name\"}" >"$work/calendar.json" || fail "no calendar"
grep -q 'DTSTART;TZID=Europe/Copenhagen:20221013T163000' "$work/calendar.json" ||
  fail "the calendar does not start at 16:30 Copenhagen time: $(cat "$work/calendar.json")"
grep -q 'BEGIN:VTIMEZONE' "$work/calendar.json" || fail "the calendar has no VTIMEZONE"

set +e
"$cli" call "127.0.0.1:$events_port" $method/CreateEvent "$(meeting 2022-10-13T13:00:00Z)" \
  2>"$work/bad.json" >/dev/null
code=$?
set -e
[ "$code" -eq 1 ] || fail "an end before the start was not refused"
grep -q '"field": "event.end_time"' "$work/bad.json" || fail "the refusal does not name the field"

echo "organisations stopped: UNAVAILABLE, not INTERNAL"
kill -TERM "$organisations_pid"
wait "$organisations_pid" || true
organisations_pid=
other=$(sed "s|$organiser|organisations/01hzzzzzzzzzzzzzzzzzzzzzzz|; s|copenhagen-2022|other|" \
  <<<"$(meeting 2022-10-13T16:30:00Z)")
set +e
"$cli" call "127.0.0.1:$events_port" $method/CreateEvent "$other" 2>"$work/down.json" >/dev/null
set -e
grep -q '"code": 14\|UNAVAILABLE' "$work/down.json" || fail "not UNAVAILABLE: $(cat "$work/down.json")"
grep -q DEPENDENCY_UNAVAILABLE "$work/down.json" || fail "no DEPENDENCY_UNAVAILABLE reason"

echo "metrics"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics" || fail "no /metrics"
grep -q 'grpc_server_handled_total{grpc_code="OK",grpc_method="CreateEvent",grpc_service="coopnet.events.v1.EventService",grpc_type="unary"} 1' \
  "$work/metrics" || fail "CreateEvent OK not counted"

echo "SIGTERM: drains, exits 0"
kill -TERM "$events_pid"
deadline=$((SECONDS + 15))
while kill -0 "$events_pid" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || fail "still running 15 s after SIGTERM"
  sleep 0.05
done
set +e
wait "$events_pid"
code=$?
set -e
events_pid=
[ "$code" -eq 0 ] || fail "exit code $code after SIGTERM"
/usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' \
  "$work/events.log" || fail "a log line is not JSON"
echo "events e2e: every check passed"
