// Legacy (type 0, EIP-155) and EIP-2930 (type 1) transactions from ethers and viem, and
// eth_createAccessList.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const viem = require('viem');
const { connect, unlessHidden } = require('./lib/env.cjs');
const { deploy } = require('./lib/deploy.cjs');

const KEY_INDEX = 4;
const SLOT0 = viem.pad('0x0', { size: 32 });
const T = { timeout: 60_000 };

describe('transaction types', () => {
  let node;
  let wallet;
  let probe;
  let walletClient;

  before(async () => {
    node = await connect();
    wallet = node.wallet(KEY_INDEX);
    walletClient = node.walletClient(KEY_INDEX);
    probe = await deploy(wallet, 'Probe', [1n]);
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test('legacy (type 0) value transfer with EIP-155 chain id (ethers)', T, async () => {
    const { gasPrice } = await node.provider.getFeeData();
    const to = ethers.Wallet.createRandom().address;
    const tx = await wallet.sendTransaction({ type: 0, to, value: 4242n, gasPrice });
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.type, 0);
    assert.equal(receipt.gasPrice, gasPrice, 'effectiveGasPrice of a legacy tx is its gasPrice');
    const mined = await node.provider.getTransaction(tx.hash);
    assert.equal(mined.type, 0);
    assert.equal(mined.gasPrice, gasPrice);
    assert.equal(mined.chainId, BigInt(node.chainId));
    assert.equal(mined.signature.networkV, BigInt(node.chainId) * 2n + 35n + BigInt(mined.signature.yParity));
    // Another account's balance reads 0 to the caller on a confidential chain.
    assert.equal(await node.provider.getBalance(to), unlessHidden(4242n, 0n));
  });

  test('legacy (type 0) contract call (viem writeContract)', T, async () => {
    const hash = await walletClient.writeContract({
      address: probe.address,
      abi: probe.abi,
      functionName: 'set',
      args: [99n],
      type: 'legacy',
    });
    const receipt = await node.publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.type, 'legacy');
    const tx = await node.publicClient.getTransaction({ hash });
    assert.equal(tx.type, 'legacy');
    assert.equal(tx.chainId, node.chainId);
    assert.equal(await probe.contract.stored(), 99n);
  });

  test('EIP-2930 (type 1) contract call with an access list (viem writeContract)', T, async () => {
    const accessList = [{ address: probe.address, storageKeys: [SLOT0] }];
    const hash = await walletClient.writeContract({
      address: probe.address,
      abi: probe.abi,
      functionName: 'set',
      args: [42n],
      type: 'eip2930',
      accessList,
    });
    const receipt = await node.publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.type, 'eip2930');
    const tx = await node.publicClient.getTransaction({ hash });
    assert.equal(tx.type, 'eip2930');
    assert.equal(tx.chainId, node.chainId);
    assert.equal(tx.accessList.length, 1);
    assert.equal(tx.accessList[0].address.toLowerCase(), probe.address.toLowerCase());
    assert.deepEqual(tx.accessList[0].storageKeys, [SLOT0]);
    assert.equal(
      await node.publicClient.readContract({ address: probe.address, abi: probe.abi, functionName: 'stored' }),
      42n,
    );
  });

  test('EIP-2930 (type 1) value transfer (ethers)', T, async () => {
    const to = ethers.Wallet.createRandom().address;
    const tx = await wallet.sendTransaction({
      type: 1,
      to,
      value: 5n,
      accessList: [{ address: probe.address, storageKeys: [SLOT0] }],
    });
    const receipt = await tx.wait(1, 30_000);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.type, 1);
    const mined = await node.provider.getTransaction(tx.hash);
    assert.equal(mined.type, 1);
    assert.equal(mined.accessList.length, 1);
    assert.equal(await node.provider.getBalance(to), unlessHidden(5n, 0n));
  });

  test('eth_createAccessList names the probe slot 0 (viem createAccessList)', T, async () => {
    const data = viem.encodeFunctionData({ abi: probe.abi, functionName: 'set', args: [7n] });
    const result = await node.publicClient.createAccessList({
      account: wallet.address,
      to: probe.address,
      data,
    });
    const entry = result.accessList.find((e) => e.address.toLowerCase() === probe.address.toLowerCase());
    assert.ok(entry, `probe missing from ${JSON.stringify(result.accessList)}`);
    assert.deepEqual(entry.storageKeys, [SLOT0]);
    assert.ok(result.gasUsed > 21000n);
  });
});
