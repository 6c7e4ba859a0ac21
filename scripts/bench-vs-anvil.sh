#!/usr/bin/env bash
# Measures committed throughput of anvil and of a Cloister node with the same load generator
# (crates/bench) and prints the reports side by side.
#
# Usage: scripts/bench-vs-anvil.sh [--block-time SECS] [--kinds "eth erc20"] [-- BENCH_ARGS...]
#   --block-time SECS  interval mining for anvil (with --gas-limit 1000000000) instead of automine
#   --kinds LIST       which loads to run (default "eth erc20")
#   BENCH_ARGS         passed to cloister-bench, e.g. -- --connections 16 --batch-size 50
# Environment:
#   CLOISTER_RPC       URL of a running Cloister node; otherwise the script starts
#                      `cloister node --dev` if a release binary exists, or skips Cloister.
#   CARGO_TARGET_DIR   build dir (default $HOME/.cache/cloister-target)
#   CLOISTER_NPM_CACHE npm prefix for anvil (default $HOME/.cache/cloister-npm)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
npm_cache="${CLOISTER_NPM_CACHE:-$HOME/.cache/cloister-npm}"
anvil_bin="${ANVIL_BIN:-$npm_cache/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil}"
block_time=""
kinds="eth erc20"
bench_args=()

while [ $# -gt 0 ]; do
  case "$1" in
    --block-time) block_time="$2"; shift 2 ;;
    --kinds) kinds="$2"; shift 2 ;;
    --) shift; bench_args=("$@"); break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

workdir="$(mktemp -d)"
started_pids=()
cleanup() {
  for pid in "${started_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# A loopback port nobody listens on (bounded number of tries).
free_port() {
  local tries port
  for tries in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# Waits (at most $2 seconds) until $1 answers eth_chainId.
wait_for_rpc() {
  local url="$1" seconds="$2" i
  for i in $(seq 1 $((seconds * 10))); do
    if curl -sf -m 1 -H 'content-type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$url" >/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "$url did not answer within ${seconds}s" >&2
  return 1
}

if [ ! -x "$anvil_bin" ]; then
  echo "installing anvil into $npm_cache" >&2
  mkdir -p "$npm_cache"
  npm install --prefix "$npm_cache" --no-save @foundry-rs/anvil-linux-amd64 >/dev/null
fi

echo "building cloister-bench (release)" >&2
(cd "$repo" && cargo build --release -p cloister-bench)
bench="$CARGO_TARGET_DIR/release/cloister-bench"

# Runs one kind against $3, writing the text report (or the failure) to $workdir/$1-$2.txt.
run_bench() {
  local name="$1" kind="$2" url="$3" out="$workdir/$1-$2.txt"
  echo "bench $kind against $name ($url)" >&2
  if ! "$bench" --rpc-url "$url" --kind "$kind" "${bench_args[@]}" >"$out" 2>"$out.err"; then
    { echo "$name: bench $kind FAILED"; tail -1 "$out.err" | fold -w 50; } >"$out"
    if [ "$name" = anvil ] && [ -z "$block_time" ]; then
      echo "(anvil automine stalls with ~1000+ txs in flight; try --block-time 1)" >>"$out"
    fi
  fi
}

# Stops the most recently started process (the node of the current round).
stop_last() {
  local pid="${started_pids[-1]}"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'started_pids[-1]'
}

cloister_bin=""
for candidate in "$CARGO_TARGET_DIR/release/cloister" "$repo/target/release/cloister"; do
  if [ -x "$candidate" ]; then cloister_bin="$candidate"; break; fi
done
if [ -z "${CLOISTER_RPC:-}" ] && [ -z "$cloister_bin" ]; then
  echo "no Cloister node (set CLOISTER_RPC or build target/release/cloister): skipped" >&2
fi

# Each kind runs on fresh nodes so that one run's leftovers cannot slow the next.
for kind in $kinds; do
  anvil_port="$(free_port)"
  anvil_args=(--host 127.0.0.1 --port "$anvil_port" --silent)
  if [ -n "$block_time" ]; then
    anvil_args+=(--block-time "$block_time" --gas-limit 1000000000)
  fi
  "$anvil_bin" "${anvil_args[@]}" >"$workdir/anvil.log" 2>&1 &
  started_pids+=("$!")
  wait_for_rpc "http://127.0.0.1:$anvil_port" 30
  run_bench anvil "$kind" "http://127.0.0.1:$anvil_port"
  stop_last

  if [ -n "${CLOISTER_RPC:-}" ]; then
    run_bench cloister "$kind" "$CLOISTER_RPC"
  elif [ -n "$cloister_bin" ]; then
    cloister_port="$(free_port)"
    "$cloister_bin" node --dev --port "$cloister_port" --datadir "$(mktemp -d -p "$workdir")" \
      >"$workdir/cloister.log" 2>&1 &
    started_pids+=("$!")
    if wait_for_rpc "http://127.0.0.1:$cloister_port" 60; then
      run_bench cloister "$kind" "http://127.0.0.1:$cloister_port"
    else
      tail -20 "$workdir/cloister.log" >&2 || true
    fi
    stop_last
  fi
done

for kind in $kinds; do
  echo
  echo "=== $kind transfers ${block_time:+(anvil block time ${block_time}s)} ==="
  if [ -f "$workdir/cloister-$kind.txt" ]; then
    paste "$workdir/anvil-$kind.txt" "$workdir/cloister-$kind.txt" |
      awk -F '\t' '{ printf "%-52s %s\n", $1, $2 }'
  else
    cat "$workdir/anvil-$kind.txt"
  fi
done
