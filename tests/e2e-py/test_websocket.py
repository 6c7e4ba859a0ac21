"""eth_subscribe over WebSocket with AsyncWeb3(WebSocketProvider): newHeads and logs."""

import asyncio

from conftest import TIMEOUT, WS_URL, key, KEY_INDEX
from eth_account import Account
from web3 import AsyncWeb3, WebSocketProvider

NEXT = 5  # seconds to wait for one notification before sending again


async def _send(w3: AsyncWeb3, account, tx: dict) -> dict:
    """Signs locally, sends over the socket and waits for the receipt."""
    tx = {
        "from": account.address,
        "nonce": await w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": await w3.eth.chain_id,
        "gas": tx.pop("gas", 100_000),
        "maxFeePerGas": 2 * (await w3.eth.get_block("latest"))["baseFeePerGas"] + 10**9,
        "maxPriorityFeePerGas": 10**9,
        **tx,
    }
    signed = account.sign_transaction(tx)
    tx_hash = await w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=TIMEOUT, poll_latency=0.1)
    assert receipt["status"] == 1
    return receipt


async def _next(w3: AsyncWeb3, subscription: str):
    """The next notification of `subscription` (others are skipped), within NEXT seconds."""

    async def read():
        async for message in w3.socket.process_subscriptions():
            if message["subscription"] == subscription:
                return message["result"]

    return await asyncio.wait_for(read(), NEXT)


def _run(coroutine):
    asyncio.run(asyncio.wait_for(coroutine, 90))


def test_new_heads_subscription():
    account = Account.from_key(key(KEY_INDEX))

    async def main():
        async with AsyncWeb3(WebSocketProvider(WS_URL)) as w3:
            subscription = await w3.eth.subscribe("newHeads")
            assert isinstance(subscription, str) and subscription.startswith("0x")
            try:
                head = None
                for _ in range(5):
                    receipt = await _send(w3, account, {"to": Account.create().address, "value": 1, "gas": 21_000})
                    try:
                        while True:
                            head = await _next(w3, subscription)
                            if head["number"] >= receipt["blockNumber"]:
                                break
                    except asyncio.TimeoutError:
                        continue
                    break
                assert head is not None and head["number"] >= receipt["blockNumber"], "no head over WebSocket"
                block = await w3.eth.get_block(head["number"])
                assert block["hash"] == head["hash"]
                assert block["parentHash"] == head["parentHash"]
            finally:
                assert await w3.eth.unsubscribe(subscription)

    _run(main())


def test_logs_subscription(token):
    account = Account.from_key(key(KEY_INDEX))
    to = Account.create().address
    data = token.functions.transfer(to, 99)._encode_transaction_data()

    async def main():
        async with AsyncWeb3(WebSocketProvider(WS_URL)) as w3:
            subscription = await w3.eth.subscribe("logs", {"address": token.address})
            try:
                sent = set()
                log = None
                for _ in range(5):
                    receipt = await _send(w3, account, {"to": token.address, "data": data})
                    sent.add(receipt["transactionHash"])
                    try:
                        log = await _next(w3, subscription)
                        break
                    except asyncio.TimeoutError:
                        continue
                assert log is not None, "no log over WebSocket"
                assert log["transactionHash"] in sent
                assert log["address"] == token.address
                event = token.events.Transfer().process_log(log)
                assert event["args"]["to"] == to
                assert event["args"]["value"] == 99
            finally:
                assert await w3.eth.unsubscribe(subscription)

    _run(main())
