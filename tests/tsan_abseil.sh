#!/usr/bin/env bash
# Prints a folder holding Abseil's synchronization library (and what it links) built with
# ThreadSanitizer from the installed version's Debian source package, building it once
# per version into the user's cache, outside the checkout. Debian's own build carries no
# ThreadSanitizer annotations, so to the sanitizer every absl::Mutex, ours and gRPC's,
# would be no lock at all. Same version, patches and soname: a drop-in replacement.
set -euo pipefail
version=$(dpkg-query -W -f='${Version}' libabsl-dev)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/coopnet/abseil-tsan-$version"
mkdir -p "$cache"
(
  flock 9
  [ -f "$cache/built" ] && exit 0
  work=$(mktemp -d "${TMPDIR:-/tmp}/coopnet-abseil-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # apt's source lists live in $work only: the machine's sources stay as they are.
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    >"$work/debian.sources"
  apt_options=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work"
               -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
               -o "APT::Sandbox::User=$(id -un)")
  echo "Building Abseil $version with ThreadSanitizer into $cache" >&2
  apt-get "${apt_options[@]}" -qq update >&2
  (cd "$work" && apt-get "${apt_options[@]}" -qq source --download-only "abseil=$version" >&2)
  # apt has checked the files against the signed release already.
  dpkg-source --no-check -x "$work"/abseil_*.dsc "$work/source" >/dev/null
  # As debian/rules configures it (build type None: no NDEBUG), plus the sanitizer.
  cmake -G Ninja -S "$work/source" -B "$work/build" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_STANDARD=17 -DBUILD_SHARED_LIBS=ON -DCMAKE_CXX_FLAGS="-O2 -g1 -fsanitize=thread" \
    -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >/dev/null
  cmake --build "$work/build" --target synchronization >&2
  find "$work/build/absl" -name 'libabsl_*.so.*' -exec cp -a {} "$cache/" \;
  touch "$cache/built"
) 9>"$cache/.lock"
echo "$cache"
