// Sign-in with Ethereum (EIP-4361) against a Cloister node, as a script would do it:
// GET /signin/nonce, the message text the node expects, personal_sign with the key, POST /signin.
// With a token, the signer is added to that token (one personal URL for several addresses).
//
// As a command (scripts/e2e.sh uses it for the confidential target):
//   node tests/e2e/lib/signin.cjs BASE_URL KEY [MORE_KEYS...]
// signs in with the first key, adds every further key to the same token and prints
// {"token", "rpcUrl", "addresses"} as JSON on stdout.
'use strict';

const ethers = require('ethers');

/** The EIP-4361 text the node builds for `challenge` (crates/auth message_text). */
function messageText(challenge, address) {
  return (
    `${challenge.domain} wants you to sign in with your Ethereum account:\n` +
    `${address}\n\n` +
    `${challenge.statement}\n\n` +
    `URI: ${challenge.uri}\n` +
    `Version: ${challenge.version || '1'}\n` +
    `Chain ID: ${challenge.chainId}\n` +
    `Nonce: ${challenge.nonce}\n` +
    `Issued At: ${challenge.issuedAt}\n` +
    `Expiration Time: ${challenge.expirationTime}`
  );
}

async function fetchJson(url, init) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  if (!response.ok) {
    throw new Error(`${init?.method || 'GET'} ${new URL(url).pathname}: HTTP ${response.status} ${body.error || text}`);
  }
  return body;
}

/**
 * Signs in at `base` (https://host:port, no path) with the private key `privateKey`. With
 * `token`, adds the signer to that token instead of making a new one. Resolves the node's
 * answer: { token, rpcUrl, address, addresses?, expiresAt, chainId, chainName }.
 */
async function signIn(base, privateKey, { token } = {}) {
  const wallet = new ethers.Wallet(privateKey);
  const challenge = await fetchJson(`${base}/signin/nonce?address=${wallet.address}`, { method: 'GET' });
  const message = messageText(challenge, challenge.address || wallet.address);
  const signature = await wallet.signMessage(message);
  const headers = { 'content-type': 'application/json' };
  const body = { message, signature };
  if (token) {
    headers.authorization = `Bearer ${token}`;
    body.token = token;
  }
  return fetchJson(`${base}/signin`, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** The origin (scheme://host:port) of a personal URL or any RPC URL. */
function baseOf(rpcUrl) {
  return new URL(rpcUrl).origin;
}

/** The token of a personal URL `.../rpc/<token>`, or undefined. */
function tokenOf(rpcUrl) {
  return /\/rpc\/([^/?#]+)/.exec(new URL(rpcUrl).pathname)?.[1];
}

module.exports = { signIn, messageText, baseOf, tokenOf };

if (require.main === module) {
  const [base, first, ...more] = process.argv.slice(2);
  if (!base || !first) {
    console.error('usage: node signin.cjs BASE_URL KEY [MORE_KEYS...]');
    process.exit(2);
  }
  (async () => {
    const answer = await signIn(base, first);
    const addresses = [answer.address];
    for (const key of more) {
      const added = await signIn(base, key, { token: answer.token });
      if (added.token && added.token !== answer.token) {
        throw new Error(`adding ${added.address} made a new token instead of extending the first`);
      }
      addresses.push(added.address);
      if (added.addresses) {
        const want = addresses.map((a) => a.toLowerCase()).sort();
        const got = added.addresses.map((a) => a.toLowerCase()).sort();
        if (JSON.stringify(want) !== JSON.stringify(got)) {
          throw new Error(`token holds ${JSON.stringify(added.addresses)}, expected ${JSON.stringify(addresses)}`);
        }
      }
    }
    process.stdout.write(`${JSON.stringify({ token: answer.token, rpcUrl: answer.rpcUrl, addresses })}\n`);
  })().catch((err) => {
    console.error(`signin: ${err.message}`);
    process.exit(1);
  });
}
