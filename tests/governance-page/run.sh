#!/usr/bin/env bash
# Governance page test: the /governance page of a fresh `cloister node --dev` (governance
# contract predeployed, dev accounts 0-2 members), driven in headless Debian Chromium
# (playwright-core, no bundled browser) with an injected EIP-1193 wallet that sends as dev
# accounts.
#
# Usage: tests/governance-page/run.sh [NODE_TEST_ARGS...]
# Environment:
#   CLOISTER_BIN       a built cloister binary (otherwise `cargo build -p cloister` is run)
#   CARGO_TARGET_DIR   build dir (default $HOME/.cache/cloister-target)
#   CHROMIUM_PATH      browser (default /usr/bin/chromium; installed with apt-get if missing)
#   GOVERNANCE_SCREENSHOT  write a PNG of the page after the vote there
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export npm_config_cache="$HOME/.cache/cloister-governance-npm"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

workdir="$(mktemp -d)"
node_pid=""
cleanup() {
  if [ -n "$node_pid" ]; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$CHROMIUM_PATH" ]; then
  echo "governance: installing Debian chromium" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2 \
    || { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium >&2; }
fi

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

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "governance: no free port found" >&2
  return 1
}

# Starts the dev node and waits until /governance answers; retries on another port if the
# node exits early (a port taken between the check and the bind).
start_node() {
  for attempt in 1 2 3; do
    port="$(free_port)"
    rm -rf "$workdir/data"
    "$cloister_bin" node --dev --host 127.0.0.1 --port "$port" --datadir "$workdir/data" \
      >"$workdir/node.log" 2>&1 &
    node_pid=$!
    for _ in $(seq 1 600); do
      if curl -sf -m 1 "http://127.0.0.1:$port/governance" >/dev/null; then
        return 0
      fi
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "governance: node did not start (attempt $attempt); its log ends with:" >&2
    tail -20 "$workdir/node.log" >&2 || true
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
  done
  return 1
}

start_node
echo "governance: node at http://127.0.0.1:$port" >&2
status=0
(
  cd "$here"
  GOVERNANCE_NODE_URL="http://127.0.0.1:$port" \
    timeout --kill-after=10 300 node --test --test-reporter=spec --test-timeout=120000 "$@" governance.test.mjs
) || status=$?
if [ "$status" != 0 ]; then
  echo "governance: FAILED (exit $status); node log ends with:" >&2
  tail -20 "$workdir/node.log" >&2 || true
fi
exit "$status"
