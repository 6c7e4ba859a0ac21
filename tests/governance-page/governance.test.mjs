// The /governance page in headless Chromium with an injected EIP-1193 wallet that sends as the
// dev accounts (signing in Node, so keys never enter the page): its ABI coder must agree with
// ethers; a member proposes through the form, members 0 and 1 vote For (two of three members),
// and the page shows the proposal Executed and the change in the lists; a non-member's
// proposal is refused with the contract's reason before the wallet is asked; signing in on the
// page makes it read through the member's personal URL.
//
// Environment: GOVERNANCE_NODE_URL (a `cloister node --dev`), CHROMIUM_PATH (default
// /usr/bin/chromium), GOVERNANCE_SCREENSHOT (optional PNG path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AbiCoder, JsonRpcProvider, Wallet, Interface, getBytes, id as keccakId } from 'ethers';

const NODE_URL = (process.env.GOVERNANCE_NODE_URL ?? '').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.GOVERNANCE_SCREENSHOT ?? '';
const DEV_CHAIN_ID = 7557;
// Well-known public test keys (anvil / hardhat accounts 0, 1, 2 and 5), never used for funds.
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
];
const provider = new JsonRpcProvider(NODE_URL || 'http://127.0.0.1:1', DEV_CHAIN_ID, { staticNetwork: true });
const wallets = KEYS.map((key) => new Wallet(key, provider));
const [member0, member1, , outsider] = wallets;
const abi = AbiCoder.defaultAbiCoder();

// Runs in the page before its script: an EIP-1193 provider whose account the test switches.
function injectWallet({ address, chainIdHex }) {
  const listeners = {};
  window.__walletCalls = [];
  window.__account = address.toLowerCase();
  window.__switchAccount = (next) => {
    window.__account = next.toLowerCase();
    (listeners.accountsChanged || []).forEach((fn) => fn([window.__account]));
  };
  window.ethereum = {
    isCloisterTestWallet: true,
    async request({ method, params }) {
      window.__walletCalls.push(method);
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [window.__account];
        case 'eth_chainId':
          return chainIdHex;
        case 'personal_sign': {
          const [messageHex, signer] = params;
          if (signer.toLowerCase() !== window.__account) {
            throw Object.assign(new Error('unknown account ' + signer), { code: 4100 });
          }
          return window.signAsTestAccount(messageHex, signer);
        }
        case 'eth_sendTransaction': {
          const [tx] = params;
          if (tx.from.toLowerCase() !== window.__account) {
            throw Object.assign(new Error('unknown account ' + tx.from), { code: 4100 });
          }
          return window.sendAsTestAccount(tx);
        }
        default:
          throw Object.assign(new Error('unsupported method ' + method), { code: 4200 });
      }
    },
    on(event, fn) { (listeners[event] = listeners[event] || []).push(fn); },
    removeListener() {},
  };
}

let browser;
before(async () => {
  assert.ok(NODE_URL, 'GOVERNANCE_NODE_URL must name the node, e.g. http://127.0.0.1:8545');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: root ? ['--no-sandbox'] : [] });
});
after(async () => {
  await browser?.close();
});

