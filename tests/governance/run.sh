#!/usr/bin/env bash
# Governance on real devnets: `cloister devnet init` nodes (3 validators and a spare over plain
# HTTP, then 3 validators under the simulated TEE over RA-TLS), proposals and votes sent with
# ethers; see cluster.test.mjs. Every node the test starts is stopped on success and failure.
#
# Usage: tests/governance/run.sh [NODE_TEST_ARGS...]
# Environment:
#   CLOISTER_BIN       a built cloister binary (otherwise `cargo build -p cloister` is run)
#   CARGO_TARGET_DIR   build dir (default $HOME/.cache/cloister-target)
#   GOV_KEEP=1         keep the devnets' folders and logs for a look after a failure
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
export npm_config_cache="$HOME/.cache/cloister-governance-npm"

# The devnets go under $workdir (TMPDIR of the test); every node's process group id is
# appended to $workdir/pids as it starts.
workdir="$(mktemp -d)"
test_pid=""
cleanup() {
  # The test stops its nodes itself; should it be killed first, its process group goes, and
  # then every node it started.
  if [ -n "$test_pid" ] && kill -0 "$test_pid" 2>/dev/null; then
    kill -- "-$test_pid" 2>/dev/null || kill "$test_pid" 2>/dev/null || true
    wait "$test_pid" 2>/dev/null || true
  fi
  local pid alive=""
  for pid in $(cat "$workdir/pids" 2>/dev/null); do
    if kill -0 "$pid" 2>/dev/null; then
      kill -- "-$pid" 2>/dev/null || true
      alive="$alive $pid"
    fi
  done
  if [ -n "$alive" ]; then
    sleep 2
    for pid in $alive; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  fi
  if [ "${GOV_KEEP:-}" = 1 ]; then
    echo "governance: devnets kept in $workdir" >&2
  else
    rm -rf "$workdir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# node_modules stays beside package.json (git-ignored); skip npm ci while the lock is unchanged.
stamp="$here/node_modules/.lock-sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi

cloister_bin="${CLOISTER_BIN:-}"
if [ -z "$cloister_bin" ]; then
  (cd "$repo" && cargo build -p cloister >&2)
  cloister_bin="$CARGO_TARGET_DIR/debug/cloister"
fi
cloister_bin="$(cd "$(dirname "$cloister_bin")" && pwd)/$(basename "$cloister_bin")"

started=$SECONDS
status=0
# Its own process group (set -m), so the trap can stop it and every node it started.
set -m
(
  cd "$here"
  exec env CLOISTER_BIN="$cloister_bin" TMPDIR="$workdir" GOV_PIDFILE="$workdir/pids" \
    timeout --kill-after=10 290 node --test --test-reporter=spec --test-concurrency=1 \
    --test-timeout=280000 "$@" cluster.test.mjs
) &
test_pid=$!
set +m
wait "$test_pid" || status=$?
test_pid=""
echo "governance: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - started))s" >&2
exit "$status"
