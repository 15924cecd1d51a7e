#!/usr/bin/env bash
# The Kubernetes manifests as an operator would apply them: every overlay rendered with
# `kubectl kustomize`, each object checked against the Kubernetes schemas and coopnet's
# rules (check_manifests.js), with the settings every binary lists in its --help; then a
# known-bad overlay must be refused, naming each of its defects.
#
#   manifests_test.sh ROOT BINARY...   (the five binaries, for their settings)
#
# The npm packages (package.json, pinned by package-lock.json) are installed once per
# lock file into $COOPNET_CACHE_DIR/npm (default /var/cache/coopnet), outside the checkout.
set -euo pipefail
root=$1
shift
here="$root/tests/deploy"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Debian 12's kubectl (1.20) has a kustomize too old for these manifests.
command -v kubectl >/dev/null || fail "needs kubectl 1.27 or newer (kustomize v5) on the PATH"
client=$(kubectl version --client 2>&1 || true)
[[ "$client" == *"Kustomize Version: v5"* ]] ||
  fail "kubectl's kustomize is older than v5: $(echo "$client" | tr '\n' ' ')"
command -v npm >/dev/null || fail "needs node and npm (apt-get install nodejs npm)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cache=${COOPNET_CACHE_DIR:-/var/cache/coopnet}/npm
modules="$cache/$(sha256sum <"$here/package-lock.json" | cut -c1-16)"
mkdir -p "$cache"
(
  flock 9
  if [ ! -d "$modules" ]; then
    rm -rf "$modules.partial"
    mkdir -p "$modules.partial"
    cp "$here/package.json" "$here/package-lock.json" "$modules.partial/"
    (cd "$modules.partial" && npm ci --ignore-scripts --no-audit --no-fund --cache "$cache/.npm" \
      >"$work/npm.log" 2>&1) || { cat "$work/npm.log" >&2; fail "npm ci failed"; }
    mv "$modules.partial" "$modules"
  fi
) 9>"$cache/.lock"

for binary in "$@"; do
  echo "$(basename "$binary") $("$binary" --help | grep -o 'COOPNET_[A-Z0-9_]*' | sort -u | tr '\n' ' ')"
done >"$work/settings"

check() {
  node "$here/check_manifests.js" --modules "$modules" --settings "$work/settings" "$@"
}

for overlay in dev production; do
  echo "overlay $overlay"
  kubectl kustomize "$root/deploy/k8s/overlays/$overlay" >"$work/$overlay.yaml" ||
    fail "$overlay does not render"
  flags=()
  [ "$overlay" = production ] && flags=(--production)
  check "${flags[@]}" "$work/$overlay.yaml" || fail "the $overlay overlay breaks the rules above"
done

echo "a known-bad overlay is refused, naming each defect"
kubectl kustomize "$here/fixtures/insecure" >"$work/insecure.yaml" || fail "the fixture does not render"
if check --production "$work/insecure.yaml" >"$work/insecure.out"; then
  fail "the insecure overlay passed"
fi
cat "$work/insecure.out"
for expected in \
  'Deployment/events: container server: readOnlyRootFilesystem must be true' \
  'Deployment/events: container server: allowPrivilegeEscalation must be false' \
  'Deployment/funding: container server: image coopnet:latest uses :latest' \
  'Deployment/registrations: container server has no readinessProbe' \
  'Deployment/organisations: container server: livenessProbe must ask for the "liveness" health service' \
  'Deployment/gateway: unknown field spec.template.spec.containers[0].imagePullPolcy' \
  'Deployment/gateway: container server: gateway has no setting COOPNET_CORS_ORIGIN' \
  'Service/organisations: selector app.kubernetes.io/component=backend,app.kubernetes.io/name=organisation matches no pods' \
  'no default-deny NetworkPolicy' \
  'HorizontalPodAutoscaler/funding: minReplicas 1 is fewer than the 2 production needs' \
  'Deployment/funding: terminationGracePeriodSeconds 20 must exceed preStop 5 s + drain 20 s' \
  'Deployment/funding: container server has no COOPNET_TLS_CA_FILE: production speaks mutual TLS'; do
  grep -qF -- "$expected" "$work/insecure.out" || fail "the check did not say: $expected"
done
echo "PASS"
