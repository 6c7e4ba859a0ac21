#!/usr/bin/env bash
# Rebuilds crates/bench/src/erc20/bench_token.hex from BenchToken.sol with solc-js from npm.
# solc-js is installed in a cache dir outside the repository, pinned to the version below.
set -euo pipefail
SOLC_VERSION=0.8.37
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${CLOISTER_NPM_CACHE:-$HOME/.cache/cloister-npm}/solc-$SOLC_VERSION"
if [ ! -d "$cache/node_modules/solc" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" "solc@$SOLC_VERSION" >/dev/null
fi
NODE_PATH="$cache/node_modules" node "$here/compile.js" "$here/BenchToken.sol" \
  > "$repo/crates/bench/src/erc20/bench_token.hex"
echo "wrote crates/bench/src/erc20/bench_token.hex"
