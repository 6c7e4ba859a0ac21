#!/usr/bin/env bash
# Runs the whole test suite: every crate's unit and integration tests (including the
# conformance runners: Ethereum blockchain and state tests, and the hive rpc-compat replay),
# then the end-to-end suite with real clients (ethers, viem, solc-js, OpenZeppelin, cast)
# against a Cloister dev node and against anvil. First: the Occlum dependency check.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
status=0
# Occlum cannot run crates that need mmap-backed files or io_uring: fail if one enters the build.
OCCLUM_CHECK_CARGO_FLAGS="${OCCLUM_CHECK_CARGO_FLAGS:---locked}" scripts/check-occlum-deps.sh || status=1
cargo nextest run --workspace --no-fail-fast "$@" || status=1
scripts/e2e.sh || status=1
exit $status
