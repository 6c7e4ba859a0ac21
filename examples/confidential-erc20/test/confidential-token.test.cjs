// ConfidentialToken against a running node (CLOISTER_RPC_URL, e.g. `cloister node --dev`).
// The dev policy is permissive, so `from` in eth_call is whatever the request says: what is
// tested here is the contract's own guard, exactly as it behaves when a confidential chain binds
// `from` to the signed-in caller.
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const ethers = require('ethers');
const solc = require('solc');

const RPC_URL = process.env.CLOISTER_RPC_URL;
const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
const CONTRACT_FILE = path.join(__dirname, '..', 'contracts', 'ConfidentialToken.sol');
const OZ_ROOT = path.dirname(require.resolve('@openzeppelin/contracts/package.json'));
const T = { timeout: 60_000 };

// A contract reading a holder's balance on its behalf: the case `setViewer` exists for.
const READER_SOURCE = `
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
interface IBalance { function balanceOf(address) external view returns (uint256); }
contract BalanceReader {
    function balanceFor(IBalance token, address holder) external view returns (uint256) {
        return token.balanceOf(holder);
    }
}`;

function findImports(importPath) {
  const prefix = '@openzeppelin/contracts/';
  if (!importPath.startsWith(prefix)) return { error: `import not found: ${importPath}` };
  try {
    return { contents: fs.readFileSync(path.join(OZ_ROOT, importPath.slice(prefix.length)), 'utf8') };
  } catch (err) {
    return { error: `${importPath}: ${err.message}` };
  }
}

