"""Events and filters through web3.py: process_receipt, contract events get_logs, eth_getLogs,
and installed filters (contract event create_filter, block filter)."""

from conftest import wait
from eth_account import Account
from web3 import Web3

TRANSFER = Web3.keccak(text="Transfer(address,address,uint256)")


def _topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def test_process_receipt_and_get_logs(w3, token, account):
    to = Account.create().address
    receipt = wait(w3, token.functions.transfer(to, 31337).transact())
    [event] = token.events.Transfer().process_receipt(receipt)
    assert event["args"]["from"] == account.address
    assert event["args"]["to"] == to
    assert event["args"]["value"] == 31337
    assert event["transactionHash"] == receipt["transactionHash"]

    number = receipt["blockNumber"]
    events = token.events.Transfer.get_logs(
        argument_filters={"to": to}, from_block=number, to_block=number
    )
    assert [e["transactionHash"] for e in events] == [receipt["transactionHash"]]
    assert events[0]["args"]["value"] == 31337
    everything = token.events.Transfer.get_logs(argument_filters={"to": to}, from_block=0)
    assert len(everything) == 1

    logs = w3.eth.get_logs(
        {
            "address": token.address,
            "fromBlock": number,
            "toBlock": number,
            "topics": [TRANSFER, _topic(account.address), _topic(to)],
        }
    )
    assert len(logs) == 1
    assert logs[0]["blockHash"] == receipt["blockHash"]
    assert int.from_bytes(logs[0]["data"], "big") == 31337
    none = w3.eth.get_logs(
        {"address": token.address, "fromBlock": 0, "topics": [TRANSFER, None, _topic(Account.create().address)]}
    )
    assert none == []


def test_contract_event_filter(w3, token):
    to = Account.create().address
    event_filter = token.events.Transfer.create_filter(from_block="latest", argument_filters={"to": to})
    try:
        assert event_filter.get_new_entries() == []
        receipt = wait(w3, token.functions.transfer(to, 7).transact())
        entries = event_filter.get_new_entries()
        assert [e["transactionHash"] for e in entries] == [receipt["transactionHash"]]
        assert entries[0]["args"]["to"] == to
        assert event_filter.get_new_entries() == [], "changes are drained"
        assert [e["transactionHash"] for e in event_filter.get_all_entries()] == [receipt["transactionHash"]]
    finally:
        assert w3.eth.uninstall_filter(event_filter.filter_id)


def test_block_filter(w3):
    block_filter = w3.eth.filter("latest")
    try:
        receipt = wait(w3, w3.eth.send_transaction({"to": Account.create().address, "value": 1}))
        hashes = block_filter.get_new_entries()
        assert receipt["blockHash"] in hashes
    finally:
        assert w3.eth.uninstall_filter(block_filter.filter_id)
