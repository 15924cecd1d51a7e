#!/usr/bin/env bash
# `buf lint` (npm @bufbuild/buf) over proto/coopnet with proto/buf.yaml: protoc builds the
# image with Debian's googleapis for the imports, buf lints coopnet's files in it.
# Arguments: protoc, the googleapis folder.
set -euo pipefail
protoc=$1 googleapis=$2
here=$(cd "$(dirname "$0")" && pwd)
proto="$here/../../proto"
modules=$("$here/node_modules.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$proto"
"$protoc" -I . -I "$googleapis" --include_imports --include_source_info \
  -o "$work/image.binpb" $(find coopnet -name '*.proto' | sort)
"$modules/.bin/buf" lint "$work/image.binpb" --config buf.yaml --path coopnet
echo "buf lint: $(find coopnet -name '*.proto' | wc -l) files clean"

# The check can fail: a method whose request is not named after it is caught.
cat >"$work/bad.proto" <<'PROTO'
syntax = "proto3";
package coopnet.bad.v1;
service BadService {
  rpc GetThing(Thing) returns (Thing);
}
message Thing {
  string name = 1;
}
PROTO
mkdir -p "$work/coopnet/bad/v1"
mv "$work/bad.proto" "$work/coopnet/bad/v1/bad.proto"
"$protoc" -I "$work" -o "$work/bad.binpb" --include_source_info coopnet/bad/v1/bad.proto
if "$modules/.bin/buf" lint "$work/bad.binpb" --config buf.yaml >"$work/bad.out" 2>&1; then
  echo "FAIL: buf lint accepted a request named Thing" >&2
  exit 1
fi
grep -q 'should be named "GetThingRequest"' "$work/bad.out" ||
  { echo "FAIL: unexpected lint output: $(cat "$work/bad.out")" >&2; exit 1; }
