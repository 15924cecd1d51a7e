#!/usr/bin/env bash
# Makes a throwaway CA and a certificate for each named process, for TLS on one machine
# (deploy/local/run.sh with COOPNET_TLS=on, and the tests). Never for production: the
# CA's key lies beside the certificates it signs.
#
#   certs.sh DIR NAME[:EXTRA_SAN,...] ...
#   certs.sh .local/tls organisations events gateway:DNS:localhost,IP:127.0.0.1
#
# Writes DIR/ca.pem and DIR/ca.key (once: an existing CA is kept and signs the rest),
# and for each NAME DIR/NAME.pem and DIR/NAME.key: a certificate whose SAN is DNS:NAME
# (what peers check), plus the extra SANs given, valid for 30 days, usable by a server
# and a client alike. Naming a NAME again replaces its certificate and key in place,
# as cert-manager rotates them.
set -euo pipefail

die() { echo "certs.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: certs.sh DIR NAME[:EXTRA_SAN,...] ..."
command -v openssl >/dev/null || die "openssl is not installed (apt-get install openssl)"
dir=$1
shift
mkdir -p "$dir"

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=coopnet local CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null ||
    die "cannot make the CA in $dir"
fi

for spec in "$@"; do
  name=${spec%%:*}
  extra=
  [ "$name" != "$spec" ] && extra=",${spec#*:}"
  [[ "$name" =~ ^[a-z0-9][a-z0-9.-]*$ ]] || die "\"$name\" is not a DNS name"
  work=$(mktemp -d)
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
    -keyout "$work/key" -out "$work/csr" 2>/dev/null || die "cannot make the key of $name"
  printf 'subjectAltName=DNS:%s%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$name" "$extra" >"$work/ext"
  openssl x509 -req -in "$work/csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 30 -extfile "$work/ext" -out "$work/pem" 2>/dev/null || die "cannot sign $name"
  chmod 600 "$work/key"
  # The key first, then its certificate, each replaced whole (a rename), so a reader
  # never sees half a file.
  mv -f "$work/key" "$dir/$name.key"
  mv -f "$work/pem" "$dir/$name.pem"
  rm -rf "$work"
done
