#!/usr/bin/env bash
# The container image's runtime, proven without a container engine: the root file system
# deploy/docker/setup-runtime.sh makes (the Dockerfile's runtime stage runs the same
# script) is bootstrapped once with mmdebstrap, the built binaries go into /usr/local/bin,
# and each runs in it as a pod would run it: read-only root with a tmpfs /tmp, user
# 65532, PID 1 of its own PID namespace, only its COOPNET_* environment, peers found by
# name through /etc/hosts. Proven: every library resolves (ldd); only /tmp is writable;
# `migrate` twice at once against the run's PostgreSQL applies each migration once; the
# four services and the gateway serve (health SERVING), answer a portal over HTTP with a
# calendar in Europe/Copenhagen (time zones from the image), export metrics, write
# nothing, and exit 0 on SIGTERM. Then buildah commits the same tree as an image whose
# config names user 65532 and the Dockerfile's ports.
#
#   runtime_image_test.sh ROOT ORGANISATIONS EVENTS REGISTRATIONS FUNDING GATEWAY CLI SERVERS
#
# Needs root (chroot, mounts), mmdebstrap and buildah (deploy/local/packages.sh), and
# COOPNET_TEST_PG_DSN / COOPNET_TEST_REDIS (tests/run.sh sets them). Exits 77 (skipped)
# when not root.
set -euo pipefail
# A command failing where no check expected it still says where.
trap 'echo "FAIL: line $LINENO: \`$BASH_COMMAND\` exited $?" >&2' ERR
root=$1 organisations=$2 events=$3 registrations=$4 funding=$5 gateway=$6 cli=$7 servers=$8
: "${COOPNET_TEST_PG_DSN:?run through ./tests/run.sh}"
: "${COOPNET_TEST_REDIS:?run through ./tests/run.sh}"
fail() {
  echo "FAIL: $*" >&2
  for log in "${work:-/nonexistent}"/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 5 "$log" >&2; }
  done
  exit 1
}
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: running binaries in a chroot with mounts needs root"
  exit 77
fi
for tool in mmdebstrap buildah unshare chroot psql curl; do
  command -v "$tool" >/dev/null || fail "needs $tool (deploy/local/packages.sh lists it)"
done
# Mounts made here stay private to this run and vanish with it.
if [ -z "${COOPNET_DEPLOY_IN_NAMESPACE:-}" ]; then
  COOPNET_DEPLOY_IN_NAMESPACE=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

started=$SECONDS
phase_started=$SECONDS
phase() {
  echo "  ($((SECONDS - phase_started)) s)"
  phase_started=$SECONDS
  echo "$*"
}

