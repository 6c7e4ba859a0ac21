#!/usr/bin/env bash
# Runs the Cloister node inside an Occlum instance made by build.sh.
#
# Usage: occlum/run.sh [--instance DIR] [--sgx-mode HW|SIM] [--host ADDR] [--port N]
#                      [--state-dir DIR] [--init GENESIS] [-- NODE_ARGS...]
#   --instance DIR    instance to run (default occlum/instance-hw, or -sim with --sgx-mode SIM)
#   --host ADDR       listen address, passed as CLOISTER_HOST (default 0.0.0.0)
#   --port N          RPC port, passed as CLOISTER_PORT (default 8545)
#   --state-dir DIR   keep the encrypted SEFS volumes (/data, /keys) in DIR instead of
#                     INSTANCE/cloister-state (DIR is linked there; the path is host-side only)
#   --init GENESIS    instead of running the node, write GENESIS into the enclave's /data
#                     (`cloister init`, reading it on stdin through /dev/fd/0) and exit
#   NODE_ARGS         appended to `cloister node`; argv comes from the host, so it must never
#                     carry anything the enclave has to trust.
# Only CLOISTER_HOST and CLOISTER_PORT cross from the host: they are the whole of
# env.untrusted in Occlum.json; every other setting is in env.default and measured.
# Host-side debugging of a SIM instance: OCCLUM_LOG_LEVEL=info occlum/run.sh --sgx-mode SIM
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
instance=""
sgx_mode="HW"
host="0.0.0.0"
port="8545"
state_dir=""
genesis=""
node_args=()

die() { echo "run.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --instance) instance="${2:-}"; shift 2 ;;
    --sgx-mode) sgx_mode="${2:-}"; shift 2 ;;
    --host) host="${2:-}"; shift 2 ;;
    --port) port="${2:-}"; shift 2 ;;
    --state-dir) state_dir="${2:-}"; shift 2 ;;
    --init) genesis="${2:-}"; shift 2 ;;
    --) shift; node_args=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

case "$sgx_mode" in
  HW|SIM) ;;
  *) die "--sgx-mode must be HW or SIM, not '$sgx_mode'" ;;
esac
instance="${instance:-$here/instance-$(tr '[:upper:]' '[:lower:]' <<< "$sgx_mode")}"
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  die "bad port '$port'"
fi
[ -d "$instance/build" ] || die "$instance is not built: run occlum/build.sh first"
command -v occlum > /dev/null || die "occlum is not installed"

built_mode="$(cat "$instance/.sgx_mode" 2> /dev/null || echo HW)"
[ "$built_mode" = "$sgx_mode" ] || die "$instance was built for $built_mode, not $sgx_mode"

# SEFS sources are resolved (canonicalised) when the enclave starts: they must exist.
if [ -n "$state_dir" ]; then
  mkdir -p "$state_dir/data" "$state_dir/keys"
  state_dir="$(cd "$state_dir" && pwd)"
  if [ -d "$instance/cloister-state" ] && [ ! -L "$instance/cloister-state" ]; then
    if [ -n "$(find "$instance/cloister-state" -mindepth 2 -print -quit)" ]; then
      die "$instance/cloister-state already holds data; move it to $state_dir first"
    fi
    rm -rf "$instance/cloister-state"
  fi
  ln -sfn "$state_dir" "$instance/cloister-state"
else
  mkdir -p "$instance/cloister-state/data" "$instance/cloister-state/keys"
fi

if [ -n "$genesis" ]; then
  [ -r "$genesis" ] || die "cannot read genesis $genesis"
  genesis="$(cd "$(dirname "$genesis")" && pwd)/$(basename "$genesis")"
fi

cd "$instance"
if [ -n "$genesis" ]; then
  # The genesis cannot be part of the image: it lists the image's own measurement.
  echo "==> occlum run /bin/cloister init --datadir /data < $genesis"
  exec occlum run /bin/cloister init --genesis /dev/fd/0 --datadir /data < "$genesis"
fi
export CLOISTER_HOST="$host" CLOISTER_PORT="$port"
echo "==> occlum run /bin/cloister node on $host:$port ($sgx_mode, $instance)"
exec occlum run /bin/cloister node --datadir /data --tee occlum "${node_args[@]}"
