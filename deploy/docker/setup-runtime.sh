#!/bin/sh
# Turns a Debian 12 root file system into coopnet's runtime, run as root inside it: the
# packages of runtime-packages.txt (next to this script) and the unprivileged user
# 65532 every coopnet process runs as. The Dockerfile runs it on debian:12-slim, and
# runtime-rootfs.sh on a minimal bootstrap, so the image and the deploy check that runs
# the binaries have the same content.
set -eu
here=$(dirname "$0")
packages=$(sed 's/#.*//' "$here/runtime-packages.txt")
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one package per word
apt-get install -y -qq --no-install-recommends $packages >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
groupadd --gid 65532 coopnet
useradd --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
  --shell /usr/sbin/nologin coopnet
