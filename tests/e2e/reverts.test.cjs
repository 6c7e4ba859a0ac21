// Revert decoding from eth_call and eth_estimateGas: a custom error (Unauthorized) and a
// require string, through ethers and viem, plus the raw JSON-RPC error shape clients rely on.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const viem = require('viem');
const { connect, RPC_URL } = require('./lib/env.cjs');
const { deploy } = require('./lib/deploy.cjs');

const KEY_INDEX = 1;
const REQUIRE_MESSAGE = 'Probe: value too small';
const T = { timeout: 60_000 };

/** Awaits `promise`, which must reject; returns the error. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a revert, but the request succeeded');
}

/** The ContractFunctionRevertedError inside a viem error, or a failure naming what came instead. */
function viemRevert(err) {
  const reverted = err instanceof viem.BaseError ? err.walk((e) => e instanceof viem.ContractFunctionRevertedError) : null;
  assert.ok(reverted, `not a ContractFunctionRevertedError: ${err.shortMessage || err.message}`);
  return reverted;
}

/** One JSON-RPC request by hand, to see the error object as the node sends it. */
async function rawRpc(method, params) {
  const response = await fetch(RPC_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  return response.json();
}

describe('revert decoding', () => {
  let node;
  let wallet;
  let probe;
  let account;

  before(async () => {
    node = await connect();
    wallet = node.wallet(KEY_INDEX);
    account = wallet.address;
    probe = await deploy(wallet, 'Probe', [5n]);
  }, { timeout: 120_000 });

  after(async () => {
    await node?.close();
  }, { timeout: 30_000 });

  test('custom error from eth_call (ethers staticCall)', T, async () => {
    const err = await rejection(probe.contract.guarded.staticCall(7n));
    assert.equal(err.code, 'CALL_EXCEPTION', err.message);
    assert.ok(err.revert, `ethers did not decode the revert: ${err.message}`);
    assert.equal(err.revert.name, 'Unauthorized');
    assert.equal(err.revert.args[0], account);
    assert.equal(err.revert.args[1], 7n);
  });

  test('custom error from eth_estimateGas (ethers estimateGas + interface.parseError)', T, async () => {
    const err = await rejection(probe.contract.guarded.estimateGas(8n));
    assert.equal(err.code, 'CALL_EXCEPTION', err.message);
    assert.ok(err.data && err.data !== '0x', `no revert data in the error: ${err.message}`);
    const parsed = probe.contract.interface.parseError(err.data);
    assert.equal(parsed?.name, 'Unauthorized');
    assert.equal(parsed.args[0], account);
    assert.equal(parsed.args[1], 8n);
  });

  test('require string from eth_call (ethers staticCall)', T, async () => {
    const err = await rejection(probe.contract.checked.staticCall(3n));
    assert.equal(err.code, 'CALL_EXCEPTION', err.message);
    assert.equal(err.reason, REQUIRE_MESSAGE);
    assert.equal(err.revert?.name, 'Error');
  });

  test('require string from eth_estimateGas (ethers estimateGas)', T, async () => {
    const err = await rejection(probe.contract.checked.estimateGas(4n));
    assert.equal(err.code, 'CALL_EXCEPTION', err.message);
    assert.equal(err.reason, REQUIRE_MESSAGE);
  });

  test('custom error from eth_call (viem simulateContract)', T, async () => {
    const err = await rejection(
      node.publicClient.simulateContract({
        account,
        address: probe.address,
        abi: probe.abi,
        functionName: 'guarded',
        args: [9n],
      }),
    );
    const reverted = viemRevert(err);
    assert.equal(reverted.data?.errorName, 'Unauthorized');
    assert.deepEqual(reverted.data.args, [account, 9n]);
  });

  test('custom error from eth_estimateGas (viem estimateContractGas)', T, async () => {
    const err = await rejection(
      node.publicClient.estimateContractGas({
        account,
        address: probe.address,
        abi: probe.abi,
        functionName: 'guarded',
        args: [10n],
      }),
    );
    const reverted = viemRevert(err);
    assert.equal(reverted.data?.errorName, 'Unauthorized');
    assert.deepEqual(reverted.data.args, [account, 10n]);
  });

  test('require string from eth_call (viem simulateContract)', T, async () => {
    const err = await rejection(
      node.publicClient.simulateContract({
        account,
        address: probe.address,
        abi: probe.abi,
        functionName: 'checked',
        args: [5n],
      }),
    );
    assert.equal(viemRevert(err).reason, REQUIRE_MESSAGE);
  });

  test('require string from eth_estimateGas (viem estimateContractGas)', T, async () => {
    const err = await rejection(
      node.publicClient.estimateContractGas({
        account,
        address: probe.address,
        abi: probe.abi,
        functionName: 'checked',
        args: [6n],
      }),
    );
    assert.equal(viemRevert(err).reason, REQUIRE_MESSAGE);
  });

  test('raw JSON-RPC error: code 3 with the revert bytes as data (eth_call, eth_estimateGas)', T, async () => {
    const customData = viem.encodeFunctionData({ abi: probe.abi, functionName: 'guarded', args: [11n] });
    const expectedCustom = viem.encodeErrorResult({
      abi: probe.abi,
      errorName: 'Unauthorized',
      args: [account, 11n],
    });
    const stringData = viem.encodeFunctionData({ abi: probe.abi, functionName: 'checked', args: [1n] });
    const expectedString = viem.encodeErrorResult({
      abi: [{ type: 'error', name: 'Error', inputs: [{ type: 'string' }] }],
      errorName: 'Error',
      args: [REQUIRE_MESSAGE],
    });
    for (const method of ['eth_call', 'eth_estimateGas']) {
      for (const [data, expected] of [
        [customData, expectedCustom],
        [stringData, expectedString],
      ]) {
        const params = [{ from: account, to: probe.address, data }];
        if (method === 'eth_call') params.push('latest');
        const reply = await rawRpc(method, params);
        assert.ok(reply.error, `${method} did not fail: ${JSON.stringify(reply)}`);
        assert.equal(reply.error.code, 3, `${method}: ${JSON.stringify(reply.error)}`);
        assert.match(reply.error.message, /^execution reverted/);
        assert.equal(reply.error.data, expected, `${method}: revert data`);
      }
    }
  });
});