work=$(mktemp -d)
rootfs="$work/rootfs"
databases=()
pids=()
# The launcher's children first: a killed unshare leaves the binary running.
kill_tree() {
  local child
  for child in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill_tree "$child"; done
  kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill_tree "$pid"; done
  umount -R "$rootfs" 2>/dev/null || umount -R -l "$rootfs" 2>/dev/null || true
  for database in "${databases[@]}"; do
    psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
      >/dev/null 2>&1 || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "the Dockerfile and the check share the runtime's recipe"
dockerfile="$root/deploy/docker/Dockerfile"
grep -q '^RUN sh /tmp/coopnet/setup-runtime.sh' "$dockerfile" ||
  fail "the Dockerfile does not run setup-runtime.sh"
grep -qx 'USER 65532:65532' "$dockerfile" || fail "the Dockerfile does not run as 65532:65532"
grep -qx 'CMD \[\]' "$dockerfile" || fail "the Dockerfile leaves a default command"
source "$root/deploy/local/packages.sh"
for package in $(sed 's/#.*//' "$root/deploy/docker/build-packages.txt"); do
  [[ " ${COOPNET_PACKAGES[*]} " == *" $package "* ]] ||
    fail "build-packages.txt names $package, which deploy/local/packages.sh does not"
done

phase "the runtime root file system (bootstrapped once, then from the cache)"
"$root/deploy/docker/runtime-rootfs.sh" "$rootfs" \
  "$organisations" "$events" "$registrations" "$funding" "$gateway" "$cli"
du -sh "$rootfs" | sed 's/^/  size /'
binaries=(organisations events registrations funding gateway coopnet)

# What the container runtime provides: the names of the peers' headless Services (here
# all on this machine), a resolver, a /tmp of its own; then the root goes read-only. The
# names are in /etc/hosts with IPv4 addresses only, as cluster DNS has them; gRPC asks
# DNS for their IPv6 addresses too, and this resolver answers at once that there are none.
touch "$rootfs/etc/hosts" "$rootfs/etc/resolv.conf"
echo "127.0.0.1 localhost organisations events registrations funding" >"$work/hosts"
resolver="127.83.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
echo "nameserver $resolver" >"$work/resolv.conf"
# It returns once its port is bound, printing the process that answers.
resolver_pid=$(/usr/bin/python3 - "$resolver" <<'PYTHON'
import os, socket, sys
server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((sys.argv[1], 53))
child = os.fork()
if child:
    print(child)
    sys.exit(0)
devnull = os.open(os.devnull, os.O_RDWR)
for descriptor in (0, 1, 2):
    os.dup2(devnull, descriptor)
while True:
    query, client = server.recvfrom(4096)
    end = 12
    while query[end]:
        end += query[end] + 1
    # The question echoed, no answer: NOERROR, no records of that type.
    server.sendto(query[:2] + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + query[12:end + 5], client)
PYTHON
) || fail "the resolver did not start on $resolver"
pids+=("$resolver_pid")
mount --bind "$rootfs" "$rootfs"
mount -o remount,bind,ro "$rootfs"
mount -t tmpfs -o mode=1777,size=64m tmpfs "$rootfs/tmp"
mount -t proc proc "$rootfs/proc"
mount --bind -o ro "$work/hosts" "$rootfs/etc/hosts"
mount --bind -o ro "$work/resolv.conf" "$rootfs/etc/resolv.conf"
as_coopnet() { chroot --userspec=65532:65532 "$rootfs" "$@"; }

phase "every library resolves, the preStop pause works, and only /tmp is writable"
for binary in "${binaries[@]}"; do
  as_coopnet ldd "/usr/local/bin/$binary" >"$work/ldd" 2>&1 || fail "ldd $binary: $(cat "$work/ldd")"
  ! grep -q 'not found' "$work/ldd" || fail "$binary misses libraries: $(grep 'not found' "$work/ldd")"
done
as_coopnet sleep 0 || fail "the image cannot run the pods' preStop sleep"
# Folders 65532 cannot read (root's) it cannot write into either.
writable=$(as_coopnet find / -path /proc -prune -o -path /dev -prune -o -writable -print 2>/dev/null || true)
[ "$writable" = /tmp ] || fail "writable besides /tmp: $(echo "$writable" | tr '\n' ' ')"

# Runs a command of the image as a pod runs it: user 65532, PID 1 of a PID namespace of
# its own, and only the given environment (PATH is debian's, as in the image).
#   in_image VAR=value... -- COMMAND ARGS...
in_image() {
  local variables=()
  while [ "$1" != -- ]; do
    variables+=("$1")
    shift
  done
  shift
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${variables[@]}" \
    unshare --pid --fork chroot --userspec=65532:65532 "$rootfs" "$@"
}
keys="gateway-check:gateway:deploy-check-gateway-key-0123456789abcdef"
keys+=",events-check:events:deploy-check-events-key-0123456789abcdef"
keys+=",registrations-check:registrations:deploy-check-registrations-key-0123456789"
keys+=",funding-check:funding:deploy-check-funding-key-0123456789abcdef"
admin_key="deploy-check-admin-key-0123456789abcdef0123"
common=(COOPNET_PRINCIPAL_KEYS="$keys" COOPNET_REDIS_ADDRESS="$COOPNET_TEST_REDIS"
  COOPNET_MANAGE_TOKEN_SECRET="deploy-check-manage-token-secret-0123456789" COOPNET_DRAIN_TIMEOUT=2s)
declare -A dsn
for service in organisations events registrations funding; do
  database="deploy_${service}_$$_$RANDOM"
  psql "$COOPNET_TEST_PG_DSN dbname=postgres" -qc "CREATE DATABASE $database" >/dev/null
  databases+=("$database")
  dsn[$service]="$COOPNET_TEST_PG_DSN dbname=$database"
done

phase "migrate: two Jobs at once apply each migration once; then every service"
in_image "${common[@]}" COOPNET_PG_DSN="${dsn[organisations]}" -- organisations migrate \
  >"$work/migrate-1.log" 2>&1 &
first=$!
in_image "${common[@]}" COOPNET_PG_DSN="${dsn[organisations]}" -- organisations migrate \
  >"$work/migrate-2.log" 2>&1 || fail "the second organisations migrate failed"
wait "$first" || fail "the first organisations migrate failed"
psql "${dsn[organisations]}" -tAc \
  "SELECT count(*) > 0 AND count(*) = count(DISTINCT version) FROM schema_migrations" |
  grep -qx t || fail "concurrent migrations recorded a version twice (or none)"
for service in events registrations funding; do
  in_image "${common[@]}" COOPNET_PG_DSN="${dsn[$service]}" -- "$service" migrate \
    >"$work/migrate-$service.log" 2>&1 || fail "$service migrate failed"
done

phase "serve: the four services and the gateway, peers found by name"
declare -A grpc_port metrics_port pid_of
for process in organisations events registrations funding gateway; do
  grpc_port[$process]=$("$servers" free-port)
  metrics_port[$process]=$("$servers" free-port)
done
http_port=$("$servers" free-port)
address() { echo "dns:///$1:${grpc_port[$1]}"; }
serve() {
  local process=$1
  shift
  in_image "${common[@]}" COOPNET_GRPC_ADDRESS="127.0.0.1:${grpc_port[$process]}" \
    COOPNET_METRICS_ADDRESS="127.0.0.1:${metrics_port[$process]}" "$@" >"$work/$process.log" 2>&1 &
  pids+=($!)
  pid_of[$process]=$!
}
serve organisations COOPNET_PG_DSN="${dsn[organisations]}" -- organisations serve
serve events COOPNET_PG_DSN="${dsn[events]}" \
  COOPNET_ORGANISATIONS_ADDRESS="$(address organisations)" -- events serve
serve registrations COOPNET_PG_DSN="${dsn[registrations]}" \
  COOPNET_EVENTS_ADDRESS="$(address events)" \
  COOPNET_ORGANISATIONS_ADDRESS="$(address organisations)" -- registrations serve
serve funding COOPNET_PG_DSN="${dsn[funding]}" \
  COOPNET_ORGANISATIONS_ADDRESS="$(address organisations)" -- funding serve
# Comma and space, as the manifest's folded COOPNET_BACKENDS has them.
backends=
for service in organisations events registrations funding; do
  backends+="${backends:+, }coopnet.$service.v1=$(address "$service")"
done
serve gateway COOPNET_HTTP_ADDRESS="127.0.0.1:$http_port" COOPNET_ADMIN_KEY="$admin_key" \
  COOPNET_BACKENDS="$backends" -- gateway
for process in organisations events registrations funding gateway; do
  "$cli" wait "127.0.0.1:${grpc_port[$process]}" 60 >/dev/null || fail "$process not SERVING within 60 s"
done

# The binary's own process: the descendant of its launcher (shell, unshare) that runs it.
binary_pid() {
  local pid=${pid_of[$1]}
  for _ in 1 2 3 4; do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && { echo "$pid"; return; }
    pid=$(awk '{print $1}' "/proc/$pid/task/$pid/children" 2>/dev/null)
    [ -n "$pid" ] || return 0
  done
}
for process in organisations events registrations funding gateway; do
  pid=$(binary_pid "$process")
  [ -n "$pid" ] || fail "no process for $process"
  grep -q "^Uid:[[:space:]]*65532[[:space:]]" "/proc/$pid/status" || fail "$process does not run as 65532"
  [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")" = 1 ] ||
    fail "$process is not PID 1 of its namespace"
done

phase "a portal over HTTP: an organisation, the Copenhagen meeting, its calendar"
http="http://127.0.0.1:$http_port"
request() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$work/body" -w '%{http_code}' -X "$method" "$http$path" \
    -H "Authorization: Bearer $admin_key" "$@"
}
json_field() {
  /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' \
    "$work/body" "$1"
}
[ "$(request POST /v1/organisations \
  -d '{"displayName": "Kofoeds Skole", "kind": "NGO", "country": "DK", "nutsRegion": "DK011"}')" = 200 ] ||
  fail "organisation not created: $(cat "$work/body")"
