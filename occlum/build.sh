#!/usr/bin/env bash
# Builds the Cloister node into a signed Occlum 0.31 enclave and prints its measurement.
#
# Usage: occlum/build.sh [--sgx-mode HW|SIM] [--sign-key FILE] [--instance DIR] [--bin FILE]
#                        [--max-glibc X.Y] [--skip-deps-check]
#   --sgx-mode HW|SIM   HW (default): production enclave, not debuggable, needs --sign-key.
#                       SIM: simulation build for development, debuggable, Occlum log on.
#   --sign-key FILE     RSA-3072 key with exponent 3 that signs the enclave (MRSIGNER).
#                       Required for HW: Occlum's template key is public, and the SEFS data key
#                       is derived from MRSIGNER, so signing with it would open the data to anyone.
#   --instance DIR      Occlum instance directory (default occlum/instance-hw or -sim). Kept across
#                       builds: DIR/cloister-state holds the node's encrypted data.
#   --bin FILE          use this cloister binary instead of `cargo build --release -p cloister`.
#   --max-glibc X.Y     newest GLIBC_ symbol version allowed (default: Occlum's own glibc in
#                       /opt/occlum/glibc, else 2.35).
#   --skip-deps-check   do not run scripts/check-occlum-deps.sh.
# Build inside the occlum/occlum:0.31.0-ubuntu22.04 image (glibc 2.35 there, and in Occlum).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
sgx_mode="HW"
sign_key=""
instance=""
bin=""
max_glibc=""
deps_check=1

die() { echo "build.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --sgx-mode) sgx_mode="${2:-}"; shift 2 ;;
    --sign-key) sign_key="${2:-}"; shift 2 ;;
    --instance) instance="${2:-}"; shift 2 ;;
    --bin) bin="${2:-}"; shift 2 ;;
    --max-glibc) max_glibc="${2:-}"; shift 2 ;;
    --skip-deps-check) deps_check=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

case "$sgx_mode" in
  HW|SIM) ;;
  *) die "--sgx-mode must be HW or SIM, not '$sgx_mode'" ;;
esac
mode_lower="$(tr '[:upper:]' '[:lower:]' <<< "$sgx_mode")"
instance="${instance:-$here/instance-$mode_lower}"

for tool in jq readelf objdump; do
  command -v "$tool" > /dev/null || die "$tool is required"
done

# --- signing key ---
if [ -n "$sign_key" ]; then
  [ -r "$sign_key" ] || die "cannot read signing key $sign_key"
  sign_key="$(cd "$(dirname "$sign_key")" && pwd)/$(basename "$sign_key")"
  if command -v openssl > /dev/null; then
    key_text="$(openssl rsa -in "$sign_key" -noout -text 2> /dev/null)" \
      || die "$sign_key is not an RSA private key"
    grep -q 'Private-Key: (3072 bit' <<< "$key_text" || die "$sign_key: SGX needs an RSA-3072 key"
    grep -q 'publicExponent: 3 ' <<< "$key_text" || die "$sign_key: SGX needs public exponent 3"
  fi
elif [ "$sgx_mode" = "HW" ]; then
  die "HW builds need --sign-key FILE (create one: openssl genrsa -3 -out enclave-key.pem 3072)"
fi

# --- the binary ---
if [ -z "$bin" ]; then
  echo "==> cargo build --release -p cloister"
  (cd "$repo" && cargo build --release --locked -p cloister)
  bin="${CARGO_TARGET_DIR:-$repo/target}/release/cloister"
fi
[ -x "$bin" ] || die "no executable at $bin"

# Occlum loads only position-independent executables.
elf_type="$(readelf -h "$bin" | awk -F: '/^ *Type:/ {gsub(/^ +/, "", $2); print $2}')"
[[ "$elf_type" == DYN* ]] || die "$bin is not PIE (ELF type '$elf_type'); Occlum needs ET_DYN"

# The binary runs on Occlum's glibc: it must not need symbols newer than that glibc has.
if [ -z "$max_glibc" ]; then
  occlum_libc=/opt/occlum/glibc/lib/libc.so.6
  if [ -r "$occlum_libc" ]; then
    max_glibc="$(objdump -p "$occlum_libc" | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' \
      | sed 's/GLIBC_//' | sort -V | tail -1)"
  fi
  max_glibc="${max_glibc:-2.35}"
fi
needed_glibc="$(objdump -T "$bin" | grep -oE 'GLIBC_[0-9]+\.[0-9]+(\.[0-9]+)?' | sed 's/GLIBC_//' \
  | sort -uV | tail -1)"
