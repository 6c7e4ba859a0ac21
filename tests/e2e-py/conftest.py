"""web3.py against the node under test: connection, funded keys, contract artifacts.

Environment (the same as the JS suite in tests/e2e):
  RPC_URL           HTTP(S) JSON-RPC endpoint (required); on the confidential target a personal
                    URL https://host:port/rpc/<token>
  WS_URL            WebSocket endpoint (default: RPC_URL with http -> ws)
  PRIVATE_KEYS      comma-separated funded keys (default: the first 10 keys of MNEMONIC)
  MNEMONIC          default: the dev mnemonic shared by anvil and `cloister node --dev`
  E2E_CONFIDENTIAL  1: a confidential chain; only the E2E_CALLER_KEYS (default 2) signed-in
                    addresses are the caller, and tests assert the confidential answer where
                    the caller may not see the subject (tests/e2e/README.md)
  E2E_ARTIFACTS     the JSON that tests/e2e/lib/compile.cjs writes (solc-js output); without
                    it the suite runs `node tests/e2e/lib/compile.cjs` itself (NODE_PATH must
                    reach solc and @openzeppelin/contracts)

No proof-of-authority middleware is installed: blocks must be plain Ethereum blocks.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import tempfile

import pytest
from eth_account import Account
from web3 import HTTPProvider, Web3
from web3.middleware import SignAndSendRawMiddlewareBuilder

DEV_MNEMONIC = "test test test test test test test test test test test junk"
REPO = pathlib.Path(__file__).resolve().parents[2]

RPC_URL = os.environ.get("RPC_URL", "")
WS_URL = os.environ.get("WS_URL") or RPC_URL.replace("http", "ws", 1)
CONFIDENTIAL = os.environ.get("E2E_CONFIDENTIAL") == "1"
CALLER_KEYS = int(os.environ.get("E2E_CALLER_KEYS", "2"))
# The suite's own key (the JS files use 0..9 while they run; this suite runs after them).
KEY_INDEX = 9
# "Another account" for the visibility checks: never one of the signed-in addresses.
OTHER_INDEX = 7
TIMEOUT = 30


def _funded_keys() -> list[str]:
    if os.environ.get("PRIVATE_KEYS"):
        return [k.strip() for k in os.environ["PRIVATE_KEYS"].split(",") if k.strip()]
    Account.enable_unaudited_hdwallet_features()
    phrase = os.environ.get("MNEMONIC", DEV_MNEMONIC)
    return [
        Account.from_mnemonic(phrase, account_path=f"m/44'/60'/0'/0/{i}").key.hex()
        for i in range(10)
    ]


KEYS = _funded_keys()


def raw_key(index: int) -> str:
    """Funded key #index itself (also on the confidential target)."""
    if index >= len(KEYS):
        raise RuntimeError(f"need funded key #{index}, have {len(KEYS)}")
    key = KEYS[index]
    return key if key.startswith("0x") else "0x" + key


def key(index: int) -> str:
    """The key a test sends with: on the confidential target one of the signed-in addresses."""
    return raw_key(index % CALLER_KEYS if CONFIDENTIAL else index)


def unless_hidden(dev, hidden):
    """`dev` on a dev chain or anvil, `hidden` where the caller may not see the subject."""
    return hidden if CONFIDENTIAL else dev


def make_web3(url: str, private_key: str | None = None) -> Web3:
    """A Web3 over HTTP(S) with the signing middleware for `private_key` (no PoA middleware)."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": TIMEOUT}))
    if private_key:
        account = Account.from_key(private_key)
        w3.middleware_onion.inject(SignAndSendRawMiddlewareBuilder.build(account), layer=0)
        w3.eth.default_account = account.address
    return w3


def base_of(url: str) -> str:
    """scheme://host:port of a URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def sign_in(base: str, private_key: str, token: str | None = None) -> dict:
    """Sign-in with Ethereum at `base`: GET /signin/nonce, the EIP-4361 text, POST /signin."""
    import requests
    from eth_account.messages import encode_defunct

    account = Account.from_key(private_key)
    challenge = requests.get(
        f"{base}/signin/nonce", params={"address": account.address}, timeout=TIMEOUT
    )
    challenge.raise_for_status()
    c = challenge.json()
    message = (
        f"{c['domain']} wants you to sign in with your Ethereum account:\n"
        f"{c.get('address') or account.address}\n\n"
        f"{c['statement']}\n\n"
        f"URI: {c['uri']}\n"
        f"Version: {c.get('version', '1')}\n"
        f"Chain ID: {c['chainId']}\n"
        f"Nonce: {c['nonce']}\n"
        f"Issued At: {c['issuedAt']}\n"
        f"Expiration Time: {c['expirationTime']}"
    )
    signed = account.sign_message(encode_defunct(text=message))
    body = {"message": message, "signature": "0x" + signed.signature.hex().removeprefix("0x")}
    headers = {}
    if token:
        body["token"] = token
        headers["Authorization"] = f"Bearer {token}"
    answer = requests.post(f"{base}/signin", json=body, headers=headers, timeout=TIMEOUT)
    assert answer.status_code == 200, f"sign-in of {account.address}: {answer.status_code} {answer.text}"
    return answer.json()


def url_as(private_key: str) -> str:
    """The URL through which the owner of `private_key` sees its own data: on the confidential
    target a personal URL of its own (it signs in), elsewhere RPC_URL."""
    if not CONFIDENTIAL:
        return RPC_URL
    return sign_in(base_of(RPC_URL), private_key)["rpcUrl"]


def pytest_configure(config):
    if not RPC_URL:
        raise pytest.UsageError("RPC_URL is not set (e.g. http://127.0.0.1:8545)")


@pytest.fixture(scope="session")
def artifacts() -> dict:
    path = os.environ.get("E2E_ARTIFACTS")
    if path:
        return json.loads(pathlib.Path(path).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "artifacts.json"
        subprocess.run(
            ["node", str(REPO / "tests/e2e/lib/compile.cjs"), str(out)],
            check=True,
            timeout=300,
        )
        return json.loads(out.read_text())


@pytest.fixture(scope="session")
def account():
    return Account.from_key(key(KEY_INDEX))


@pytest.fixture(scope="session")
def w3(account) -> Web3:
    w3 = make_web3(RPC_URL, account.key.hex())
    assert w3.is_connected(), f"no node at {RPC_URL}"
    return w3


def wait(w3: Web3, tx_hash) -> dict:
    """The receipt of `tx_hash`, which must have succeeded."""
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=TIMEOUT, poll_latency=0.1)
    assert receipt["status"] == 1, f"transaction {tx_hash.hex()} failed: {dict(receipt)}"
    return receipt


def deploy(w3: Web3, artifacts: dict, name: str, *args):
    """Deploys artifact `name` through the signing middleware; returns (contract, receipt)."""
    art = artifacts[name]
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = wait(w3, factory.constructor(*args).transact())
    return w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"]), receipt


@pytest.fixture(scope="session")
def token(w3, artifacts):
    contract, _ = deploy(w3, artifacts, "E2EToken", 10**24)
    return contract


@pytest.fixture(scope="session")
def probe(w3, artifacts):
    contract, _ = deploy(w3, artifacts, "Probe", 5)
    return contract
