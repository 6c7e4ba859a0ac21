// EIP-1559 fee data as wallets read it (ethers getFeeData, viem estimateFeesPerGas and
// getFeeHistory) and a type-2 transaction priced with it.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const { connect, unlessHidden } = require('./lib/env.cjs');

const KEY_INDEX = 2;
const T = { timeout: 60_000 };

describe('EIP-1559 fee data', () => {
  let node;
  let wallet;

  before(async () => {
    node = await connect();
    wallet = node.wallet(KEY_INDEX);
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test('ethers getFeeData: gasPrice, maxFeePerGas and maxPriorityFeePerGas', T, async () => {
    const latest = await node.provider.getBlock('latest');
    assert.ok(latest.baseFeePerGas !== null, 'latest block has no baseFeePerGas');
    const fees = await node.provider.getFeeData();
    assert.ok(fees.gasPrice > 0n, `gasPrice ${fees.gasPrice}`);
    assert.ok(fees.maxPriorityFeePerGas !== null, 'maxPriorityFeePerGas is null (no EIP-1559)');
    assert.ok(fees.maxFeePerGas !== null, 'maxFeePerGas is null (no EIP-1559)');
    assert.ok(fees.maxFeePerGas >= latest.baseFeePerGas + fees.maxPriorityFeePerGas);
    // eth_gasPrice covers the base fee, or a legacy transaction priced with it would never be mined.
    assert.ok(fees.gasPrice >= latest.baseFeePerGas, `gasPrice ${fees.gasPrice} < baseFee ${latest.baseFeePerGas}`);
  });

  test('viem estimateFeesPerGas and estimateMaxPriorityFeePerGas', T, async () => {
    const block = await node.publicClient.getBlock();
    assert.equal(typeof block.baseFeePerGas, 'bigint');
    const fees = await node.publicClient.estimateFeesPerGas();
    assert.ok(fees.maxFeePerGas >= block.baseFeePerGas, `maxFeePerGas ${fees.maxFeePerGas}`);
    assert.ok(fees.maxPriorityFeePerGas >= 0n);
    assert.ok(fees.maxFeePerGas >= fees.maxPriorityFeePerGas);
    const tip = await node.publicClient.estimateMaxPriorityFeePerGas();
    assert.equal(typeof tip, 'bigint');
    const legacy = await node.publicClient.estimateFeesPerGas({ type: 'legacy' });
    assert.ok(legacy.gasPrice > 0n);
  });

  test('type-2 transaction priced by the node is mined at min(maxFee, baseFee + tip)', T, async () => {
    const fees = await node.provider.getFeeData();
    const to = ethers.Wallet.createRandom().address;
    const tx = await wallet.sendTransaction({
      type: 2,
      to,
      value: 1000n,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.type, 2);
    const block = await node.provider.getBlock(receipt.blockNumber);
    const effective =
      fees.maxFeePerGas < block.baseFeePerGas + fees.maxPriorityFeePerGas
        ? fees.maxFeePerGas
        : block.baseFeePerGas + fees.maxPriorityFeePerGas;
    assert.equal(receipt.gasPrice, effective, 'effectiveGasPrice');
    const mined = await node.provider.getTransaction(tx.hash);
    assert.equal(mined.type, 2);
    assert.equal(mined.maxFeePerGas, fees.maxFeePerGas);
    assert.equal(mined.maxPriorityFeePerGas, fees.maxPriorityFeePerGas);
    // The recipient is another account: its balance reads 0 to the caller on a confidential chain.
    assert.equal(await node.provider.getBalance(to), unlessHidden(1000n, 0n));
  });

  test('viem getFeeHistory with reward percentiles', T, async () => {
    const latest = await node.publicClient.getBlockNumber();
    const blockCount = Number(latest + 1n < 4n ? latest + 1n : 4n);
    const history = await node.publicClient.getFeeHistory({
      blockCount,
      rewardPercentiles: [25, 75],
      blockTag: 'latest',
    });
    assert.equal(history.oldestBlock, latest - BigInt(blockCount) + 1n);
    // One more base fee than blocks: the next block's.
    assert.equal(history.baseFeePerGas.length, blockCount + 1);
    assert.equal(history.gasUsedRatio.length, blockCount);
    assert.equal(history.reward.length, blockCount);
    for (const rewards of history.reward) assert.equal(rewards.length, 2);
    for (const ratio of history.gasUsedRatio) assert.ok(ratio >= 0 && ratio <= 1, `ratio ${ratio}`);
    const head = await node.publicClient.getBlock({ blockNumber: latest });
    assert.equal(history.baseFeePerGas[blockCount - 1], head.baseFeePerGas);
  });
});
