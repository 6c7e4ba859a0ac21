#!/usr/bin/env bash
# End-to-end JSON-RPC suite with real clients (ethers, viem, solc-js, cast): runs tests/e2e
# against a fresh `cloister node --dev`, then against a fresh anvil, on free loopback ports.
# Then the Cloister-only suites: the sign-in page in headless Chromium and the confidential
# ERC-20 example. Exits non-zero if any run fails. The servers are always stopped.
#
# Usage: scripts/e2e.sh [--only cloister|anvil] [-- NODE_TEST_ARGS...]
#   --only NAME     run against one node only
#   NODE_TEST_ARGS  extra arguments for `node --test`, e.g. -- --test-name-pattern=revert
# Environment:
#   CLOISTER_BIN      a built cloister binary (otherwise `cargo build -p cloister` is run)
#   CARGO_TARGET_DIR  build dir (default $HOME/.cache/cloister-target)
#   CLOISTER_E2E_CACHE  npm install prefix (default $HOME/.cache/cloister-e2e); reused while
#                     tests/e2e/package-lock.json is unchanged
#   E2E_SUITE_TIMEOUT seconds one suite run may take (default 600)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
suite_dir="$repo/tests/e2e"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
cache="${CLOISTER_E2E_CACHE:-$HOME/.cache/cloister-e2e}"
suite_timeout="${E2E_SUITE_TIMEOUT:-600}"
only=""
node_test_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      only="${2:-}"
      case "$only" in cloister|anvil) ;; *) echo "--only takes cloister or anvil" >&2; exit 2 ;; esac
      shift 2 ;;
    --) shift; node_test_args=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

workdir="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Installs the npm packages into $cache once per package-lock.json (npm ci is exact and offline
# of the repository: node_modules never lands in the clone).
install_deps() {
  local stamp="$cache/.lock-sha256" want
  want="$(sha256sum "$suite_dir/package-lock.json" | cut -d' ' -f1)"
  if [ -d "$cache/node_modules" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "e2e: installing npm packages into $cache" >&2
  mkdir -p "$cache"
  cp "$suite_dir/package.json" "$suite_dir/package-lock.json" "$cache/"
  local started=$SECONDS
  npm ci --prefix "$cache" --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
  echo "e2e: npm ci took $((SECONDS - started))s" >&2
}

# A loopback port nobody listens on (bounded number of tries).
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

# Waits (at most $2 seconds) until $1 answers eth_chainId, and fails early if the server died.
wait_for_rpc() {
  local url="$1" seconds="$2"
  for _ in $(seq 1 $((seconds * 10))); do
    if curl -sf -m 1 -H 'content-type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$url" >/dev/null; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "e2e: the server exited before answering" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "e2e: $url did not answer within ${seconds}s" >&2
  return 1
}

# Runs the suite against the server on port $2; $1 names it in the output.
run_suite() {
  local name="$1" port="$2" started=$SECONDS status=0
  echo "=== e2e against $name (http://127.0.0.1:$port) ===" >&2
  (
    cd "$repo"
    RPC_URL="http://127.0.0.1:$port" WS_URL="ws://127.0.0.1:$port" \
      NODE_PATH="$cache/node_modules" E2E_BUILD_DIR="$cache/build" \
      timeout --kill-after=10 "$suite_timeout" \
      node --test --test-reporter=spec --test-timeout=180000 "${node_test_args[@]}" "$suite_dir"/*.test.cjs
  ) || status=$?
  echo "=== e2e against $name: $([ "$status" = 0 ] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - started))s ===" >&2
  return "$status"
}

# Starts server $1 (cloister|anvil) on a free port and waits for it; retries on another port if
# it exits early (a port taken between the check and the bind). Sets server_pid and port.
launch() {
  local name="$1" log="$workdir/$1.log"
  for attempt in 1 2 3; do
    port="$(free_port)"
    case "$name" in
      cloister)
        rm -rf "$workdir/cloister-data"
        "$cloister_bin" node --dev --host 127.0.0.1 --port "$port" --datadir "$workdir/cloister-data" \
          >"$log" 2>&1 &
        ;;
      anvil) "$anvil_bin" --host 127.0.0.1 --port "$port" >"$log" 2>&1 & ;;
    esac
    server_pid=$!
    if wait_for_rpc "http://127.0.0.1:$port" 60; then
      return 0
    fi
    echo "e2e: $name did not start (attempt $attempt); its log ends with:" >&2
    tail -20 "$log" >&2 || true
    stop_server
  done
  return 1
}

install_deps
anvil_bin="$cache/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
cloister_bin="${CLOISTER_BIN:-}"
failed=()

if [ "$only" != anvil ]; then
  if [ -z "$cloister_bin" ]; then
    echo "e2e: building cloister" >&2
    if (cd "$repo" && cargo build -p cloister); then
      cloister_bin="$CARGO_TARGET_DIR/debug/cloister"
    else
      echo "e2e: building cloister failed" >&2
    fi
  fi
  if [ -z "$cloister_bin" ]; then
    failed+=(cloister)
  elif launch cloister; then
    run_suite cloister "$port" || failed+=(cloister)
  else
    failed+=(cloister)
  fi
  stop_server
fi

# Cloister-only suites: the sign-in page in headless Chromium, and the confidential ERC-20
# example (each starts its own dev node).
if [ "$only" != anvil ] && [ -n "$cloister_bin" ]; then
  echo "=== sign-in page in headless Chromium ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/tests/signin/run.sh" || failed+=(signin)
  echo "=== confidential ERC-20 example ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/examples/confidential-erc20/run.sh" || failed+=(confidential-erc20)
fi

if [ "$only" != cloister ]; then
  if launch anvil; then
    run_suite anvil "$port" || failed+=(anvil)
  else
    failed+=(anvil)
  fi
  stop_server
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "e2e: FAILED against: ${failed[*]}" >&2
  exit 1
fi
echo "e2e: all runs passed" >&2
