#!/bin/sh
# hive start script: genesis from /genesis.json + HIVE_* variables, init, import /chain.rlp
# (and /blocks/*.rlp), then serve JSON-RPC on 8545 and the JWT engine API on 8551.
set -e

DATADIR=/cloister-data
JWT_SECRET=/jwtsecret
GENESIS=/tmp/genesis.json

# hive's fixed engine secret.
printf '%s' "0x7365637265747365637265747365637265747365637265747365637265747365" > "$JWT_SECRET"

jq -f /mapper.jq /genesis.json > "$GENESIS"
echo "cloister genesis config:"
jq -c .config "$GENESIS"

mkdir -p "$DATADIR"
cloister init --genesis "$GENESIS" --datadir "$DATADIR"

# A refused block is logged; the node still starts so that hive reports per test.
if [ -f /chain.rlp ]; then
  cloister import --datadir "$DATADIR" /chain.rlp || echo "import of /chain.rlp stopped at a refused block"
fi
if [ -d /blocks ]; then
  for block in $(ls /blocks | sort -n); do
    cloister import --datadir "$DATADIR" "/blocks/$block" || echo "import of /blocks/$block refused"
  done
fi

EXTRA=""
# The gas limit testing_buildBlockV1 moves toward, when this build of the CLI has the knob.
if [ -n "$HIVE_TARGET_GAS_LIMIT" ] && cloister node --help | grep -q -- "--miner.gaslimit"; then
  EXTRA="$EXTRA --miner.gaslimit $HIVE_TARGET_GAS_LIMIT"
fi
if [ -n "$HIVE_LOGLEVEL" ] && [ "$HIVE_LOGLEVEL" -ge 4 ]; then
  export RUST_LOG="${RUST_LOG:-debug}"
fi

# shellcheck disable=SC2086
exec cloister node \
  --datadir "$DATADIR" \
  --host 0.0.0.0 --port 8545 \
  --authrpc.addr 0.0.0.0 --authrpc.port 8551 --authrpc.jwtsecret "$JWT_SECRET" \
  $EXTRA
