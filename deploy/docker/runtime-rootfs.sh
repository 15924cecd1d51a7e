#!/usr/bin/env bash
# Makes coopnet's runtime root file system without a container engine: a Debian 12
# minbase bootstrap, slimmed like debian:12-slim, made into the runtime by
# setup-runtime.sh (the Dockerfile's runtime stage runs the same script), with the given
# binaries stripped into /usr/local/bin. The deploy check runs the binaries in it; buildah
# can commit it as an image.
#
#   runtime-rootfs.sh OUT BINARY...
#
# The bootstrap is made once per content of runtime-packages.txt and setup-runtime.sh and
# kept in $COOPNET_CACHE_DIR/runtime-rootfs (default /var/cache/coopnet), outside the
# checkout; delete that folder to take in newer Debian updates. Needs mmdebstrap and root.
# COOPNET_DEBIAN_MIRROR (default http://deb.debian.org) names another Debian mirror.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: runtime-rootfs.sh OUT BINARY..." >&2; exit 2; }
out=$1
shift
[ ! -e "$out" ] || { echo "runtime-rootfs.sh: $out exists" >&2; exit 2; }
command -v mmdebstrap >/dev/null ||
  { echo "runtime-rootfs.sh: needs mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }

mirror=${COOPNET_DEBIAN_MIRROR:-http://deb.debian.org}
# What debian:12-slim leaves out (docs but their copyright, manuals, translations); minbase
# without recommends, /usr merged as in Debian's own images. dpkg runs under eatmydata
# while bootstrapping (a third less time; the hook removes it after).
bootstrap=(
  --variant=minbase --mode=auto
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata
  --aptopt='APT::Install-Recommends "false"'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
)
setup=(
  --customize-hook="copy-in $here/setup-runtime.sh $here/runtime-packages.txt /tmp"
  --customize-hook='chroot "$1" sh /tmp/setup-runtime.sh'
  --customize-hook='rm "$1/tmp/setup-runtime.sh" "$1/tmp/runtime-packages.txt"'
)
sources=(
  "deb $mirror/debian bookworm main"
  "deb $mirror/debian bookworm-updates main"
  "deb $mirror/debian-security bookworm-security main"
)

cache=${COOPNET_CACHE_DIR:-/var/cache/coopnet}/runtime-rootfs
# Keyed by what makes the content, not by where the checkout is.
key=$(cat "$here/runtime-packages.txt" "$here/setup-runtime.sh" \
  <(printf '%s\n' "${bootstrap[@]}" "${sources[@]}") | sha256sum | cut -c1-16)
mkdir -p "$cache"
(
  # One bootstrap at a time; a second run waiting here then finds it made.
  flock 9
  if [ ! -d "$cache/$key" ]; then
    echo "runtime-rootfs.sh: bootstrapping the runtime into $cache/$key (once)" >&2
    rm -rf "$cache/$key.partial"
    mmdebstrap "${bootstrap[@]}" "${setup[@]}" bookworm "$cache/$key.partial" "${sources[@]}" \
      >"$cache/$key.log" 2>&1 ||
      { tail -n 30 "$cache/$key.log" >&2; echo "runtime-rootfs.sh: mmdebstrap failed" >&2; exit 1; }
    mv "$cache/$key.partial" "$cache/$key"
  fi
) 9>"$cache/.lock"

cp -a "$cache/$key" "$out"
for binary in "$@"; do
  strip --strip-unneeded -o "$out/usr/local/bin/$(basename "$binary")" "$binary"
done
chmod 0755 "$out"/usr/local/bin/*
