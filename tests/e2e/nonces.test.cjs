// 200 sends in parallel from one account through ethers' NonceManager: every transaction is
// mined, with the nonces 0..199 each exactly once.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const { connect, connectAs, unlessHidden } = require('./lib/env.cjs');

const KEY_INDEX = 3;
const SENDS = 200;

/** Polls until `check()` is truthy, at most `ms` milliseconds; returns the last value. */
async function pollUntil(ms, check) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('parallel sends', () => {
  let node;

  before(async () => {
    node = await connect();
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test(`${SENDS} transfers sent at once from a fresh account get nonces 0..${SENDS - 1}`, { timeout: 180_000 }, async () => {
    // A fresh sender, so its nonces start at 0 whatever ran on this node before. On the
    // confidential target it signs in on its own (connectAs), so it sees its own transactions.
    const funder = node.wallet(KEY_INDEX);
    const fresh = ethers.Wallet.createRandom();
    const own = await connectAs(fresh.privateKey);
    try {
      const sender = fresh.connect(own.provider);
      const funding = await funder.sendTransaction({ to: sender.address, value: ethers.parseEther('10') });
      assert.equal((await funding.wait(1, 30_000)).status, 1);
      assert.equal(await own.provider.getTransactionCount(sender.address, 'pending'), 0);

      const recipient = ethers.Wallet.createRandom().address;
      const managed = new ethers.NonceManager(sender);
      const sent = await Promise.all(
        Array.from({ length: SENDS }, () => managed.sendTransaction({ to: recipient, value: 1n })),
      );
      const hashes = sent.map((tx) => tx.hash);
      assert.equal(new Set(hashes).size, SENDS, 'distinct transaction hashes');

      const mined = await pollUntil(120_000, async () => {
        const count = await own.provider.getTransactionCount(sender.address, 'latest');
        return count === SENDS ? count : 0;
      });
      assert.equal(mined, SENDS, 'all transactions mined (latest nonce of the sender)');

      const receipts = await Promise.all(hashes.map((hash) => own.publicClient.getTransactionReceipt({ hash })));
      for (const receipt of receipts) assert.equal(receipt.status, 'success', `receipt ${receipt.transactionHash}`);
      const txs = await Promise.all(hashes.map((hash) => own.publicClient.getTransaction({ hash })));
      const nonces = txs.map((tx) => tx.nonce).sort((a, b) => a - b);
      assert.deepEqual(nonces, Array.from({ length: SENDS }, (_, i) => i));
      for (const tx of txs) assert.equal(tx.from.toLowerCase(), sender.address.toLowerCase());
      // The recipient is another account: its balance reads 0 on a confidential chain.
      assert.equal(await own.provider.getBalance(recipient), unlessHidden(BigInt(SENDS), 0n));
    } finally {
      await own.close();
    }
  });
});
