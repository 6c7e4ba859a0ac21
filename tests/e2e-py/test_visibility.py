"""What the caller sees through web3.py: another account's balance, nonce and transaction
(hidden on the confidential target), and a transaction from the second signed-in address."""

from conftest import CONFIDENTIAL, OTHER_INDEX, RPC_URL, key, make_web3, raw_key, url_as, wait
from eth_account import Account


def test_another_accounts_data(w3):
    other = Account.from_key(raw_key(OTHER_INDEX))
    own = make_web3(url_as(other.key.hex()), other.key.hex())
    receipt = wait(own, own.eth.send_transaction({"to": Account.create().address, "value": 5}))
    assert own.eth.get_balance(other.address) > 0, "the account sees its own balance"

    balance = w3.eth.get_balance(other.address)
    nonce = w3.eth.get_transaction_count(other.address)
    if CONFIDENTIAL:
        assert balance == 0 and nonce == 0
    else:
        assert balance > 0 and nonce > 0
    tx_hash = receipt["transactionHash"]
    raw = w3.provider.make_request("eth_getTransactionByHash", [tx_hash.to_0x_hex()])
    assert (raw["result"] is None) == CONFIDENTIAL, raw
    raw = w3.provider.make_request("eth_getTransactionReceipt", [tx_hash.to_0x_hex()])
    assert (raw["result"] is None) == CONFIDENTIAL, raw
    block = w3.eth.get_block(receipt["blockNumber"])
    assert (tx_hash in block["transactions"]) != CONFIDENTIAL


def test_second_address_sends_through_the_same_url():
    second = Account.from_key(key(1))
    w3 = make_web3(RPC_URL, second.key.hex())
    first = Account.from_key(key(0)).address if CONFIDENTIAL else Account.create().address
    receipt = wait(w3, w3.eth.send_transaction({"to": first, "value": 777}))
    assert receipt["from"] == second.address
    assert w3.eth.get_transaction(receipt["transactionHash"])["value"] == 777
    assert w3.eth.get_balance(second.address) > 0
