#!/usr/bin/env bash
# Fetches the test fixtures the suites read (Ethereum conformance tests, the EIP-7610 collision
# set, execution-apis with openrpc.json, DCAP quotes) from their public GitHub sources at fixed
# commits, and checks every file against scripts/fixtures.sha256.
#
# Usage: scripts/fetch-fixtures.sh [--verify-only] [DIR]
#   DIR            fixture root (default: $CLOISTER_FIXTURES, else ../shared beside the repository);
#                  the tests read the same root (crates/fixtures)
#   --verify-only  download nothing: check that DIR holds every file with the right checksum
# Environment:
#   CLOISTER_FIXTURES  the fixture root, as for the tests
#   FETCH_JOBS         parallel downloads (default 8)
#
# Each file is byte-identical to a Git blob of its source (see the PROVENANCE.md files, shipped
# in scripts/fixtures/ and installed beside the data); files already present with the right
# checksum are kept. Needs curl and sha256sum (or shasum).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$repo/scripts/fixtures.sha256"
docs="$repo/scripts/fixtures"

# Where each part of the layout comes from: prefix in the fixture root, GitHub repository,
# commit, and the prefix of the same files in that repository at that commit.
sources=(
  "conformance/ethereum-tests/eest-stable-v5.4.0/ erigontech/eest-fixtures ca0cbe34136ad4916e5ed32d03c22ee941276747 "
  "conformance/ethereum-tests/eest-develop-v5.4.0/ erigontech/eest-fixtures d35196c3079eb31d73bfdb8e5fa0afe85250ab97 "
  "conformance/ethereum-tests/ethereum-tests-legacy/ ethereum/tests 4c87ebbf024a3e9ec842bcce90564f629a3bcd82 "
  "conformance/ethereum-tests-collision/eest-stable-v5.4.0/ erigontech/eest-fixtures ca0cbe34136ad4916e5ed32d03c22ee941276747 "
  "conformance/execution-apis/ ethereum/execution-apis 033ca6e69da000445840d2060ff47e5e56172a86 tests/"
  "conformance/openrpc/ ethereum/execution-apis f56fd1d7d2217994680f8dd13a9daa206573e18a "
  "tee-vectors/ Phala-Network/dcap-qvl 9bffe30b4da53acc05f2e3a36fafc0f6418973b8 sample/"
)

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The raw-content URL of fixture path $1 in its source repository at its commit.
url_of() {
  local path="$1" entry prefix source commit upstream
  for entry in "${sources[@]}"; do
    read -r prefix source commit upstream <<<"$entry"
    if [[ "$path" == "$prefix"* ]]; then
      echo "https://raw.githubusercontent.com/$source/$commit/$upstream${path#"$prefix"}"
      return
    fi
  done
}

# One file: $1 expected sha256, $2 path under the root $3. Kept when already right.
fetch_one() {
  local want="$1" path="$2" root="$3" dest tmp url
  dest="$root/$path"
  if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$want" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp "$dest.XXXXXX")"
  url="$(url_of "$path")"
  if [ -f "$docs/$path" ]; then
    # Our own documents (PROVENANCE.md, HIVE-RPC-COMPAT.md) ship with the repository.
    url=""
    cp "$docs/$path" "$tmp"
  elif [ -n "$url" ]; then
    if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp" "$url"; then
      rm -f "$tmp"
      echo "download failed: $url" >&2
      return 1
    fi
  else
    rm -f "$tmp"
    echo "no source for $path" >&2
    return 1
  fi
  if [ "$(sha256_of "$tmp")" != "$want" ]; then
    rm -f "$tmp"
    echo "checksum mismatch: $path (from ${url:-scripts/fixtures})" >&2
    return 1
  fi
  chmod 644 "$tmp"
  mv -f "$tmp" "$dest"
}

# Every manifest file present under root $1 with its checksum; prints what is wrong.
verify() {
  local root="$1" want path bad=0 count=0
  while read -r want path; do
    count=$((count + 1))
    if [ ! -f "$root/$path" ]; then
      echo "missing: $path" >&2
      bad=$((bad + 1))
    elif [ "$(sha256_of "$root/$path")" != "$want" ]; then
      echo "checksum mismatch: $path" >&2
      bad=$((bad + 1))
    fi
  done <"$manifest"
  if [ "$bad" -ne 0 ]; then
    echo "$bad of $count fixture files missing or wrong under $root" >&2
    return 1
  fi
  echo "all $count fixture files present and verified under $root"
}

# Per-set MANIFEST.sha256 beside the data, as the original layout has them (sha256sum -c).
write_set_manifests() {
  local root="$1" set
  for set in conformance/ethereum-tests conformance/ethereum-tests-collision; do
    grep "  $set/" "$manifest" | grep -v "  $set/PROVENANCE.md$" |
      sed "s#  $set/#  #" >"$root/$set/MANIFEST.sha256"
  done
}

if [ "${1:-}" = "--fetch-one" ]; then
  # Internal: one download (hash, path; root in FETCH_ROOT), run in parallel by xargs below.
  fetch_one "$2" "$3" "$FETCH_ROOT"
  exit
fi

verify_only=0
if [ "${1:-}" = "--verify-only" ]; then
  verify_only=1
  shift
fi
root="${1:-${CLOISTER_FIXTURES:-$repo/../shared}}"

if [ "$verify_only" -eq 1 ]; then
  verify "$root"
  exit
fi

command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }
mkdir -p "$root"
root="$(cd "$root" && pwd)"
echo "fetching $(wc -l <"$manifest") fixture files into $root"
# Each "hash  path" line becomes one "--fetch-one hash path" call, FETCH_JOBS at a time.
FETCH_ROOT="$root" xargs -P "${FETCH_JOBS:-8}" -L 1 "$0" --fetch-one <"$manifest"
write_set_manifests "$root"
verify "$root"
