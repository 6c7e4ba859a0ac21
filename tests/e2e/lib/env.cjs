// The node under test and its funded accounts, read from the environment, plus the clients
// (ethers and viem) every test file builds on.
//
//   RPC_URL       HTTP JSON-RPC endpoint (required)
//   WS_URL        WebSocket endpoint (default: RPC_URL with http -> ws)
//   PRIVATE_KEYS  comma-separated funded keys (default: the first 10 keys of MNEMONIC)
//   MNEMONIC      default: the dev mnemonic shared by anvil and `cloister node --dev`
'use strict';

const ethers = require('ethers');
const viem = require('viem');
const { privateKeyToAccount } = require('viem/accounts');

const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

const RPC_URL = process.env.RPC_URL;
if (!RPC_URL) throw new Error('RPC_URL is not set (e.g. http://127.0.0.1:8545)');
const WS_URL = process.env.WS_URL || RPC_URL.replace(/^http/, 'ws');

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

/** The funded key at `index`: each test file uses its own so files never share a nonce. */
function key(index) {
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
 * Connects to the node: asks it for its chain id (never assumed) and returns ethers and viem
 * clients for it. Call `close()` at the end of a file so sockets and timers do not linger.
 */
async function connect() {
  const probe = new ethers.JsonRpcProvider(RPC_URL, undefined, { staticNetwork: true });
  const chainId = Number(await probe.send('eth_chainId', []));
  probe.destroy();

  const network = new ethers.Network(`chain-${chainId}`, chainId);
  // Short polling so waits on receipts do not dominate the run time on an instant-mining node;
  // no result cache, or back-to-back sends would reuse a cached (stale) nonce.
  const provider = new ethers.JsonRpcProvider(RPC_URL, network, {
    staticNetwork: network,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  const chain = viem.defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [RPC_URL], webSocket: [WS_URL] } },
  });
  const publicClient = viem.createPublicClient({
    chain,
    transport: viem.http(RPC_URL, { timeout: 30_000 }),
    pollingInterval: 100,
  });
  const opened = [];
  const wsProviders = [];

  return {
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
        transport: viem.http(RPC_URL, { timeout: 30_000 }),
        pollingInterval: 100,
      });
    },
    /** A viem public client over WebSocket. */
    wsPublicClient() {
      const transport = viem.webSocket(WS_URL, { timeout: 30_000, reconnect: false });
      const client = viem.createPublicClient({ chain, transport });
      opened.push(client);
      return client;
    },
    /** An ethers WebSocketProvider. */
    wsProvider() {
      const ws = new ethers.WebSocketProvider(WS_URL, network, {
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

module.exports = { RPC_URL, WS_URL, DEV_MNEMONIC, key, connect, within };
