#!/usr/bin/env bash
# Runs the whole test suite: every crate's unit and integration tests, including the
# end-to-end tests that start the real `cloister` binary on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
cargo nextest run --workspace --no-fail-fast "$@"
