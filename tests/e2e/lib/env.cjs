// The node under test and its funded accounts, read from the environment, plus the clients
// (ethers and viem) every test file builds on.
//
//   RPC_URL       HTTP JSON-RPC endpoint (required)
//   WS_URL        WebSocket endpoint (default: RPC_URL with http -> ws)
//   PRIVATE_KEYS  comma-separated funded keys (default: the first 10 keys of MNEMONIC)
//   MNEMONIC      default: the dev mnemonic shared by anvil and `cloister node --dev`
//   E2E_CONFIDENTIAL=1  RPC_URL is a personal URL (https://host:port/rpc/<token>) on a
//                 confidential chain: `key(i)` then hands out only the keys of the addresses
//                 signed in on that token (E2E_CALLER_KEYS of them, default 2: keys 0 and 1),
//                 and tests assert the confidential answer where the caller may not see the
//                 subject (see README.md, "Confidential target").
'use strict';

const ethers = require('ethers');
const viem = require('viem');
const { privateKeyToAccount } = require('viem/accounts');

const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

const RPC_URL = process.env.RPC_URL;
if (!RPC_URL) throw new Error('RPC_URL is not set (e.g. http://127.0.0.1:8545)');
const WS_URL = process.env.WS_URL || RPC_URL.replace(/^http/, 'ws');
const CONFIDENTIAL = process.env.E2E_CONFIDENTIAL === '1';
const CALLER_KEYS = Number(process.env.E2E_CALLER_KEYS || 2);

/** Funded private keys, in the mnemonic's order. */
function fundedKeys() {
  if (process.env.PRIVATE_KEYS) {
    return process.env.PRIVATE_KEYS.split(',').map((key) => key.trim()).filter(Boolean);
  }
  const phrase = process.env.MNEMONIC || DEV_MNEMONIC;
  const keys = [];
  for (let i = 0; i < 10; i++) {
    keys.push(ethers.HDNodeWallet.fromPhrase(phrase, undefined, `m/44'/60'/0'/0/${i}`).privateKey);
  }
  return keys;
}

const KEYS = fundedKeys();

/**
 * The funded key at `index`: each test file uses its own so files never share a nonce. On the
 * confidential target only the signed-in addresses are the caller, so `index` is taken modulo
 * their number (the files then run one at a time: scripts/e2e.sh passes --test-concurrency=1).
 */
function key(index) {
  if (CONFIDENTIAL) return rawKey(index % CALLER_KEYS);
  return rawKey(index);
}

/** Funded key #index itself, also on the confidential target (an account that is not the caller). */
function rawKey(index) {
  if (index >= KEYS.length) throw new Error(`need funded key #${index}, have ${KEYS.length}`);
  return KEYS[index];
}

/** Rejects with a message naming `what` if `promise` has not settled within `ms`. */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Connects to the node (RPC_URL, or `{ rpcUrl, wsUrl }`): asks it for its chain id (never
 * assumed) and returns ethers and viem clients for it. Call `close()` at the end of a file so
 * sockets and timers do not linger.
 */
async function connect(urls = {}) {
  const httpUrl = urls.rpcUrl || RPC_URL;
  const wsUrl = urls.wsUrl || (urls.rpcUrl ? urls.rpcUrl.replace(/^http/, 'ws') : WS_URL);
  const probe = new ethers.JsonRpcProvider(httpUrl, undefined, { staticNetwork: true });
  const chainId = Number(await probe.send('eth_chainId', []));
  probe.destroy();

  const network = new ethers.Network(`chain-${chainId}`, chainId);
  // Short polling so waits on receipts do not dominate the run time on an instant-mining node;
  // no result cache, or back-to-back sends would reuse a cached (stale) nonce.
  const provider = new ethers.JsonRpcProvider(httpUrl, network, {
    staticNetwork: network,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  const chain = viem.defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [httpUrl], webSocket: [wsUrl] } },
  });
  const publicClient = viem.createPublicClient({
    chain,
    transport: viem.http(httpUrl, { timeout: 30_000 }),
    pollingInterval: 100,
  });
  const opened = [];
  const wsProviders = [];

  return {
    rpcUrl: httpUrl,
    chainId,
    provider,
    chain,
    publicClient,
    /** An ethers Wallet for funded key #index. */
    wallet(index) {
      return new ethers.Wallet(key(index), provider);
    },
    /** A viem wallet client for funded key #index (or a given viem account). */
    walletClient(indexOrAccount) {
      const account =
        typeof indexOrAccount === 'number' ? privateKeyToAccount(key(indexOrAccount)) : indexOrAccount;
      return viem.createWalletClient({
        account,
        chain,
        transport: viem.http(httpUrl, { timeout: 30_000 }),
        pollingInterval: 100,
      });
    },
    /** A viem public client over WebSocket. */
    wsPublicClient() {
      const transport = viem.webSocket(wsUrl, { timeout: 30_000, reconnect: false });
      const client = viem.createPublicClient({ chain, transport });
      opened.push(client);
      return client;
    },
    /** An ethers WebSocketProvider. */
    wsProvider() {
      const ws = new ethers.WebSocketProvider(wsUrl, network, {
        staticNetwork: network,
        cacheTimeout: -1,
      });
      wsProviders.push(ws);
      return ws;
    },
    async close() {
      provider.destroy();
      for (const ws of wsProviders) await ws.destroy().catch(() => {});
      for (const client of opened) {
        const socket = await client.transport.getRpcClient?.().catch(() => undefined);
        socket?.close?.();
      }
    },
  };
}

/**
 * Connects as the owner of `privateKey` on its own: on the confidential target it signs in with
 * that key (a token of its own) and connects through its personal URL; elsewhere it is
 * `connect()`.
 */
async function connectAs(privateKey) {
  if (!CONFIDENTIAL) return connect();
  const { signIn, baseOf } = require('./signin.cjs');
  const { rpcUrl } = await signIn(baseOf(RPC_URL), privateKey);
  return connect({ rpcUrl });
}

/**
 * What a check expects when its subject (another account's balance, a transaction of others)
 * is hidden from the caller: `dev` on a dev chain or anvil, `hidden` on the confidential target.
 */
function unlessHidden(dev, hidden) {
  return CONFIDENTIAL ? hidden : dev;
}

module.exports = {
  RPC_URL,
  WS_URL,
  DEV_MNEMONIC,
  CONFIDENTIAL,
  key,
  rawKey,
  connect,
  connectAs,
  unlessHidden,
  within,
};
