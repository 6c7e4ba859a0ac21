// A devnet of real `cloister node` processes for the governance tests: `cloister devnet init`
// into a temporary folder, each node its own process group (so a kill takes its children
// too), bounded waits, and the tail of every node's log when something fails.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';

export const BIN = process.env.CLOISTER_BIN;

/** Sleeps `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` (async; a truthy answer ends the wait and is returned) every `every` ms for at
 * most `seconds`; throws naming `what` (with the last error or answer) when time runs out.
 */
export async function waitFor(what, probe, { seconds = 60, every = 200 } = {}) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      const answer = await probe();
      if (answer) return answer;
      last = answer;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${seconds}s waiting for ${what} (last: ${detail})`);
    }
    await sleep(every);
  }
}

/** Whether nothing listens on 127.0.0.1:`port` and we may bind it. */
function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port P with P..P+n-1 and P+1000..P+1000+n-1 free (bounded number of tries). */
async function freeBase(n) {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 38000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      ok = (await portFree(base + i)) && (await portFree(base + 1000 + i));
    }
    if (ok) return base;
  }
  throw new Error('no free range of ports found');
}

/** Sets `key = value` in the `[cluster]` section of a node.toml (or at the top: `top`). */
export function editToml(file, { top = {}, cluster = {} }) {
  let text = fs.readFileSync(file, 'utf8');
  const line = (k, v) => `${k} = ${JSON.stringify(v)}\n`;
  const topLines = Object.entries(top).map(([k, v]) => line(k, v)).join('');
  if (topLines) {
    // Top-level keys go before the first table.
    text = text.replace(/^\[rpc\]$/m, `${topLines}\n[rpc]`);
  }
  const clusterLines = Object.entries(cluster).map(([k, v]) => line(k, v)).join('');
  if (clusterLines) text = text.replace(/^\[cluster\]\n/m, `[cluster]\n${clusterLines}`);
  fs.writeFileSync(file, text);
}

export class Devnet {
  /**
   * `cloister devnet init` with `validators` + `spare` nodes; `tee` is `none` or `simulated`.
   */
  static async create({ validators = 3, spare = 0, tee = 'none' } = {}) {
    if (!BIN) throw new Error('CLOISTER_BIN is not set');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloister-gov-'));
    const count = validators + spare;
    const base = await freeBase(count);
    const args = ['devnet', 'init', '--validators', String(validators), '--spare', String(spare),
      '--dir', path.join(dir, 'net'), '--base-port', String(base), '--tee', tee];
    execFileSync(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30000 });
    return new Devnet(path.join(dir, 'net'), dir, base, count, tee);
  }

  constructor(net, tmp, base, count, tee) {
    this.dir = net;
    this.tmp = tmp;
    this.base = base;
    this.count = count;
    this.tee = tee;
    this.procs = new Map();
    this.providers = new Map();
    // RA-TLS certificates are self-signed: this process's own requests to the devnet skip the
    // CA check (the nodes' attestation is not what these tests are about).
    this.agent = tee === 'simulated' ? new https.Agent({ rejectUnauthorized: false, keepAlive: false }) : null;
  }

  toml(i) {
    return path.join(this.dir, `node${i}`, 'node.toml');
  }

  logFile(i) {
    return path.join(this.tmp, `node${i}.log`);
  }

  /** Node `i`'s key address (from its key file). */
  address(i) {
    const key = fs.readFileSync(path.join(this.dir, `node${i}`, 'node.key'), 'utf8').trim();
    return new ethers.Wallet(key).address;
  }

  url(i) {
    return `${this.tee === 'simulated' ? 'https' : 'http'}://127.0.0.1:${this.base + i}`;
  }

  /** An ethers provider for node `i` (one per node; no network detection round trips). */
  provider(i) {
    if (!this.providers.has(i)) {
      const request = new ethers.FetchRequest(this.url(i));
      request.timeout = 10000;
      if (this.agent) request.getUrlFunc = ethers.FetchRequest.createGetUrlFunc({ agent: this.agent });
      const provider = new ethers.JsonRpcProvider(request, 7557, {
        staticNetwork: true,
        batchMaxCount: 1,
        pollingInterval: 200,
        cacheTimeout: -1,
      });
      this.providers.set(i, provider);
    }
    return this.providers.get(i);
  }

  /** Starts node `i` and waits (bounded) until it answers eth_blockNumber. */
  async start(i, { seconds = 60 } = {}) {
    if (this.procs.has(i)) throw new Error(`node${i} already runs`);
    const out = fs.openSync(this.logFile(i), 'a');
    const child = spawn(BIN, ['node', '--config', this.toml(i)], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info,openraft=off' },
    });
    fs.closeSync(out);
    // run.sh stops these process groups too, should this process die first.
    if (process.env.GOV_PIDFILE) fs.appendFileSync(process.env.GOV_PIDFILE, `${child.pid}\n`);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.procs.set(i, { child, exited, done: false });
    exited.then(() => { const p = this.procs.get(i); if (p && p.child === child) p.done = true; });
    await waitFor(`node${i} to answer RPC`, async () => {
      if (this.procs.get(i)?.done) throw new Error(`node${i} exited; log ends with:\n${this.tail(i)}`);
      return (await this.provider(i).send('eth_blockNumber', [])) != null;
    }, { seconds, every: 250 });
  }

  /** Stops node `i` (SIGTERM to its process group, SIGKILL after 10 s) and waits for it. */
  async stop(i, signal = 'SIGTERM') {
    const p = this.procs.get(i);
    if (!p) return;
    if (!p.done) {
      try { process.kill(-p.child.pid, signal); } catch { /* already gone */ }
      const killed = await Promise.race([p.exited.then(() => true), sleep(10000).then(() => false)]);
      if (!killed) {
        try { process.kill(-p.child.pid, 'SIGKILL'); } catch { /* already gone */ }
        await Promise.race([p.exited, sleep(5000)]);
      }
    }
    this.procs.delete(i);
  }

  running(i) {
    const p = this.procs.get(i);
    return Boolean(p && !p.done);
  }

  /** Stops every node; keeps the folder when `keep` (for a look after a failure). */
  async destroy({ keep = false } = {}) {
    for (const i of [...this.procs.keys()]) await this.stop(i);
    for (const provider of this.providers.values()) provider.destroy();
    this.providers.clear();
    if (!keep) fs.rmSync(this.tmp, { recursive: true, force: true, maxRetries: 5 });
  }

  tail(i, lines = 25) {
    try {
      const text = fs.readFileSync(this.logFile(i), 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Every node's log tail, for a failure report. */
  tails(lines = 25) {
    const parts = [];
    for (let i = 0; i < this.count; i++) {
      if (fs.existsSync(this.logFile(i))) parts.push(`--- node${i} (${this.url(i)}) log tail ---\n${this.tail(i, lines)}`);
    }
    return parts.join('\n');
  }

  /** Synchronous kill of every process group and removal of the folder (process exit paths). */
  killAllSync() {
    for (const p of this.procs.values()) {
      if (!p.done) {
        try { process.kill(-p.child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    if (process.env.GOV_KEEP !== '1') {
      try { fs.rmSync(this.tmp, { recursive: true, force: true, maxRetries: 5 }); } catch { /* best effort */ }
    }
  }

  async head(i) {
    return Number(await this.provider(i).send('eth_blockNumber', []));
  }

  async status(i) {
    return this.provider(i).send('cloister_clusterStatus', []);
  }
}
