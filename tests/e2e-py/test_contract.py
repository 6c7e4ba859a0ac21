"""Contracts through web3.py's signing middleware (SignAndSendRawMiddlewareBuilder with a dev
key): deploy, transact, call, revert decoding, gas estimation, gas price and fee history."""

import pytest
from conftest import deploy, wait
from eth_account import Account
from web3.exceptions import ContractCustomError, ContractLogicError
from web3 import Web3


def test_deploy_transact_and_call(w3, artifacts, account):
    probe, receipt = deploy(w3, artifacts, "Probe", 11)
    assert receipt["contractAddress"] == probe.address
    assert len(w3.eth.get_code(probe.address)) > 0
    assert probe.functions.stored().call() == 11

    tx_hash = probe.functions.set(77).transact()
    receipt = wait(w3, tx_hash)
    assert receipt["to"] == probe.address
    assert receipt["from"] == account.address
    assert probe.functions.stored().call() == 77
    # A historical call sees the value before the transaction.
    assert probe.functions.stored().call(block_identifier=receipt["blockNumber"] - 1) == 11
    tx = w3.eth.get_transaction(tx_hash)
    assert tx["type"] == 2
    assert tx["chainId"] == w3.eth.chain_id


def test_erc20_transfer_and_balance_of(w3, token, account):
    assert token.functions.symbol().call() == "E2E"
    supply = token.functions.totalSupply().call()
    assert token.functions.balanceOf(account.address).call() == supply
    to = Account.create().address
    receipt = wait(w3, token.functions.transfer(to, 5000).transact())
    assert len(receipt["logs"]) == 1
    assert token.functions.balanceOf(to).call() == 5000


def test_reverts_are_decoded(w3, probe, account):
    with pytest.raises(ContractCustomError) as custom:
        probe.functions.guarded(7).call()
    data = custom.value.data
    selector = Web3.keccak(text="Unauthorized(address,uint256)")[:4].hex()
    assert data.removeprefix("0x").startswith(selector.removeprefix("0x")), data
    assert account.address[2:].lower() in data.lower(), "msg.sender is the caller"
    with pytest.raises(ContractLogicError, match="Probe: value too small"):
        probe.functions.checked(3).call()
    with pytest.raises(ContractLogicError, match="Probe: value too small"):
        probe.functions.checked(4).estimate_gas()


def test_gas_estimation(w3, probe):
    estimate = probe.functions.set(123).estimate_gas()
    assert 21_000 < estimate < 200_000
    plain = w3.eth.estimate_gas({"to": Account.create().address, "value": 1})
    assert plain == 21_000
    receipt = wait(w3, probe.functions.set(124).transact({"gas": estimate}))
    assert receipt["gasUsed"] <= estimate


def test_gas_price_and_fee_history(w3):
    latest = w3.eth.get_block("latest")
    assert w3.eth.gas_price >= latest["baseFeePerGas"]
    assert w3.eth.max_priority_fee >= 0
    count = min(4, latest["number"] + 1)
    history = w3.eth.fee_history(count, "latest", [25, 75])
    assert history["oldestBlock"] == latest["number"] - count + 1
    assert len(history["baseFeePerGas"]) == count + 1
    assert len(history["gasUsedRatio"]) == count
    assert len(history["reward"]) == count
    assert all(len(r) == 2 for r in history["reward"])
    assert all(0 <= ratio <= 1 for ratio in history["gasUsedRatio"])
    assert history["baseFeePerGas"][count - 1] == latest["baseFeePerGas"]
