#!/usr/bin/env bash
# Builds the release archive of one target, as the release workflow does on each
# runner and `.ci/run` does for Linux x86_64:
#
#   scripts/release-build.sh TARGET [cargo|cross]   ->  dist/wayscan-vX.Y.Z-TARGET.tar.gz
#
# The archive holds wayscan-vX.Y.Z-TARGET/{wayscan, README.md, LICENSE-MIT,
# LICENSE-APACHE}; the Action (scripts/action.sh) downloads it and checks it against
# the release's checksums file (dist/wayscan-vX.Y.Z-checksums.txt, written by
# `scripts/release-build.sh checksums`).
set -euo pipefail
cd "$(dirname "$0")/.."

version=v$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' Cargo.toml | head -1)
mkdir -p dist

if [[ ${1:-} == checksums ]]; then
  # One line per archive, `sha256sum` format, sorted: what the Action verifies.
  (cd dist && sha256sum wayscan-"$version"-*.tar.gz | sort -k2 >"wayscan-$version-checksums.txt")
  cat "dist/wayscan-$version-checksums.txt"
  exit 0
fi

target=${1:?usage: release-build.sh TARGET [cargo|cross] | checksums}
tool=${2:-cargo}
case $tool in cargo | cross) ;; *) echo "tool must be cargo or cross" >&2; exit 2 ;; esac
# Static Linux binaries: musl, with the C parts (libgit2) built by musl-gcc.
if [[ $target == *-linux-musl && $tool == cargo ]]; then
  export CC_x86_64_unknown_linux_musl=${CC_x86_64_unknown_linux_musl:-musl-gcc}
fi
"$tool" build --release --locked --target "$target"

name=wayscan-$version-$target
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
binary=${CARGO_TARGET_DIR:-target}/$target/release/wayscan
[[ $target == *windows* ]] && binary=$binary.exe
cp "$binary" README.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
tar -czf "dist/$name.tar.gz" -C "$stage" "$name"
echo "dist/$name.tar.gz"
