#!/usr/bin/env bash
# Measures a 3-validator devnet on this machine next to a single `--dev` node, with the same load
# generator (`cloister bench`), then the failover: the time from kill -9 of the leader under load
# to the first block sealed by another validator, and whether any sent transaction was lost
# (the bench fails if one never gets a receipt).
#
# Usage: scripts/bench-cluster.sh [--bin PATH] [--skip-single] [-- BENCH_ARGS...]
#   --bin PATH      the cloister binary (default: $CARGO_TARGET_DIR/release/cloister, built if absent)
#   --skip-single   do not measure the single node
#   BENCH_ARGS      passed to every `cloister bench`, e.g. -- --connections 2 --batch-size 50
# Every process it starts is killed on exit; every port is on 127.0.0.1.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
bin="$CARGO_TARGET_DIR/release/cloister"
single=1
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --skip-single) single=0; shift ;;
    --) shift; bench_args=("$@"); break ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ ! -x "$bin" ]; then
  echo "building cloister (release)" >&2
  (cd "$repo" && cargo build --release -p cloister)
fi

workdir="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

rpc() { # url method params-json
  curl -sf -m 2 -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "$1"
}
json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
wait_for_rpc() {
  local i
  for i in $(seq 1 300); do
    rpc "$1" eth_chainId '[]' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1 did not answer within 30 s" >&2
  return 1
}
now_ms() { date +%s%3N; }

if [ "$single" = 1 ]; then
  port=$((30000 + RANDOM % 20000))
  "$bin" node --dev --port "$port" --datadir "$workdir/single" >"$workdir/single.log" 2>&1 &
  pids+=("$!")
  wait_for_rpc "http://127.0.0.1:$port"
  echo "== single validator (--dev)"
  "$bin" bench --rpc-url "http://127.0.0.1:$port" "${bench_args[@]}"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'
fi

base=$((30000 + RANDOM % 20000))
"$bin" devnet init --validators 3 --dir "$workdir/devnet" --base-port "$base" >/dev/null
declare -A node_of
for i in 0 1 2; do
  "$bin" node --config "$workdir/devnet/node$i/node.toml" >"$workdir/node$i.log" 2>&1 &
  pids+=("$!")
  node_pid[$i]="${pids[-1]}"
  address=$(python3 -c "import sys,tomllib; print(tomllib.load(open(sys.argv[1],'rb'))['cluster']['peers'][int(sys.argv[2])]['address'].lower())" "$workdir/devnet/node$i/node.toml" "$i")
  node_of[$address]=$i
done
for i in 0 1 2; do wait_for_rpc "http://127.0.0.1:$((base + i))"; done

# The leader is the miner of the newest block; make one.
url0="http://127.0.0.1:$base"
from=$(rpc "$url0" eth_accounts '[]' | json_field '["result"][0]')
rpc "$url0" eth_sendTransaction "[{\"from\":\"$from\",\"to\":\"0x000000000000000000000000000000000000dEaD\",\"value\":\"0x1\"}]" >/dev/null
leader_of_head() { # url -> node index of the newest block's miner
  local miner
  miner=$(rpc "$1" eth_getBlockByNumber '["latest", false]' | json_field '["result"]["miner"]' | tr 'A-F' 'a-f')
  echo "${node_of[$miner]:-?}"
}
leader="?"
for _ in $(seq 1 100); do
  leader=$(leader_of_head "$url0")
  [ "$leader" != "?" ] && [ "$(rpc "$url0" eth_blockNumber '[]' | json_field '["result"]')" != "0x0" ] && break
  sleep 0.1
done
follower=$(( (leader + 1) % 3 ))
echo "== 3-validator devnet: leader node$leader, follower node$follower"
echo "-- sending to the leader"
"$bin" bench --rpc-url "http://127.0.0.1:$((base + leader))" "${bench_args[@]}"
echo "-- sending to a follower"
"$bin" bench --rpc-url "http://127.0.0.1:$((base + follower))" "${bench_args[@]}"

echo "== failover: kill -9 node$leader (the leader) under load sent to node$follower"
"$bin" bench --rpc-url "http://127.0.0.1:$((base + follower))" --txs-per-sender 200 --timeout-secs 120 \
  "${bench_args[@]}" >"$workdir/failover-bench.txt" 2>&1 &
bench_pid=$!
# Let the load reach its measured phase (funding and warm-up first).
for _ in $(seq 1 300); do
  head=$(rpc "http://127.0.0.1:$((base + follower))" eth_blockNumber '[]' | json_field '["result"]')
  [ $((head)) -gt 20 ] && break
  sleep 0.1
done
sleep 2
kill -9 "${node_pid[$leader]}"
killed_at=$(now_ms)
new_leader="?"
for _ in $(seq 1 1000); do
  new_leader=$(leader_of_head "http://127.0.0.1:$((base + follower))" || echo "?")
  if [ "$new_leader" != "?" ] && [ "$new_leader" != "$leader" ]; then break; fi
  sleep 0.01
done
took=$(( $(now_ms) - killed_at ))
echo "first block sealed by node$new_leader ${took} ms after the kill"
if wait "$bench_pid"; then
  echo "bench under failover: every transaction got its receipt (0 lost)"
else
  echo "bench under failover FAILED (lost or late transactions):"
fi
cat "$workdir/failover-bench.txt"
