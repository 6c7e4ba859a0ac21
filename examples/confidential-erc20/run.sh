#!/usr/bin/env bash
# Runs the ConfidentialToken test against a fresh `cloister node --dev` on a free loopback port
# with a temporary datadir. Builds nothing: the cloister binary must already exist.
#
# Environment:
#   CLOISTER_BIN         the binary (default ${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}/debug/cloister)
#   CLOISTER_ERC20_CACHE npm install prefix (default $HOME/.cache/cloister-erc20-npm); reused while
#                        package-lock.json is unchanged, so node_modules never lands in the clone
#   CLOISTER_RPC_URL     if set, no node is started and the test runs against this URL
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${CLOISTER_ERC20_CACHE:-$HOME/.cache/cloister-erc20-npm}"
cloister_bin="${CLOISTER_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}/debug/cloister}"

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

# npm ci into $cache once per package-lock.json.
stamp="$cache/.lock-sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$cache/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "confidential-erc20: npm ci into $cache" >&2
  mkdir -p "$cache"
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  npm ci --prefix "$cache" --cache "$cache/_npm" --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
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
  echo "no free port found" >&2
  return 1
}

# Starts the node and waits until it answers eth_chainId; retries on another port if it dies
# (a port taken between the check and the bind).
start_node() {
  local log="$workdir/node.log"
  for attempt in 1 2 3; do
    port="$(free_port)"
    rm -rf "$workdir/data"
    "$cloister_bin" node --dev --host 127.0.0.1 --port "$port" --datadir "$workdir/data" >"$log" 2>&1 &
    node_pid=$!
    for _ in $(seq 1 600); do
      if curl -sf -m 1 -H 'content-type: application/json' \
        -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
        "http://127.0.0.1:$port" >/dev/null; then
        return 0
      fi
      kill -0 "$node_pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "confidential-erc20: node did not start (attempt $attempt); log ends with:" >&2
    tail -20 "$log" >&2 || true
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
    node_pid=""
  done
  return 1
}

if [ -z "${CLOISTER_RPC_URL:-}" ]; then
  if [ ! -x "$cloister_bin" ]; then
    echo "confidential-erc20: no cloister binary at $cloister_bin (cargo build -p cloister)" >&2
    exit 1
  fi
  start_node
  export CLOISTER_RPC_URL="http://127.0.0.1:$port"
fi

cd "$here"
NODE_PATH="$cache/node_modules" timeout --kill-after=10 300 \
  node --test --test-reporter=spec --test-timeout=180000 test/
