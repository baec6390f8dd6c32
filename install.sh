#!/bin/sh
# Install the cloudfits binary for this machine from a release, verified against the release's SHA256SUMS.
#
#   curl -fsSL https://github.com/cloudfits/cloudfits/releases/latest/download/install.sh | sh
#
# Environment (all optional):
#   CLOUDFITS_VERSION      install this version (0.1.0) instead of the latest release
#   CLOUDFITS_INSTALL      the directory to install into (default: ~/.local/bin)
#   CLOUDFITS_TARGET       a target instead of this machine's: linux-x64, linux-x64-musl, linux-arm64,
#                          darwin-x64, darwin-arm64, windows-x64 (add -deno for a deno compile build)
#   CLOUDFITS_RELEASE_URL  where the release's files are (default: the GitHub release)
#
# Exit status: 0 installed, 1 anything else (nothing is installed unless the checksum matched).
set -eu

REPOSITORY_URL="https://github.com/cloudfits/cloudfits"

fail() {
  echo "cloudfits install: $*" >&2
  exit 1
}

# This machine's target, in the names of the release's binaries.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) fail "there is no cloudfits build for $os; build from source (see the README)" ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "there is no cloudfits build for $arch; build from source (see the README)" ;;
  esac
  # An x64 shell under Rosetta on Apple silicon: the arm64 build is the native one.
  if [ "$os-$arch" = darwin-x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64
  fi
  target="$os-$arch"
  # glibc answers GNU_LIBC_VERSION; musl (Alpine) does not, and has its loader in /lib.
  if [ "$os" = linux ] && ! getconf GNU_LIBC_VERSION >/dev/null 2>&1 && ls /lib/ld-musl-* >/dev/null 2>&1; then
    [ "$arch" = x64 ] || fail "there is no musl build for $arch; build from source (see the README)"
    target="$target-musl"
  fi
  echo "$target"
}

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl --fail --silent --show-error --location --output "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --output-document="$2" "$1"
  else
    fail "neither curl nor wget is installed"
  fi || fail "could not download $1"
}

sha256() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    fail "no sha256sum, shasum or openssl to verify the download with"
  fi
}

if [ -n "${CLOUDFITS_TARGET:-}" ]; then
  target=$CLOUDFITS_TARGET
  detected=false
else
  target=$(detect_target)
  detected=true
fi
if [ -n "${CLOUDFITS_RELEASE_URL:-}" ]; then
  base=${CLOUDFITS_RELEASE_URL%/}
elif [ -n "${CLOUDFITS_VERSION:-}" ]; then
  base="$REPOSITORY_URL/releases/download/v${CLOUDFITS_VERSION#v}"
else
  base="$REPOSITORY_URL/releases/latest/download"
fi
destination=${CLOUDFITS_INSTALL:-${HOME:?set HOME or CLOUDFITS_INSTALL}/.local/bin}

work=$(mktemp -d 2>/dev/null || mktemp -d -t cloudfits)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

download "$base/SHA256SUMS" "$work/SHA256SUMS"
# The line of this target's binary: "HASH  cloudfits-VERSION-TARGET[.exe]" (or of CLOUDFITS_VERSION).
line=$(awk -v target="$target" -v version="${CLOUDFITS_VERSION:-}" '
  {
    name = $2; sub(/^\*/, "", name); sub(/\.exe$/, "", name)
    if (version != "" && name == "cloudfits-" version "-" target) { print; exit }
    if (version == "" && name ~ "^cloudfits-[0-9].*-" target "$") { print; exit }
  }' "$work/SHA256SUMS")
[ -n "$line" ] || fail "the release at $base has no build for $target"
expected=$(echo "$line" | cut -d ' ' -f 1)
name=$(echo "$line" | sed 's/^[0-9a-fA-F]* [ *]*//')
case "$expected" in
  *[!0-9a-f]*) fail "SHA256SUMS has no SHA-256 for $name" ;;
esac
[ ${#expected} -eq 64 ] || fail "SHA256SUMS has no SHA-256 for $name"
case "$name" in
  */* | .*) fail "SHA256SUMS names an unexpected file: $name" ;;
esac

echo "downloading $base/$name"
download "$base/$name" "$work/$name"
actual=$(sha256 "$work/$name")
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $name: expected $expected, got $actual; nothing was installed"
fi

program=cloudfits
case "$name" in *.exe) program=cloudfits.exe ;; esac
mkdir -p "$destination"
chmod 755 "$work/$name"
# Copy next to the destination, then rename: a running cloudfits is never overwritten in place.
cp "$work/$name" "$destination/.$program.$$"
mv -f "$destination/.$program.$$" "$destination/$program"
echo "installed $name (SHA-256 verified) as $destination/$program"

if [ "$detected" = true ]; then
  "$destination/$program" --version || fail "the installed binary does not run on this machine"
fi
case ":${PATH:-}:" in
  *":$destination:"*) ;;
  *) echo "note: $destination is not on your PATH; add it, e.g. export PATH=\"$destination:\$PATH\"" ;;
esac
