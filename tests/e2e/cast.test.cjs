// Foundry's cast against the node: block, receipt, logs, storage, and `cast run` replaying a
// mined transaction, plus debug_traceTransaction's callTracer through `cast rpc`.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const ethers = require('ethers');
const viem = require('viem');
const { connect, unlessHidden, CONFIDENTIAL } = require('./lib/env.cjs');
const { deploy, artifacts } = require('./lib/deploy.cjs');
const { cast, castJson } = require('./lib/cast.cjs');

const KEY_INDEX = 5;
const SUPPLY = 10n ** 24n;
const PROBE_INITIAL = 0xc0ffeen;
const T = { timeout: 90_000 };

describe('cast', () => {
  let node;
  let wallet;
  let token;
  let probe;
  let transfer; // { hash, blockNumber, blockHash, to, amount }

  before(async () => {
    node = await connect();
    wallet = node.wallet(KEY_INDEX);
    token = await deploy(wallet, 'E2EToken', [SUPPLY]);
    probe = await deploy(wallet, 'Probe', [PROBE_INITIAL]);
    const to = ethers.Wallet.createRandom().address;
    const amount = 31337n;
    const tx = await token.contract.transfer(to, amount);
    const receipt = await tx.wait(1, 30_000);
    transfer = { hash: tx.hash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, to, amount };
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test('cast block (latest and by number) matches the node', T, async () => {
    const latest = await castJson(['block', 'latest']);
    const head = await node.provider.getBlock(Number(latest.number));
    assert.equal(latest.hash, head.hash);
    const block = await castJson(['block', String(transfer.blockNumber)]);
    assert.equal(block.hash, transfer.blockHash);
    assert.equal(Number(block.number), transfer.blockNumber);
    assert.ok(block.transactions.includes(transfer.hash), 'transfer listed in its block');
    assert.ok(block.baseFeePerGas, 'baseFeePerGas present');
  });

  test('cast receipt of the transfer', T, async () => {
    const receipt = await castJson(['receipt', transfer.hash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(receipt.transactionHash, transfer.hash);
    assert.equal(receipt.blockHash, transfer.blockHash);
    assert.equal(Number(receipt.blockNumber), transfer.blockNumber);
    assert.equal(receipt.logs.length, 1);
    assert.equal(receipt.logs[0].address.toLowerCase(), token.address.toLowerCase());
  });

  test('cast logs finds the Transfer event by signature and topic', T, async () => {
    const logs = await castJson([
      'logs',
      '--from-block',
      String(transfer.blockNumber),
      '--to-block',
      String(transfer.blockNumber),
      '--address',
      token.address,
      'Transfer(address indexed from, address indexed to, uint256 value)',
      wallet.address,
      transfer.to,
    ]);
    assert.equal(logs.length, 1, JSON.stringify(logs));
    assert.equal(logs[0].transactionHash, transfer.hash);
    assert.equal(BigInt(logs[0].data), transfer.amount);
    assert.equal(logs[0].topics[0], ethers.id('Transfer(address,address,uint256)'));
  });

  // eth_getStorageAt is for auditors on a confidential chain: every slot reads as zero there.
  test('cast storage reads Probe slot 0 and an ERC-20 balance slot', T, async () => {
    const { stdout } = await cast(['storage', probe.address, '0']);
    assert.equal(BigInt(stdout.trim()), unlessHidden(PROBE_INITIAL, 0n));
    // OpenZeppelin's _balances mapping is slot 0 of the token: balance at keccak(holder . 0).
    const layout = artifacts().E2EToken.storageLayout;
    const balances = layout.storage.find((entry) => entry.label === '_balances');
    assert.ok(balances, 'no _balances in the storage layout');
    const slot = viem.keccak256(
      viem.encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [transfer.to, BigInt(balances.slot)]),
    );
    const { stdout: balance } = await cast(['storage', token.address, slot]);
    assert.equal(BigInt(balance.trim()), unlessHidden(transfer.amount, 0n));
  });

  test('cast run replays the mined transfer', T, async () => {
    if (CONFIDENTIAL) {
      // cast run replays locally over state it reads through the RPC; the token's storage reads
      // as zero to a non-auditor, so the replayed transfer finds no balance and reverts.
      const { stdout } = await cast(['run', transfer.hash]).catch((err) => ({ stdout: err.message }));
      assert.doesNotMatch(stdout, /Transaction successfully executed/);
      assert.match(stdout, /\[Revert\]/, stdout);
      // ERC20InsufficientBalance(sender, 0, amount): cast shows the selector.
      assert.match(stdout, /ERC20InsufficientBalance|0xe450d38c/, stdout);
      return;
    }
    const { stdout } = await cast(['run', transfer.hash]);
    assert.match(stdout, /Transaction successfully executed/);
    assert.match(stdout, /::transfer\(/, 'the trace shows the transfer call');
    assert.match(stdout, /emit Transfer\(/, 'the trace shows the Transfer event');
    assert.match(stdout, /\[Return\] true/, 'the trace shows transfer returning true');
    const gasUsed = /Gas used: (\d+)/.exec(stdout);
    const receipt = await node.provider.getTransactionReceipt(transfer.hash);
    assert.equal(BigInt(gasUsed?.[1] ?? -1), receipt.gasUsed, 'replayed gas equals the receipt');
  });

  test('cast send (EIP-1559, priced by cast) and cast call', T, async () => {
    const { stdout } = await cast([
      'send',
      '--private-key',
      wallet.privateKey,
      probe.address,
      'set(uint256)',
      '4660',
      '--json',
    ]);
    const receipt = JSON.parse(stdout);
    assert.equal(receipt.status, '0x1');
    assert.equal(receipt.type, '0x2');
    // No --from: cast sends the call from 0x0. On the confidential target the node treats a call
    // from 0x0 as the caller's own (its first signed-in address), like a call with no from.
    const { stdout: stored } = await cast(['call', probe.address, 'stored()(uint256)']);
    assert.equal(stored.trim(), '4660');
  });

  test('debug_traceTransaction with callTracer (cast rpc)', T, async () => {
    if (CONFIDENTIAL) {
      // debug_* is for auditors: to anyone else it answers like a method that does not exist.
      await assert.rejects(
        cast(['rpc', 'debug_traceTransaction', transfer.hash, JSON.stringify({ tracer: 'callTracer' })]),
        /-32601|[Mm]ethod not found|does not exist/,
      );
      return;
    }
    const { stdout } = await cast([
      'rpc',
      'debug_traceTransaction',
      transfer.hash,
      JSON.stringify({ tracer: 'callTracer' }),
    ]);
    const frame = JSON.parse(stdout);
    assert.equal(frame.type, 'CALL');
    assert.equal(frame.from.toLowerCase(), wallet.address.toLowerCase());
    assert.equal(frame.to.toLowerCase(), token.address.toLowerCase());
    assert.equal(frame.input.slice(0, 10), '0xa9059cbb');
    assert.equal(BigInt(frame.output), 1n, 'transfer returned true');
    assert.ok(!frame.error, `trace has an error: ${frame.error}`);
  });
});