// A fresh page with the wallet injected as `who`; page errors and CSP violations are collected.
async function openPage(who) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  const sent = [];
  page.on('pageerror', (failure) => problems.push(`page error: ${failure.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.exposeFunction('sendAsTestAccount', async (tx) => {
    const signer = wallets.find((w) => w.address.toLowerCase() === tx.from.toLowerCase());
    if (!signer) throw new Error('no key for ' + tx.from);
    const response = await signer.sendTransaction({ to: tx.to, data: tx.data, gasLimit: tx.gas ? BigInt(tx.gas) : undefined });
    sent.push(response.hash);
    return response.hash;
  });
  await page.exposeFunction('signAsTestAccount', async (messageHex, address) => {
    const signer = wallets.find((w) => w.address.toLowerCase() === address.toLowerCase());
    if (!signer) throw new Error('no key for ' + address);
    return signer.signMessage(getBytes(messageHex));
  });
  await page.addInitScript(injectWallet, { address: who.address, chainIdHex: '0x' + DEV_CHAIN_ID.toString(16) });
  const response = await page.goto(`${NODE_URL}/governance`);
  assert.equal(response.status(), 200);
  return { context, page, problems, sent };
}

test('the page ABI coder agrees with ethers', async () => {
  const { context, page, problems } = await openPage(member0);
  try {
    const selectors = await page.evaluate(() => window.cloisterGovernance.selectors);
    for (const [signature, selector] of Object.entries(selectors)) {
      assert.equal('0x' + selector, keccakId(signature).slice(0, 10), signature);
    }
    const cases = [
      ['(address,uint256,bool)', ['0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 12345678901234567890n, true]],
      ['(bytes32,uint16,uint64)', ['0x' + 'ab'.repeat(32), 65535n, 18446744073709551615n]],
      ['(string,bytes)', ['héllo, governance ✓', '0x0102030405']],
      ['(bytes[],string)', [['0x', '0xdeadbeef', '0x' + '11'.repeat(70)], 'two words']],
      ['(address[],string[])', [['0x' + '01'.repeat(20), '0x' + '02'.repeat(20)], ['auditor', 'admin']]],
      ['((bytes32,bytes32,bytes32,uint16,uint16)[])', [[['0x' + '01'.repeat(32), '0x' + '02'.repeat(32), '0x' + '00'.repeat(32), 3n, 4n]]]],
      ['((address,bytes[],string,uint64,uint64,uint32,uint32,uint32,uint32,uint32,uint8))',
        [['0x' + '0a'.repeat(20), ['0xca6d56dc' + '00'.repeat(32)], 'add a member', 10n, 20n, 3n, 2n, 1n, 0n, 1n, 7n]]],
      ['(bytes,uint64)', ['0x7b7d', 1n]],
    ];
    for (const [types, values] of cases) {
      const expected = abi.encode(types.slice(1, -1) === '' ? [] : parseTop(types), values);
      const ours = await page.evaluate(([t, v]) => {
        const revive = (x) => (typeof x === 'string' && /^n\d+$/.test(x) ? BigInt(x.slice(1)) : Array.isArray(x) ? x.map(revive) : x);
        return '0x' + window.cloisterGovernance.encode(t, revive(v));
      }, [types, toPage(values)]);
      assert.equal(ours, expected, `encode ${types}`);
      const decoded = await page.evaluate(([t, hex]) => {
        const out = (x) => (typeof x === 'bigint' ? 'n' + x : Array.isArray(x) ? x.map(out) : x);
        return out(window.cloisterGovernance.decode(t, hex));
      }, [types, expected]);
      assert.deepEqual(decoded, toPage(values), `decode ${types}`);
    }
    // Truncated or hostile data is refused, not misread.
    const refusals = await page.evaluate(() => {
      const g = window.cloisterGovernance;
      const tries = [['(string)', '0x' + '20'.padStart(64, '0')], ['(address[])', '0x' + 'ff'.repeat(32)], ['(uint256)', '0x01']];
      return tries.map(([t, hex]) => { try { g.decode(t, hex); return 'accepted'; } catch (e) { return 'refused'; } });
    });
    assert.deepEqual(refusals, ['refused', 'refused', 'refused']);
    // Actions decode to readable text.
    const iface = new Interface(['function setRole(address account, string role, bool granted)', 'function setThresholds(uint16,uint16,uint64)']);
    const texts = await page.evaluate((calls) => calls.map((c) => window.cloisterGovernance.decodeAction(c).text), [
      iface.encodeFunctionData('setRole', [outsider.address, 'auditor', true]),
      iface.encodeFunctionData('setThresholds', [5001, 6667, 86400]),
    ]);
    assert.equal(texts[0], `Grant role “auditor” to ${outsider.address.toLowerCase()}`);
    assert.equal(texts[1], 'Set thresholds: add 5001 bps, remove 6667 bps, voting period 86400 s');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// '(a,(b,c)[],d)' → ['a', '(b,c)[]', 'd'] (ethers takes a list of top-level types).
function parseTop(types) {
  const body = types.slice(1, -1);
  const out = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')') depth--;
    else if (body[i] === ',' && depth === 0) { out.push(body.slice(start, i)); start = i + 1; }
  }
  out.push(body.slice(start));
  return out.map((t) => (t.startsWith('(') ? 'tuple' + t : t));
}
// BigInts cross into the page as 'n123' strings.
function toPage(value) {
  if (typeof value === 'bigint') return 'n' + value;
  if (Array.isArray(value)) return value.map(toPage);
  return value;
}

async function waitForState(page, id, state) {
  await page.waitForFunction(
    ([pid, want]) => {
      const box = document.getElementById('proposal-' + pid);
      const error = document.getElementById('error');
      return (box && box.dataset.state === want) || (error && !error.hidden);
    },
    [id, state],
    { timeout: 60000 },
  );
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
}

async function listText(page, id) {
  return (await page.textContent('#' + id)).toLowerCase();
}

test('members propose and vote through the page; the proposal is executed', async () => {
  const { context, page, problems, sent } = await openPage(member0);
  try {
    // The dev chain's members are dev accounts 0-2.
    await page.waitForFunction(() => document.querySelectorAll('#members li code').length > 0, null, { timeout: 30000 });
    const members = await listText(page, 'members');
    for (const w of wallets.slice(0, 3)) assert.ok(members.includes(w.address.toLowerCase()), members);
    assert.ok(!(await listText(page, 'roles')).includes(outsider.address.toLowerCase() + ' auditor'));

    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('account').textContent.includes('Connected as'));
    const before = await page.evaluate(() => document.querySelectorAll('.proposal').length);

    // Propose through the form: grant the auditor role to account 5.
    await page.selectOption('#action-kind', 'setRole');
    await page.fill('#field-account', outsider.address);
    await page.fill('#field-role', 'auditor');
    await page.selectOption('#field-granted', 'true');
    await page.fill('#description', 'Account 5 audits');
    await page.click('#propose');
    await page.waitForFunction(
      (n) => document.querySelectorAll('.proposal').length > n || !document.getElementById('error').hidden,
      before,
      { timeout: 60000 },
    );
    assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
    const proposalId = await page.evaluate(() => Number(document.querySelector('.proposal').id.replace('proposal-', '')));
    await waitForState(page, proposalId, 'Active');
    const card = `#proposal-${proposalId}`;
    assert.match(await page.textContent(card), /Account 5 audits/);
    assert.ok((await page.textContent(`${card} .actions`)).includes(`Grant role “auditor” to ${outsider.address.toLowerCase()}`));
    assert.equal(sent.length, 1);

    // Account 0 votes For: one of the two votes needed.
    await page.click(`${card} button[data-vote="1"]`);
    await page.waitForFunction((sel) => (document.querySelector(sel + ' .votes') || {}).textContent?.startsWith('For 1'), card, { timeout: 60000 });
    await waitForState(page, proposalId, 'Active');
    await page.waitForSelector(`${card} .voted`);
    assert.equal(await page.locator(`${card} button[data-vote]`).count(), 0, 'no second vote offered');

    // Account 1 votes For: the deciding vote applies the proposal.
    await page.evaluate((address) => window.__switchAccount(address), member1.address);
    await page.waitForFunction(
      (address) => document.getElementById('account').textContent.toLowerCase().includes(address.toLowerCase()),
      member1.address,
    );
    await page.waitForSelector(`${card} button[data-vote="1"]`);
    await page.click(`${card} button[data-vote="1"]`);
    await waitForState(page, proposalId, 'Executed');
    assert.match(await page.textContent(`${card} .votes`), /^For 2 · Against 0 · Abstain 0/);
    await page.waitForFunction(
      (address) => document.getElementById('roles').textContent.toLowerCase().includes(address.toLowerCase() + ' auditor'),
      outsider.address,
      { timeout: 30000 },
    );
    assert.equal(sent.length, 3);
    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a non-member's proposal is refused with the contract's reason before the wallet sends", async () => {
  const { context, page, problems, sent } = await openPage(outsider);
  try {
    await page.waitForFunction(() => document.querySelectorAll('#members li code').length > 0, null, { timeout: 30000 });
    await page.selectOption('#action-kind', 'admitNode');
    await page.fill('#field-node', '0x' + '42'.repeat(20));
    await page.fill('#description', 'not a member');
    await page.click('#propose');
    await page.waitForSelector('#error:not([hidden])', { timeout: 30000 });
    const text = await page.textContent('#error');
    assert.match(text, /^The contract refuses to accept this proposal: /);
    assert.ok(text.length > 'The contract refuses to accept this proposal: '.length + 5, text);
    assert.equal(sent.length, 0);
    const calls = await page.evaluate(() => window.__walletCalls);
    assert.ok(!calls.includes('eth_sendTransaction'), calls.join(','));
    // A malformed field is caught in the page.
    await page.fill('#field-node', '0x1234');
    await page.click('#propose');
    await page.waitForFunction(() => document.getElementById('error').textContent.includes('not an address'));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('signing in on the page makes it read through the personal URL', async () => {
  const { context, page, problems } = await openPage(member1);
  try {
    await page.waitForFunction(() => document.querySelectorAll('#members li code').length > 0, null, { timeout: 30000 });
    const requests = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') requests.push(new URL(request.url()).pathname);
    });
    await page.click('#signin');
    await page.waitForFunction(
      () => document.getElementById('endpoint').textContent === 'your personal URL' || !document.getElementById('error').hidden,
      null,
      { timeout: 30000 },
    );
    assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Updated'));
    assert.ok(requests.includes('/signin'), requests.join(','));
    assert.ok(requests.some((path) => /^\/rpc\/clst_[0-9a-f]{64}$/.test(path)), requests.join(','));
    const members = await listText(page, 'members');
    assert.ok(members.includes(member1.address.toLowerCase()), members);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
