// What one caller sees: its own contract event (eth_getLogs and the block's logsBloom), a
// transaction from the second address of the same sign-in, and another account's balance,
// nonce and transaction. On a dev chain and anvil everything is visible; on the confidential
// target (E2E_CONFIDENTIAL=1) the other account's data reads as if it did not exist.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const { connect, connectAs, key, rawKey, CONFIDENTIAL, RPC_URL } = require('./lib/env.cjs');
const { deploy } = require('./lib/deploy.cjs');
const { baseOf } = require('./lib/signin.cjs');

// Keys of this file (the other files use 0..6 at the same time). On the confidential target
// key(i) is one of the two signed-in addresses (8: the first, 9 and 7: the second), while
// account 7 itself (rawKey) is "another account", never the caller.
const EMITTER_INDEX = 7;
const FIRST_INDEX = 8;
const SECOND_INDEX = 9;
const OTHER_INDEX = 7;
const T = { timeout: 60_000 };

/** Whether a 2048-bit logs bloom has the three bits of `bytes` set (the yellow paper's M3:2048). */
function bloomHas(bloom, bytes) {
  const bits = BigInt(bloom);
  const hash = ethers.getBytes(ethers.keccak256(bytes));
  for (let i = 0; i < 6; i += 2) {
    const bit = ((hash[i] << 8) | hash[i + 1]) & 2047;
    if (((bits >> BigInt(bit)) & 1n) === 0n) return false;
  }
  return true;
}

/** One JSON-RPC request to `url` with no credential beyond what the URL holds. */
async function rawRpc(url, method, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  return response.json();
}