organiser=$(json_field name)
[ "$(request POST "/v1/events?requestId=deploy-copenhagen" -d "{
  \"title\": {\"translations\": {\"en\": \"Information and debate meeting\"}, \"defaultLanguage\": \"en\"},
  \"kind\": \"INFO_MEETING\", \"organiser\": \"$organiser\",
  \"startTime\": \"2022-10-13T14:30:00Z\", \"endTime\": \"2022-10-13T16:30:00Z\",
  \"timeZone\": \"Europe/Copenhagen\", \"attendanceMode\": \"IN_PERSON\",
  \"venue\": {\"name\": \"Kofoeds Skole\", \"nutsRegion\": \"DK011\",
              \"address\": {\"regionCode\": \"DK\", \"locality\": \"København S\"}}}")" = 200 ] || fail "event not created: $(cat "$work/body")"
event=$(json_field name)
[ "$(request GET "/v1/$event:calendar")" = 200 ] || fail "no calendar: $(cat "$work/body")"
grep -q 'DTSTART;TZID=Europe/Copenhagen:20221013T163000' "$work/body" ||
  fail "the calendar is not in Copenhagen time: $(head -c 600 "$work/body")"
grep -q 'BEGIN:VTIMEZONE' "$work/body" || fail "the calendar has no VTIMEZONE"

phase "metrics on every metrics port; nothing written, not even to /tmp"
for process in organisations events registrations funding gateway; do
  curl -sf "http://127.0.0.1:${metrics_port[$process]}/metrics" >"$work/metrics" ||
    fail "no /metrics from $process"
  grep -q '^grpc_server_handled_total' "$work/metrics" ||
    fail "$process exports no grpc_server_handled_total"
  resident=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$(binary_pid "$process")/status")
  echo "  $process: $resident MiB resident"
done
[ -z "$(ls -A "$rootfs/tmp")" ] || fail "the processes wrote to /tmp: $(ls -A "$rootfs/tmp")"

phase "SIGTERM: every process drains and exits 0"
declare -A binary_of
for process in gateway organisations events registrations funding; do
  binary_of[$process]=$(binary_pid "$process")
done
signalled=$(date +%s%N)
for process in "${!binary_of[@]}"; do kill -TERM "${binary_of[$process]}"; done
for process in gateway organisations events registrations funding; do
  timeout 15 tail --pid="${binary_of[$process]}" -s 0.05 -f /dev/null ||
    fail "$process still runs 15 s after SIGTERM"
  echo "  $process gone $((($(date +%s%N) - signalled) / 1000000)) ms after SIGTERM"
  code=0
  wait "${pid_of[$process]}" || code=$?
  [ "$code" -eq 0 ] || fail "$process exited $code after SIGTERM"
done
pids=("${pids[0]}")  # the resolver

phase "buildah commits the same tree as an image with the Dockerfile's user and ports"
umount -R "$rootfs"
buildah=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
ports=$(sed -n 's/^EXPOSE //p' "$dockerfile")
container=$("${buildah[@]}" from scratch)
"${buildah[@]}" copy --quiet "$container" "$rootfs" / >/dev/null
config=(--user 65532:65532 --workingdir /
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for port in $ports; do config+=(--port "$port"); done
"${buildah[@]}" config "${config[@]}" "$container"
mounted=$("${buildah[@]}" mount "$container")
for binary in "${binaries[@]}"; do
  [ -x "$mounted/usr/local/bin/$binary" ] || fail "the image has no /usr/local/bin/$binary"
done
"${buildah[@]}" umount "$container" >/dev/null
"${buildah[@]}" commit --quiet --disable-compression "$container" localhost/coopnet:deploy-check >/dev/null
"${buildah[@]}" inspect --type image localhost/coopnet:deploy-check >"$work/image.json"
/usr/bin/python3 - "$work/image.json" "$ports" <<'PYTHON' || fail "the image's config is wrong"
import json, sys
image = json.load(open(sys.argv[1]))
config = image["OCIv1"]["config"]
assert config["User"] == "65532:65532", config["User"]
exposed = sorted(port.split("/")[0] for port in config["ExposedPorts"])
assert exposed == sorted(sys.argv[2].split()), exposed
assert not config.get("Entrypoint") and not config.get("Cmd"), config
layers = json.loads(image["Manifest"])["layers"]
print(f"  image: {len(layers)} layer, {sum(l['size'] for l in layers) / 2**20:.0f} MiB uncompressed")
PYTHON
phase "PASS in $((SECONDS - started)) s"
