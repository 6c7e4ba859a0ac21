// The /signin page in headless Chromium with an injected EIP-1193 wallet that signs with a
// fixed test key: it must produce a personal RPC URL that the node resolves to that key's
// address, hand the right chain to wallet_addEthereumChain, and show an error (and no URL)
// when the wallet rejects the signature request.
//
// Environment: SIGNIN_NODE_URL (e.g. http://127.0.0.1:8545, a `cloister node --dev`),
// CHROMIUM_PATH (default /usr/bin/chromium), SIGNIN_SCREENSHOT (optional PNG path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { Wallet, getBytes } from 'ethers';

const NODE_URL = (process.env.SIGNIN_NODE_URL ?? '').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.SIGNIN_SCREENSHOT ?? '';
// anvil / hardhat account #5: a well-known public test key, never used for real funds.
const TEST_KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba';
const DEV_CHAIN_ID = 7557;
const wallet = new Wallet(TEST_KEY);

// Runs in the page before its own script: a minimal EIP-1193 provider. Signing is delegated
// to Node (exposed function) so the key never enters the page.
function injectWallet({ address, chainIdHex, rejectSign }) {
  window.__walletCalls = [];
  window.__addedChains = [];
  window.ethereum = {
    isCloisterTestWallet: true,
    async request({ method, params }) {
      window.__walletCalls.push(method);
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return [address.toLowerCase()];
        case 'eth_chainId':
          return chainIdHex;
        case 'personal_sign': {
          if (rejectSign) {
            const refusal = new Error('User rejected the request.');
            refusal.code = 4001;
            throw refusal;
          }
          const [messageHex, account] = params;
          if (account.toLowerCase() !== address.toLowerCase()) {
            throw Object.assign(new Error('unknown account ' + account), { code: 4100 });
          }
          return window.signWithTestKey(messageHex);
        }
        case 'wallet_addEthereumChain':
          window.__addedChains.push(params);
          return null;
        default:
          throw Object.assign(new Error('unsupported method ' + method), { code: 4200 });
      }
    },
    on() {},
    removeListener() {},
  };
}

let browser;
const signedMessages = [];

before(async () => {
  assert.ok(NODE_URL, 'SIGNIN_NODE_URL must name the node, e.g. http://127.0.0.1:8545');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: root ? ['--no-sandbox'] : [],
  });
});

after(async () => {
  await browser?.close();
});

// A fresh page with the wallet injected; page errors and CSP violations fail the test.
async function openSignIn({ rejectSign = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (failure) => problems.push(`page error: ${failure.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.exposeFunction('signWithTestKey', async (messageHex) => {
    const bytes = getBytes(messageHex);
    signedMessages.push(new TextDecoder().decode(bytes));
    return wallet.signMessage(bytes);
  });
  await page.addInitScript(injectWallet, {
    address: wallet.address,
    chainIdHex: '0x' + DEV_CHAIN_ID.toString(16),
    rejectSign,
  });
  const response = await page.goto(`${NODE_URL}/signin`);
  assert.equal(response.status(), 200);
  return { context, page, problems };
}

async function whoami(url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'cloister_whoami', params: [] }),
  });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // a non-JSON refusal body; the status says enough
  }
  return { status: response.status, body, text };
}

test('signing in yields a personal RPC URL that resolves to the signer', async () => {
  const { context, page, problems } = await openSignIn();
  try {
    await page.click('#signin');
    await page.waitForFunction(() => {
      const field = document.getElementById('rpc-url');
      const error = document.getElementById('error');
      return (field && field.value.startsWith('http')) || (error && !error.hidden);
    });
    assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
    assert.equal(await page.locator('#result').isVisible(), true);
    const rpcUrl = await page.inputValue('#rpc-url');
    const escapedBase = NODE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(rpcUrl, new RegExp(`^${escapedBase}/rpc/clst_[0-9a-f]{64}$`));
    assert.match(await page.textContent('#status'), new RegExp(`Signed in as ${wallet.address}`));

    // The wallet was asked to sign one EIP-4361 message naming the checksummed address.
    assert.equal(signedMessages.length, 1);
    const message = signedMessages[0];
    assert.match(message, /wants you to sign in with your Ethereum account:\n/);
    assert.ok(message.includes(`\n${wallet.address}\n`), message);
    assert.ok(message.includes(`Chain ID: ${DEV_CHAIN_ID}\n`), message);

    await page.click('#add-network');
    await page.waitForFunction(() => window.__addedChains.length > 0);
    const [params] = await page.evaluate(() => window.__addedChains[0]);
    assert.equal(params.chainId, '0x1d85');
    assert.equal(Number(params.chainId), DEV_CHAIN_ID);
    assert.deepEqual(params.rpcUrls, [rpcUrl]);
    assert.equal(typeof params.chainName, 'string');
    assert.ok(params.chainName.length > 0);
    assert.deepEqual(params.nativeCurrency, { name: 'Ether', symbol: 'ETH', decimals: 18 });
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('Network added'));
    assert.equal(await page.locator('#error').isHidden(), true);

    if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.deepEqual(problems, []);

    // The URL works, and it is personal: whoami names the signer there, nobody on the plain URL.
    const personal = await whoami(rpcUrl);
    assert.equal(personal.status, 200, personal.text);
    assert.equal(personal.body.result.address.toLowerCase(), wallet.address.toLowerCase());
    const anonymous = await whoami(NODE_URL);
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.equal(anonymous.body.result.address, null);

    // A token one hex digit off is refused outright.
    const last = rpcUrl.at(-1);
    const corrupted = rpcUrl.slice(0, -1) + (last === '0' ? '1' : '0');
    const refused = await whoami(corrupted);
    assert.equal(refused.status, 401, refused.text);
  } finally {
    await context.close();
  }
});

test('a wallet that rejects the signature shows an error and no URL', async () => {
  const { context, page, problems } = await openSignIn({ rejectSign: true });
  try {
    await page.click('#signin');
    await page.waitForSelector('#error:not([hidden])');
    const errorText = (await page.textContent('#error')).trim();
    assert.equal(errorText, 'The request was rejected in the wallet.');
    assert.equal(await page.inputValue('#rpc-url'), '');
    assert.equal(await page.locator('#result').isHidden(), true);
    assert.equal(await page.isEnabled('#signin'), true);
    const calls = await page.evaluate(() => window.__walletCalls);
    assert.ok(calls.includes('personal_sign'), calls.join(','));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
