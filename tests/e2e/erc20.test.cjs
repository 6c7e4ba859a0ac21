// OpenZeppelin ERC-20 compiled with solc-js: deploy, transfers, balanceOf via eth_call, and the
// Transfer events through eth_getLogs and a WebSocket subscription (ethers and viem).
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const viem = require('viem');
const { connect, within } = require('./lib/env.cjs');
const { deploy } = require('./lib/deploy.cjs');

const KEY_INDEX = 0;
const SUPPLY = 1_000_000n * 10n ** 18n;
const T = { timeout: 60_000 };

describe('ERC-20 (OpenZeppelin, solc-js)', () => {
  let node;
  let owner;
  let token;
  let lastTransfer; // { hash, blockNumber, to, amount } of the transfer test

  before(async () => {
    node = await connect();
    owner = node.wallet(KEY_INDEX);
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test('deploys and answers name, symbol, decimals, totalSupply via eth_call (ethers)', T, async () => {
    const deployed = await deploy(owner, 'E2EToken', [SUPPLY]);
    token = deployed;
    assert.equal(deployed.receipt.status, 1);
    assert.equal(deployed.receipt.contractAddress, deployed.address);
    const code = await node.provider.getCode(deployed.address);
    assert.ok(code.length > 2, 'deployed code is empty');
    const c = deployed.contract;
    assert.equal(await c.name(), 'Cloister E2E Token');
    assert.equal(await c.symbol(), 'E2E');
    assert.equal(await c.decimals(), 18n);
    assert.equal(await c.totalSupply(), SUPPLY);
    assert.equal(await c.balanceOf(owner.address), SUPPLY);
  });

  test('transfer moves balances; balanceOf via eth_call agrees in ethers and viem', T, async () => {
    assert.ok(token, 'token was not deployed');
    const recipient = ethers.Wallet.createRandom().address;
    const amount = 1234n * 10n ** 15n;
    const tx = await token.contract.transfer(recipient, amount);
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.logs.length, 1, 'one Transfer log in the receipt');
    lastTransfer = { hash: tx.hash, blockNumber: receipt.blockNumber, to: recipient, amount };

    assert.equal(await token.contract.balanceOf(recipient), amount);
    const viaViem = await node.publicClient.readContract({
      address: token.address,
      abi: token.abi,
      functionName: 'balanceOf',
      args: [recipient],
    });
    assert.equal(viaViem, amount);
    const ownerBalance = await node.publicClient.readContract({
      address: token.address,
      abi: token.abi,
      functionName: 'balanceOf',
      args: [owner.address],
      blockNumber: BigInt(receipt.blockNumber),
    });
    assert.equal(ownerBalance, SUPPLY - amount);
    // The balance before the transfer, through a historical eth_call.
    const before = await token.contract.balanceOf(owner.address, { blockTag: receipt.blockNumber - 1 });
    assert.equal(before, SUPPLY);
  });

  test('Transfer events via eth_getLogs (ethers queryFilter and viem getLogs)', T, async () => {
    assert.ok(lastTransfer, 'no transfer to look for');
    const { hash, blockNumber, to, amount } = lastTransfer;
    const filter = token.contract.filters.Transfer(owner.address, to);
    const events = await token.contract.queryFilter(filter, blockNumber, blockNumber);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event.transactionHash, hash);
    assert.equal(event.args.from, owner.address);
    assert.equal(event.args.to, to);
    assert.equal(event.args.value, amount);
    assert.equal(event.removed, false);

    const transferEvent = viem.getAbiItem({ abi: token.abi, name: 'Transfer' });
    const logs = await node.publicClient.getLogs({
      address: token.address,
      event: transferEvent,
      args: { to },
      fromBlock: 0n,
      toBlock: 'latest',
    });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, hash);
    assert.equal(logs[0].args.value, amount);
    assert.equal(logs[0].blockNumber, BigInt(blockNumber));
    const block = await node.publicClient.getBlock({ blockNumber: BigInt(blockNumber) });
    assert.equal(logs[0].blockHash, block.hash);

    // A topic filter that matches nothing returns an empty list, not an error.
    const none = await node.publicClient.getLogs({
      address: token.address,
      event: transferEvent,
      args: { to: ethers.Wallet.createRandom().address },
      fromBlock: 0n,
      toBlock: 'latest',
    });
    assert.deepEqual(none, []);
  });

  test('Transfer event via WebSocket eth_subscribe logs (viem watchContractEvent)', T, async () => {
    assert.ok(token, 'token was not deployed');
    const ws = node.wsPublicClient();
    const to = ethers.Wallet.createRandom().address;
    const amount = 77n;
    const sent = new Set();
    let unwatch;
    const received = new Promise((resolve, reject) => {
      unwatch = ws.watchContractEvent({
        address: token.address,
        abi: token.abi,
        eventName: 'Transfer',
        args: { to },
        onLogs: (logs) => resolve(logs),
        onError: (err) => reject(err),
      });
    });
    try {
      // The subscription starts in the background: send until it reports one (bounded tries).
      let logs;
      for (let attempt = 0; attempt < 5 && !logs; attempt++) {
        const tx = await token.contract.transfer(to, amount);
        sent.add(tx.hash);
        await tx.wait(1, 30_000);
        logs = await within(4_000, 'subscription', received).catch((err) => {
          if (/no result within/.test(err.message)) return undefined;
          throw err;
        });
      }
      assert.ok(logs, 'no Transfer log arrived over the WebSocket subscription');
      const [log] = logs;
      assert.ok(sent.has(log.transactionHash), 'log belongs to one of our transfers');
      assert.equal(log.args.to, to);
      assert.equal(log.args.value, amount);
      assert.equal(log.address.toLowerCase(), token.address.toLowerCase());
    } finally {
      unwatch?.();
    }
  });

  test('eth_subscribe answers a hex string subscription id, as geth does (viem relies on it)', T, async () => {
    const ws = node.wsProvider();
    for (const params of [['newHeads'], ['logs', { address: token?.address ?? ethers.ZeroAddress }]]) {
      const id = await ws.send('eth_subscribe', params);
      assert.equal(typeof id, 'string', `${params[0]} subscription id ${JSON.stringify(id)} is not a string`);
      assert.match(id, /^0x[0-9a-f]+$/, `${params[0]} subscription id ${id}`);
      assert.equal(await ws.send('eth_unsubscribe', [id]), true);
    }
  });

  test('new block headers via WebSocket eth_subscribe newHeads (ethers WebSocketProvider)', T, async () => {
    const ws = node.wsProvider();
    // ethers hides a failed eth_subscribe; ask once by hand so such a failure is named.
    const probeId = await ws.send('eth_subscribe', ['newHeads']);
    assert.equal(await ws.send('eth_unsubscribe', [probeId]), true);
    const heads = [];
    let wake;
    const onBlock = (number) => {
      heads.push(number);
      wake?.();
    };
    await ws.on('block', onBlock);
    try {
      let mined;
      for (let attempt = 0; attempt < 5; attempt++) {
        const tx = await owner.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 1n });
        mined = await tx.wait(1, 30_000);
        if (heads.some((n) => n >= mined.blockNumber)) break;
        await within(4_000, 'newHeads', new Promise((resolve) => (wake = resolve))).catch(() => {});
        if (heads.some((n) => n >= mined.blockNumber)) break;
      }
      assert.ok(
        heads.some((n) => n >= mined.blockNumber),
        `no head >= ${mined.blockNumber} over WebSocket (got ${JSON.stringify(heads)})`,
      );
      const head = await ws.getBlock(mined.blockNumber);
      assert.equal(head.hash, (await node.provider.getBlock(mined.blockNumber)).hash);
    } finally {
      await ws.off('block', onBlock);
      // off() sends eth_unsubscribe without handing back its promise. Servers that answer one
      // socket's requests concurrently (geth, Cloister) may answer a later request first, so
      // give it a few round trips before the socket is destroyed and the request cancelled.
      for (let i = 0; i < 5; i++) {
        await ws.send('eth_blockNumber', []);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
});