/** Compiles the token and the reader with solc-js; returns { Name: { abi, bytecode } }. */
function compile() {
  const input = {
    language: 'Solidity',
    sources: {
      'ConfidentialToken.sol': { content: fs.readFileSync(CONTRACT_FILE, 'utf8') },
      'BalanceReader.sol': { content: READER_SOURCE },
    },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const out = {};
  for (const file of Object.values(output.contracts)) {
    for (const [name, c] of Object.entries(file)) {
      out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
    }
  }
  return out;
}

describe('ConfidentialToken', () => {
  let provider;
  let admin; // dev account 0: deploys, mints, appoints the auditor
  let holder; // dev account 1
  let stranger; // dev account 2
  let auditor; // dev account 3
  let spender; // dev account 4
  let token;
  let iface;

  /** eth_call of `fn(args)` on the token with an explicit `from`; returns the decoded value. */
  async function readAs(from, fn, args) {
    const data = iface.encodeFunctionData(fn, args);
    const raw = await provider.call({ to: await token.getAddress(), from: from.address, data });
    return iface.decodeFunctionResult(fn, raw)[0];
  }

  /** Asserts that `promise` reverts with the token's custom error `name`. */
  async function revertsWith(promise, name) {
    await assert.rejects(promise, (err) => {
      const data = err?.data ?? err?.info?.error?.data;
      assert.ok(data, `no revert data in: ${err.message}`);
      assert.equal(iface.parseError(data)?.name, name);
      return true;
    });
  }

  async function mined(txPromise) {
    const receipt = await (await txPromise).wait(1, 30_000);
    assert.equal(receipt.status, 1);
    return receipt;
  }

  before(async () => {
    assert.ok(RPC_URL, 'CLOISTER_RPC_URL is not set (e.g. http://127.0.0.1:8545)');
    const probe = new ethers.JsonRpcProvider(RPC_URL, undefined, { staticNetwork: true });
    const chainId = Number(await probe.send('eth_chainId', []));
    probe.destroy();
    const network = new ethers.Network(`chain-${chainId}`, chainId);
    // No result cache: back-to-back sends would otherwise reuse a stale nonce.
    provider = new ethers.JsonRpcProvider(RPC_URL, network, {
      staticNetwork: network,
      pollingInterval: 100,
      cacheTimeout: -1,
    });
    const wallet = (i) =>
      new ethers.Wallet(
        ethers.HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey,
        provider,
      );
    [admin, holder, stranger, auditor, spender] = [0, 1, 2, 3, 4].map(wallet);

    const built = compile();
    const { abi, bytecode } = built.ConfidentialToken;
    iface = new ethers.Interface(abi);
    const factory = new ethers.ContractFactory(abi, bytecode, admin);
    token = await factory.deploy('Confidential Token', 'CONF', admin.address);
    await token.deploymentTransaction().wait(1, 60_000);
    const readerFactory = new ethers.ContractFactory(built.BalanceReader.abi, built.BalanceReader.bytecode, admin);
    const reader = await readerFactory.deploy();
    await reader.deploymentTransaction().wait(1, 60_000);
    token.reader = reader;
  }, { timeout: 120_000 });

  after(() => provider?.destroy());

  test('mint and transfer to the holder work; events are emitted', T, async () => {
    await mined(token.mint(admin.address, 1000n));
    const receipt = await mined(token.transfer(holder.address, 300n));
    const transfer = receipt.logs.map((l) => iface.parseLog(l)).find((l) => l?.name === 'Transfer');
    assert.deepEqual([transfer.args.from, transfer.args.to, transfer.args.value], [admin.address, holder.address, 300n]);
    assert.equal(await token.totalSupply(), 1000n, 'totalSupply stays public');
  });

  test('the holder reads its own balance', T, async () => {
    assert.equal(await readAs(holder, 'balanceOf', [holder.address]), 300n);
    assert.equal(await readAs(admin, 'balanceOf', [admin.address]), 700n);
  });

  test("a stranger reading the holder's balance reverts with UnauthorizedRead", T, async () => {
    await revertsWith(readAs(stranger, 'balanceOf', [holder.address]), 'UnauthorizedRead');
    // The deployer/owner is not an auditor by virtue of owning the token.
    await revertsWith(readAs(admin, 'balanceOf', [holder.address]), 'UnauthorizedRead');
  });

  test('only the owner appoints auditors; an auditor reads any balance', T, async () => {
    await revertsWith(token.connect(stranger).addAuditor.staticCall(stranger.address), 'OwnableUnauthorizedAccount');
    await revertsWith(readAs(auditor, 'balanceOf', [holder.address]), 'UnauthorizedRead');
    await mined(token.addAuditor(auditor.address));
    assert.equal(await readAs(auditor, 'balanceOf', [holder.address]), 300n);
    await mined(token.setAuditor(auditor.address, false));
    await revertsWith(readAs(auditor, 'balanceOf', [holder.address]), 'UnauthorizedRead');
    await mined(token.addAuditor(auditor.address));
  });

  test('allowance: holder, spender and auditor read it; a stranger does not', T, async () => {
    await mined(token.connect(holder).approve(spender.address, 100n));
    assert.equal(await readAs(holder, 'allowance', [holder.address, spender.address]), 100n);
    assert.equal(await readAs(spender, 'allowance', [holder.address, spender.address]), 100n);
    assert.equal(await readAs(auditor, 'allowance', [holder.address, spender.address]), 100n);
    await revertsWith(readAs(stranger, 'allowance', [holder.address, spender.address]), 'UnauthorizedRead');
    // The spender sees the allowance but not the holder's balance.
    await revertsWith(readAs(spender, 'balanceOf', [holder.address]), 'UnauthorizedRead');
  });

  test('transferFrom spends the allowance; failures do not echo the balance', T, async () => {
    await mined(token.connect(spender).transferFrom(holder.address, stranger.address, 60n));
    assert.equal(await readAs(spender, 'allowance', [holder.address, spender.address]), 40n);
    assert.equal(await readAs(holder, 'balanceOf', [holder.address]), 240n);
    assert.equal(await readAs(stranger, 'balanceOf', [stranger.address]), 60n);
    await revertsWith(
      token.connect(spender).transferFrom.staticCall(holder.address, spender.address, 41n),
      'ERC20InsufficientAllowance',
    );
    await mined(token.connect(holder).approve(spender.address, ethers.MaxUint256));
    // OpenZeppelin's ERC20InsufficientBalance would carry the holder's balance (240).
    await revertsWith(
      token.connect(spender).transferFrom.staticCall(holder.address, spender.address, 10_000n),
      'InsufficientBalance',
    );
    await revertsWith(token.connect(holder).transfer.staticCall(stranger.address, 241n), 'InsufficientBalance');
  });

  test('a contract reads a balance only when the holder names it as viewer', T, async () => {
    const reader = token.reader.connect(holder);
    const tokenAddress = await token.getAddress();
    // msg.sender inside balanceOf is the reader contract, not the holder who called it.
    await revertsWith(reader.balanceFor(tokenAddress, holder.address), 'UnauthorizedRead');
    await mined(token.connect(holder).setViewer(await reader.getAddress(), true));
    assert.equal(await reader.balanceFor(tokenAddress, holder.address), 240n);
    // The permission is per holder: the reader still cannot read the stranger's balance.
    await revertsWith(reader.balanceFor(tokenAddress, stranger.address), 'UnauthorizedRead');
  });
});
