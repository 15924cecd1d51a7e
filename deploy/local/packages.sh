# Sourced by deploy/local/run.sh and tests/run.sh: the Debian 12 packages coopnet builds,
# runs and tests with, installed when missing (as root), or named when we cannot.

COOPNET_PACKAGES=(
  cmake ninja-build ccache pkg-config g++ python3 curl openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  golang-github-gogo-googleapis-dev libhiredis-dev libpq-dev prometheus-cpp-dev libssl-dev
  libgtest-dev libgmock-dev python3-icalendar libboost-dev libjemalloc-dev nginx wrk
  libcurl4-openssl-dev libicu-dev  # notifications: SMTP and MIME; dates in every language
  python3-aiosmtpd  # the mail server the notifications tests send to
  postgresql redis-server
  stunnel4  # the TLS tunnel to a TLS-only Redis (hiredis here speaks no TLS)
  mmdebstrap buildah nodejs prometheus
  dpkg-dev  # tests/tsan_abseil.sh unpacks Abseil's source package with it
  clang-14 libclang-rt-14-dev llvm-14  # tests/fuzz.sh: libFuzzer, its sanitizers, their symbolizer
)

ensure_packages() {
  local missing=()
  local package
  for package in "${COOPNET_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  # The interop tests' clients come from npm: Debian's npm package, unless a Node.js
  # installation that carries its own npm is there already.
  command -v npm >/dev/null || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "coopnet needs: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
  echo "Installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the system's own servers on install; ours run on their own ports, and a
  # system instance is none of our business, so leave it as the package set it up.
}

# build_all ROOT [FOLDER [TARGETS [CMAKE_OPTION...]]]
# Configures FOLDER (ROOT/build unless named) once, or again when given cmake options, and
# builds TARGETS in it (space-separated; everything unless named).
build_all() {
  local root=$1
  local build=${2:-$root/build}
  local targets=${3:-all}
  shift $(($# < 3 ? $# : 3))
  if [ ! -f "$build/build.ninja" ] || [ $# -gt 0 ]; then
    cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
  # shellcheck disable=SC2086  # one argument per target
  cmake --build "$build" --target $targets
}
