#!/usr/bin/env bash
# End-to-end JSON-RPC suites with real clients: tests/e2e (ethers, viem, web3.js, solc-js, cast;
# node --test) and tests/e2e-py (web3.py; pytest), each run against
#   cloister      a fresh `cloister node --dev` over plain HTTP,
#   anvil         a fresh anvil,
#   confidential  a fresh Cloister node on a confidential chain (tests/e2e/lib/confidential-genesis.cjs)
#                 over TLS with a certificate made here, through the personal URL
#                 https://127.0.0.1:P/rpc/<token> of a sign-in that holds dev accounts 0 and 1
#                 (E2E_CONFIDENTIAL=1: see tests/e2e/README.md),
# all on free loopback ports. After the dev node: the Cloister-only suites (the sign-in and
# governance pages in headless Chromium, the confidential ERC-20 example). Exits non-zero if
# any run fails. The servers are always stopped; the last line counts every test that ran.
#
# Usage: scripts/e2e.sh [--only cloister|anvil|confidential] [-- NODE_TEST_ARGS...]
#   --only NAME     run against one target only (cloister also runs the Cloister-only suites)
#   NODE_TEST_ARGS  extra arguments for `node --test`, e.g. -- --test-name-pattern=revert
# Environment:
#   CLOISTER_BIN      a built cloister binary (otherwise `cargo build -p cloister` is run)
#   CARGO_TARGET_DIR  build dir (default $HOME/.cache/cloister-target)
#   CLOISTER_E2E_CACHE  npm install prefix (default $HOME/.cache/cloister-e2e); reused while
#                     tests/e2e/package-lock.json is unchanged
#   CLOISTER_E2E_VENV Python venv for tests/e2e-py (default $HOME/.cache/cloister-e2e-py);
#                     reused while tests/e2e-py/requirements.txt is unchanged
#   E2E_SUITE_TIMEOUT seconds one suite run may take (default 600)
#   PYTEST_ARGS       extra arguments for pytest, e.g. "-k websocket"
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
suite_dir="$repo/tests/e2e"
py_dir="$repo/tests/e2e-py"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cloister-target}"
cache="${CLOISTER_E2E_CACHE:-$HOME/.cache/cloister-e2e}"
venv="${CLOISTER_E2E_VENV:-$HOME/.cache/cloister-e2e-py}"
suite_timeout="${E2E_SUITE_TIMEOUT:-600}"
only=""
node_test_args=()
read -r -a pytest_args <<<"${PYTEST_ARGS:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      only="${2:-}"
      case "$only" in
        cloister|anvil|confidential) ;;
        *) echo "--only takes cloister, anvil or confidential" >&2; exit 2 ;;
      esac
      shift 2 ;;
    --) shift; node_test_args=("$@"); break ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
wants() { [ -z "$only" ] || [ "$only" = "$1" ]; }

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

# Debian packages by name, installed once if a command is missing.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "e2e: installing Debian packages: $*" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2 \
    || { $sudo apt-get update >&2 && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2; }
}

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