describe('what the caller sees', () => {
  let node;

  before(async () => {
    node = await connect();
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test("the caller's own contract event: eth_getLogs and the block's logsBloom", T, async () => {
    const wallet = node.wallet(EMITTER_INDEX);
    const probe = await deploy(wallet, 'Probe', [1n]);
    const tx = await probe.contract.set(4242n);
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.logs.length, 1);

    const logs = await node.provider.getLogs({
      address: probe.address,
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.equal(logs.length, 1, 'the emitter finds its event through eth_getLogs');
    assert.equal(logs[0].transactionHash, receipt.hash);
    const [stored] = probe.contract.interface.decodeEventLog('Stored', logs[0].data, logs[0].topics).slice(1);
    assert.equal(stored, 4242n);

    // The bloom of the block as the emitter gets it holds the address and both topics.
    const block = await node.publicClient.getBlock({ blockNumber: BigInt(receipt.blockNumber) });
    assert.equal(block.hash, receipt.blockHash);
    assert.ok(bloomHas(block.logsBloom, probe.address), `logsBloom lacks the emitting address: ${block.logsBloom}`);
    for (const topic of logs[0].topics) {
      assert.ok(bloomHas(block.logsBloom, topic), `logsBloom lacks topic ${topic}`);
    }
    // And the receipt's bloom too.
    const viemReceipt = await node.publicClient.getTransactionReceipt({ hash: receipt.hash });
    assert.ok(bloomHas(viemReceipt.logsBloom, probe.address), 'receipt logsBloom lacks the address');
  });

  test('a transaction from the second address of the same sign-in, through the same URL', T, async () => {
    const first = node.wallet(FIRST_INDEX);
    const second = node.wallet(SECOND_INDEX);
    if (CONFIDENTIAL) assert.notEqual(first.address, second.address, 'two distinct signed-in addresses');
    const nonceBefore = await node.provider.getTransactionCount(second.address, 'latest');
    const firstBefore = await node.provider.getBalance(first.address);
    const tx = await second.sendTransaction({ to: first.address, value: 12345n });
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.from, second.address);
    const mined = await node.provider.getTransaction(tx.hash);
    assert.equal(mined.from, second.address);
    assert.equal(mined.value, 12345n);
    assert.equal(await node.provider.getTransactionCount(second.address, 'latest'), nonceBefore + 1);
    // Both ends are the caller's own: the balances are the real ones.
    assert.equal(await node.provider.getBalance(first.address), firstBefore + 12345n);
    assert.ok((await node.provider.getBalance(second.address)) > 0n);
    const block = await node.provider.getBlock(receipt.blockNumber);
    assert.ok(block.transactions.includes(tx.hash), 'listed in its block');
    // eth_call as the second address (`from` names it explicitly).
    const seen = await node.provider.call({ from: second.address, to: first.address, data: '0x' });
    assert.equal(seen, '0x');
  });

  test("another account's balance, nonce, transaction and receipt", T, async () => {
    const otherKey = rawKey(OTHER_INDEX);
    const other = new ethers.Wallet(otherKey);
    // The other account signs in on its own (confidential target) and sends a transaction.
    const own = await connectAs(otherKey);
    let hash;
    let blockNumber;
    let index;
    try {
      const sender = other.connect(own.provider);
      const tx = await sender.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 99n });
      const receipt = await tx.wait(1, 30_000);
      assert.equal(receipt.status, 1);
      hash = tx.hash;
      blockNumber = receipt.blockNumber;
      index = receipt.index;
      assert.ok((await own.provider.getBalance(other.address)) > 0n, 'the account sees its own balance');
    } finally {
      await own.close();
    }
    // The same things asked by the caller.
    const balance = await node.provider.getBalance(other.address);
    if (CONFIDENTIAL) assert.equal(balance, 0n, "another account's balance reads 0x0");
    else assert.ok(balance > 0n);
    const count = await node.provider.getTransactionCount(other.address, 'latest');
    if (CONFIDENTIAL) assert.equal(count, 0, "another account's nonce reads 0");
    else assert.ok(count > 0);
    const tx = await node.provider.getTransaction(hash);
    assert.equal(tx === null, CONFIDENTIAL, `getTransaction: ${JSON.stringify(tx)}`);
    const receipt = await node.provider.getTransactionReceipt(hash);
    assert.equal(receipt === null, CONFIDENTIAL, 'getTransactionReceipt');
    const block = await node.provider.getBlock(blockNumber);
    assert.ok(block, 'the block header is there for every signed-in caller');
    assert.equal(block.transactions.includes(hash), !CONFIDENTIAL, 'the block lists the transaction');
    const byIndex = await rawRpc(node.rpcUrl, 'eth_getTransactionByBlockNumberAndIndex', [
      ethers.toQuantity(blockNumber),
      ethers.toQuantity(index),
    ]);
    assert.equal(byIndex.result?.hash === hash, !CONFIDENTIAL, JSON.stringify(byIndex));
  });

  test('an anonymous caller (no token) gets chain metadata only', T, async () => {
    // The node's root URL without the personal path (on a dev chain and anvil: RPC_URL itself).
    const anonymous = CONFIDENTIAL ? baseOf(RPC_URL) : RPC_URL;
    const chainId = await rawRpc(anonymous, 'eth_chainId', []);
    assert.equal(Number(chainId.result), node.chainId);
    const balance = await rawRpc(anonymous, 'eth_getBalance', [node.wallet(FIRST_INDEX).address, 'latest']);
    if (CONFIDENTIAL) {
      assert.equal(balance.error?.code, -32601, `anonymous eth_getBalance: ${JSON.stringify(balance)}`);
    } else {
      assert.ok(BigInt(balance.result) > 0n, JSON.stringify(balance));
    }
  });

  test('cloister_whoami names the signed-in addresses', { ...T, skip: !CONFIDENTIAL && 'confidential target only' }, async () => {
    const who = await node.provider.send('cloister_whoami', []);
    assert.equal(who.address?.toLowerCase(), new ethers.Wallet(key(0)).address.toLowerCase(), JSON.stringify(who));
    if (who.addresses) {
      const got = who.addresses.map((a) => a.toLowerCase()).sort();
      const want = [key(0), key(1)].map((k) => new ethers.Wallet(k).address.toLowerCase()).sort();
      assert.deepEqual(got, want);
    }
    assert.equal((await node.provider.send('cloister_policy', [])).mode, 'confidential');
  });
});