if [ -n "$needed_glibc" ] && \
   [ "$(printf '%s\n%s\n' "$needed_glibc" "$max_glibc" | sort -V | tail -1)" != "$max_glibc" ]; then
  objdump -T "$bin" | grep -F "GLIBC_$needed_glibc" | head -5 >&2
  die "$bin needs GLIBC_$needed_glibc but Occlum's glibc is $max_glibc: build inside occlum/occlum:0.31.0-ubuntu22.04"
fi

# One process: no fork or exec of anything (Occlum has no fork; spawn would leave the budget).
spawners="$(objdump -T "$bin" | awk '$0 ~ /\*UND\*/ {print $NF}' \
  | grep -xE 'fork|vfork|_Fork|daemon|system|popen|execv|execve|execvp|execvpe|posix_spawnp?' || true)"
[ -z "$spawners" ] || die "$bin imports process-spawning functions: $(tr '\n' ' ' <<< "$spawners")"
echo "==> $bin: PIE, needs GLIBC_${needed_glibc:-none} (<= $max_glibc), no fork/exec"

if [ "$deps_check" = 1 ]; then
  "$repo/scripts/check-occlum-deps.sh"
fi

# --- the configuration ---
config="$here/Occlum.json"
jq -e . "$config" > /dev/null || die "$config is not valid JSON"
[ "$(jq '.metadata.debuggable' "$config")" = "false" ] \
  || die "$config must keep metadata.debuggable false (SIM builds switch it on themselves)"
# Every thread the node can run needs a TCS: main + tokio workers + blocking pool + rayon,
# plus Occlum's init process while it starts the node.
env_number() { jq -r --arg k "$1" '.env.default[] | select(startswith($k + "=")) | ltrimstr($k + "=")' "$config"; }
workers="$(env_number CLOISTER_TOKIO_WORKERS)"
blocking="$(env_number CLOISTER_TOKIO_BLOCKING_THREADS)"
rayon="$(env_number RAYON_NUM_THREADS)"
for n in "$workers" "$blocking" "$rayon"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "$config: thread counts in env.default must be numbers"
done
threads=$((1 + workers + blocking + rayon + 1))
max_threads="$(jq '.resource_limits.max_num_of_threads' "$config")"
[ "$threads" -le "$max_threads" ] \
  || die "node may run $threads threads but max_num_of_threads is $max_threads"

# --- the Occlum instance ---
command -v occlum > /dev/null || die "occlum is not installed (use the occlum/occlum:0.31.0-ubuntu22.04 image)"
command -v copy_bom > /dev/null || die "copy_bom is not installed (it comes with Occlum)"
if [ ! -f "$instance/.__occlum_status" ]; then
  echo "==> occlum new $instance"
  occlum new "$instance"
fi
cd "$instance"

if [ "$sgx_mode" = "SIM" ]; then
  # Development only: a simulated enclave proves nothing, so it may as well be debuggable.
  jq '.metadata.debuggable = true | .metadata.disable_log = false' "$config" > Occlum.json
else
  cp "$config" Occlum.json
fi

rm -rf stage image
mkdir -p stage/etc
cp "$bin" stage/cloister
cp "$here/etc/nsswitch.conf" stage/etc/
copy_bom -f "$here/cloister.yaml" --root image --include-dir /opt/occlum/etc/template

# SEFS sources must exist before `occlum run`; they live outside run/, which `occlum build` wipes.
mkdir -p cloister-state/data cloister-state/keys

build_args=()
[ "$sgx_mode" = "SIM" ] && build_args+=(--sgx-mode SIM)
[ -n "$sign_key" ] && build_args+=(--sign-key "$sign_key")
echo "==> occlum build ${build_args[*]}"
occlum build "${build_args[@]}"

mrenclave="$(occlum print mrenclave)"
mrsigner="$(occlum print mrsigner)"
jq -n --arg mrenclave "$mrenclave" --arg mrsigner "$mrsigner" --arg mode "$sgx_mode" \
  --argjson product "$(jq '.metadata.product_id' Occlum.json)" \
  --argjson svn "$(jq '.metadata.version_number' Occlum.json)" \
  --argjson debug "$(jq '.metadata.debuggable' Occlum.json)" \
  '{sgxMode: $mode, mrenclave: $mrenclave, mrsigner: $mrsigner, isvProdId: $product,
    isvSvn: $svn, debug: $debug}' > measurement.json
echo "==> built $instance ($sgx_mode)"
cat measurement.json
if [ "$sgx_mode" = "SIM" ]; then
  echo "SIM enclave: its measurement must never enter a production allow-list." >&2
fi