# Makes the Python venv for tests/e2e-py once per requirements.txt (every package pinned).
install_py() {
  local stamp="$venv/.requirements-sha256" want
  want="$(sha256sum "$py_dir/requirements.txt" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "e2e: installing Python packages into $venv" >&2
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv python3-pip
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  local started=$SECONDS
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$py_dir/requirements.txt" >&2
  echo "$want" >"$stamp"
  echo "e2e: pip install took $((SECONDS - started))s" >&2
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
# Extra curl arguments (a CA file) may follow.
wait_for_rpc() {
  local url="$1" seconds="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    if curl -sf -m 1 "$@" -H 'content-type: application/json' \
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

# Counts of every suite run, for the closing line.
total_pass=0
total_fail=0
# Reads the pass/fail counts in log $1 (node's spec reporter or pytest's summary line) into
# counts ("N passed, M failed") and adds them to the totals.
count_results() {
  local log="$1" pass fail line
  pass="$(grep -aE '^ℹ pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
  fail="$(grep -aE '^ℹ fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)"
  if [ -z "$pass$fail" ]; then
    line="$(grep -aE '^=+ .* in [0-9.]+s' "$log" | tail -1 || true)"
    pass="$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || true)"
    fail="$(grep -oE '[0-9]+ (failed|errors?)' <<<"$line" | awk '{n += $1} END {print n + 0}')"
  fi
  pass="${pass:-0}"
  fail="${fail:-0}"
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  counts="$pass passed, $fail failed"
}

# Runs the JS suite, then the Python suite, against target $1 at HTTP(S) URL $2 and WS URL $3;
# further arguments (VAR=VALUE) are set in both suites' environment.
run_suites() {
  local name="$1" url="$2" ws="$3" status=0 started=$SECONDS js_counts py_counts shown
  shift 3
  # A personal URL's token is a credential: never printed.
  shown="${url%%/rpc/*}"
  [ "$shown" = "$url" ] || shown="$shown/rpc/<token>"
  local extra_env=("$@") concurrency=()
  # On the confidential target every file sends from the same two addresses: one at a time.
  case " ${extra_env[*]} " in *" E2E_CONFIDENTIAL=1 "*) concurrency=(--test-concurrency=1) ;; esac
  echo "=== e2e (JS) against $name ($shown) ===" >&2
  (
    cd "$repo"
    env "${extra_env[@]}" RPC_URL="$url" WS_URL="$ws" NODE_PATH="$cache/node_modules" \
      E2E_BUILD_DIR="$cache/build" \
      timeout --kill-after=10 "$suite_timeout" \
      node --test --test-reporter=spec --test-timeout=180000 "${concurrency[@]}" "${node_test_args[@]}" \
      "$suite_dir"/*.test.cjs
  ) 2>&1 | tee "$workdir/$name-js.log" >&2 || status=1
  count_results "$workdir/$name-js.log"
  js_counts="$counts"

  echo "=== e2e (web3.py) against $name ($shown) ===" >&2
  (
    cd "$py_dir"
    env "${extra_env[@]}" RPC_URL="$url" WS_URL="$ws" E2E_ARTIFACTS="$workdir/artifacts.json" \
      timeout --kill-after=10 "$suite_timeout" \
      "$venv/bin/python" -m pytest -p no:cacheprovider "${pytest_args[@]}"
  ) 2>&1 | tee "$workdir/$name-py.log" >&2 || status=1
  count_results "$workdir/$name-py.log"
  py_counts="$counts"

  echo "=== e2e against $name: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - started))s (JS: $js_counts; web3.py: $py_counts) ===" >&2
  summary+=("$name: JS $js_counts; web3.py $py_counts")
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

# A CA and a server certificate for 127.0.0.1 signed by it (the clients trust the CA only).
make_tls() {
  local dir="$workdir/tls"
  mkdir -p "$dir"
  command -v openssl >/dev/null || apt_install openssl
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=Cloister e2e test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$dir/node.key" -out "$dir/node.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$dir/node.ext"
  openssl x509 -req -in "$dir/node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/node.ext" -out "$dir/node.pem" 2>/dev/null
  # PKCS#8 key (what rustls-pemfile reads for any curve).
  openssl pkcs8 -topk8 -nocrypt -in "$dir/node.key" -out "$dir/node-pkcs8.key"
  # SSL_CERT_FILE / REQUESTS_CA_BUNDLE replace the system roots: the system bundle plus ours.
  cat /etc/ssl/certs/ca-certificates.crt "$dir/ca.pem" >"$dir/bundle.pem" 2>/dev/null \
    || cp "$dir/ca.pem" "$dir/bundle.pem"
}

# The confidential target: init a datadir from the confidential genesis, start the node over
# TLS (not --dev), sign in as dev account 0, add dev account 1 to the same token, and run the
# suites through the personal URL. Sets server_pid; adds to failed.
run_confidential() {
  local log="$workdir/confidential.log" data="$workdir/confidential-data" started=false
  # The sealing key: a fixed key that is none of the dev accounts.
  local validator_key=0x5f0c3c3f5b4f6e0e0a1f8a62d6c2b2f9c1d44a5e7b3b0c6e4a8d2f1e9c7b5a31
  local key0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
  local key1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
  make_tls
  NODE_PATH="$cache/node_modules" node "$suite_dir/lib/confidential-genesis.cjs" \
    "$repo/genesis/dev.json" "$validator_key" "$workdir/confidential-genesis.json"
  for attempt in 1 2 3; do
    port="$(free_port)"
    rm -rf "$data"
    if ! "$cloister_bin" init --genesis "$workdir/confidential-genesis.json" --datadir "$data" >"$log" 2>&1; then
      echo "e2e: cloister init failed:" >&2
      tail -20 "$log" >&2
      break
    fi
    "$cloister_bin" node --datadir "$data" --host 127.0.0.1 --port "$port" \
      --validator-key "$validator_key" \
      --tls-cert "$workdir/tls/node.pem" --tls-key "$workdir/tls/node-pkcs8.key" >>"$log" 2>&1 &
    server_pid=$!
    if wait_for_rpc "https://127.0.0.1:$port" 60 --cacert "$workdir/tls/ca.pem"; then
      started=true
      break
    fi
    echo "e2e: the confidential node did not start (attempt $attempt); its log ends with:" >&2
    tail -20 "$log" >&2 || true
    stop_server
  done
  if ! $started; then
    failed+=(confidential)
    return 0
  fi
  local base="https://127.0.0.1:$port" session rpc_url
  echo "e2e: signing in at $base as dev accounts 0 and 1 (one token)" >&2
  if ! session="$(NODE_EXTRA_CA_CERTS="$workdir/tls/ca.pem" NODE_PATH="$cache/node_modules" \
    timeout 60 node "$suite_dir/lib/signin.cjs" "$base" "$key0" "$key1")"; then
    echo "e2e: sign-in failed; the node log ends with:" >&2
    tail -20 "$log" >&2 || true
    failed+=(confidential)
    stop_server
    return 0
  fi
  rpc_url="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).rpcUrl)' "$session")"
  case "$rpc_url" in
    "$base"/rpc/*) ;;
    *) echo "e2e: unexpected personal URL from sign-in (not under $base/rpc/)" >&2; failed+=(confidential); stop_server; return 0 ;;
  esac
  if ! run_suites confidential "$rpc_url" "${rpc_url/#https/wss}" \
    E2E_CONFIDENTIAL=1 E2E_CALLER_KEYS=2 NODE_EXTRA_CA_CERTS="$workdir/tls/ca.pem" \
    SSL_CERT_FILE="$workdir/tls/bundle.pem" REQUESTS_CA_BUNDLE="$workdir/tls/bundle.pem"; then
    failed+=(confidential)
    echo "e2e: the confidential node's log ends with:" >&2
    tail -20 "$log" >&2 || true
  fi
  stop_server
}

install_deps
install_py
anvil_bin="$cache/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
cloister_bin="${CLOISTER_BIN:-}"
failed=()
summary=()
# The contracts compiled once with solc-js; the Python suite reads the same artifacts.
NODE_PATH="$cache/node_modules" E2E_BUILD_DIR="$cache/build" \
  node "$suite_dir/lib/compile.cjs" "$workdir/artifacts.json"

if wants cloister || wants confidential; then
  if [ -z "$cloister_bin" ]; then
    echo "e2e: building cloister" >&2
    if (cd "$repo" && cargo build -p cloister); then
      cloister_bin="$CARGO_TARGET_DIR/debug/cloister"
    else
      echo "e2e: building cloister failed" >&2
    fi
  fi
fi

if wants cloister; then
  if [ -z "$cloister_bin" ]; then
    failed+=(cloister)
  elif launch cloister; then
    run_suites cloister "http://127.0.0.1:$port" "ws://127.0.0.1:$port" || failed+=(cloister)
  else
    failed+=(cloister)
  fi
  stop_server
fi

# Cloister-only suites: the sign-in and governance pages in headless Chromium, and the
# confidential ERC-20 example (each starts its own dev node).
if wants cloister && [ -n "$cloister_bin" ]; then
  echo "=== sign-in page in headless Chromium ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/tests/signin/run.sh" 2>&1 | tee "$workdir/signin.log" >&2 \
    || failed+=(signin)
  count_results "$workdir/signin.log"
  summary+=("signin: $counts")
  echo "=== governance page in headless Chromium ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/tests/governance-page/run.sh" 2>&1 \
    | tee "$workdir/governance-page.log" >&2 || failed+=(governance-page)
  count_results "$workdir/governance-page.log"
  summary+=("governance-page: $counts")
  echo "=== governance on a 3-validator devnet ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/tests/governance/run.sh" 2>&1 \
    | tee "$workdir/governance.log" >&2 || failed+=(governance)
  count_results "$workdir/governance.log"
  summary+=("governance: $counts")
  echo "=== confidential ERC-20 example ===" >&2
  CLOISTER_BIN="$cloister_bin" "$repo/examples/confidential-erc20/run.sh" 2>&1 \
    | tee "$workdir/confidential-erc20.log" >&2 || failed+=(confidential-erc20)
  count_results "$workdir/confidential-erc20.log"
  summary+=("confidential-erc20: $counts")
fi

if wants confidential; then
  if [ -z "$cloister_bin" ]; then
    failed+=(confidential)
  else
    run_confidential
  fi
fi

if wants anvil; then
  if launch anvil; then
    run_suites anvil "http://127.0.0.1:$port" "ws://127.0.0.1:$port" || failed+=(anvil)
  else
    failed+=(anvil)
  fi
  stop_server
fi

for line in "${summary[@]}"; do echo "e2e: $line" >&2; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "e2e: FAILED against: ${failed[*]}" >&2
  echo "e2e: $total_pass passed, $total_fail failed"
  exit 1
fi
echo "e2e: all runs passed" >&2
echo "e2e: $total_pass passed, $total_fail failed"
