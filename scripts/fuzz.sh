#!/usr/bin/env bash
# Long fuzz runs by hand with cargo-fuzz (libFuzzer, nightly): scripts/fuzz.sh [TARGET] [SECONDS]
# Without TARGET: every target in turn, SECONDS each (default 600). One core at a time; RSS
# capped at 2 GB, 10 s per input. Reads fuzz/corpus/<target>/, writes what it finds to a work
# corpus outside the repository ($CLOISTER_FUZZ_WORK, default ~/.cache/cloister-fuzz-corpus);
# crashes go to fuzz/artifacts/<target>/. Minimize before committing anything found.
# Without nightly or cargo-fuzz: says so and runs the stable smoke test instead.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-}"
seconds="${2:-600}"
export CARGO_TARGET_DIR="${CLOISTER_FUZZ_TARGET_DIR:-$HOME/.cache/cloister-fuzz-target}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly' || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: needs a nightly toolchain and cargo-fuzz (rustup toolchain install nightly;" >&2
  echo "  cargo +nightly install cargo-fuzz). Running the stable smoke test instead." >&2
  CARGO_TARGET_DIR="${CARGO_TARGET_DIR_STABLE:-$HOME/.cache/cloister-target}" \
    exec cargo test -p cloister-fuzzing --test it
fi

targets=$(cd fuzz && cargo +nightly fuzz list)
if [ -n "$target" ]; then
  echo "$targets" | grep -qx "$target" || { echo "unknown target $target; one of: $targets" >&2; exit 2; }
  targets="$target"
fi

status=0
for t in $targets; do
  work="${CLOISTER_FUZZ_WORK:-$HOME/.cache/cloister-fuzz-corpus}/$t"
  mkdir -p "$work"
  echo "== $t: ${seconds}s"
  (cd fuzz && cargo +nightly fuzz run -s none "$t" "$work" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -print_final_stats=1) || status=1
done
exit $status
