#!/usr/bin/env bash
# Runs the whole test suite: every crate's unit and integration tests (including the
# conformance runners: Ethereum blockchain and state tests, EIP-7610 collision cases, the hive
# rpc-compat replay, openraft's storage suite and the in-process cluster scenarios), then the
# end-to-end suites with real clients (ethers, viem, web3.js, web3.py, solc-js, OpenZeppelin,
# cast) against a Cloister dev node, anvil, and a confidential chain over TLS through a
# personal URL. First: the Occlum dependency check.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
status=0
# Occlum cannot run crates that need mmap-backed files or io_uring: fail if one enters the build.
OCCLUM_CHECK_CARGO_FLAGS="${OCCLUM_CHECK_CARGO_FLAGS:---locked}" scripts/check-occlum-deps.sh || status=1
# Fixture sets the conformance, hive, trie, chainspec and TEE tests read. A missing set makes
# those tests skip themselves (one SKIPPED line each) on a developer machine; under CI=true they
# fail, and so does this script.
fixtures="${CLOISTER_FIXTURES:-../shared}"
if [ -n "${CLOISTER_FIXTURES:-}" ] && [ -d "$CLOISTER_FIXTURES" ]; then
  # Tests run in their crate's directory: hand them an absolute path.
  CLOISTER_FIXTURES="$(cd "$CLOISTER_FIXTURES" && pwd)"
  export CLOISTER_FIXTURES
fi
missing=()
for set in conformance/ethereum-tests conformance/ethereum-tests-collision \
  conformance/execution-apis conformance/openrpc tee-vectors; do
  [ -d "$fixtures/$set" ] || missing+=("$set")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "skipped (fixtures missing in $fixtures): ${missing[*]} — get them with scripts/fetch-fixtures.sh"
  if [ "${CI:-}" = "true" ]; then
    echo "error: CI=true and fixtures are missing; CI must not pass by skipping" >&2
    status=1
  fi
fi
cargo nextest run --workspace --no-fail-fast "$@" || status=1
# The governance contract the node predeploys equals a fresh solc-js compilation of its source
# (the Rust tests check that genesis/dev.json carries exactly that artifact's runtime code).
echo "=== governance contract: fresh compilation equals the committed artifact ==="
if (cd contracts/governance && npm ci --no-audit --no-fund --loglevel=error >/dev/null \
    && node check.mjs); then :; else status=1; fi
scripts/e2e.sh || status=1
exit $status
