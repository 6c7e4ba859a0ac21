// Governance on real devnets of `cloister node` processes, driven by ethers transactions:
//   devnet A (3 validators + 1 spare, plain HTTP): a policy change takes effect at the next
//     block on every node (and an unparsable one is refused); a validator added by vote joins,
//     becomes a voter and seals blocks; a validator removed by vote is refused and stops;
//   devnet B (3 validators, simulated TEE, RA-TLS): a second measurement allowed by vote lets
//     a node that claims it catch up; revoking it disconnects that node.
// Every read goes through eth_call of the contract's views or eth_getLogs decoded with
// OpenZeppelin Governor's ABI. CLOISTER_BIN names the binary.
import { describe, it as nodeIt, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ethers } from 'ethers';
import { Devnet, editToml, waitFor, sleep } from './lib/devnet.mjs';
import {
  GOVERNANCE, action, devWallet, passProposal, poke, view, govInterface,
} from './lib/gov.mjs';

const lower = (a) => a.toLowerCase();
const nets = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const net of nets) net.killAllSync();
    process.exit(130);
  });
}
process.once('exit', () => { for (const net of nets) net.killAllSync(); });

let current = null; // the devnet the running tests use

/** `it`, printing every node's log tail when the test fails. */
function it(name, fn) {
  nodeIt(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      if (current) console.error(`${name}: FAILED; ${current.tails()}`);
      throw err;
    }
  });
}

/** Waits until node `i`'s head is at least `n`; returns it. */
const headAtLeast = (net, i, n, seconds = 60) =>
  waitFor(`node${i} at block ${n}`, async () => { const h = await net.head(i); return h >= n ? h : 0; }, { seconds });

/** Waits until every node in `nodes` has the same block hash at `n`. */
async function sameBlockEverywhere(net, nodes, n) {
  const hashes = [];
  for (const i of nodes) {
    await headAtLeast(net, i, n);
    hashes.push((await net.provider(i).getBlock(n)).hash);
  }
  assert.equal(new Set(hashes).size, 1, `nodes ${nodes} agree on block ${n}`);
}

/** The leader's index in `nodes` as node `asked` sees it (bounded wait). */
async function leaderOf(net, asked, nodes) {
  const addresses = nodes.map((i) => lower(net.address(i)));
  return waitFor(`a leader seen by node${asked}`, async () => {
    const status = await net.status(asked);
    const at = status.leader ? addresses.indexOf(lower(status.leader.address)) : -1;
    return at >= 0 ? { index: nodes[at], status } : null;
  });
}

/** Asserts node `x` stays at its head while the nodes in `others` seal new blocks. */
async function assertStoppedWhileOthersGoOn(net, x, others, wallet) {
  // Its head once settled (a block already on its way may still land).
  let stuck = await net.head(x);
  await waitFor(`node${x}'s head to settle`, async () => {
    await sleep(1000);
    const now = await net.head(x);
    const settled = now === stuck;
    stuck = now;
    return settled;
  }, { seconds: 30, every: 0 });
  const before = await net.head(others[0]);
  for (let k = 0; k < 3; k++) await poke(wallet);
  const after = await net.head(others[0]);
  assert.ok(after >= before + 3, `the others sealed new blocks (${before} -> ${after})`);
  for (const i of others) await headAtLeast(net, i, after);
  // Give x every chance to follow (it would within a heartbeat or two if it still could).
  await sleep(2000);
  assert.equal(await net.head(x), stuck, `node${x} stopped at block ${stuck}`);
  return { stuck, after };
}

describe('governance on a 3-validator devnet (plain HTTP, one spare)', { timeout: 240000 }, () => {
  let net;
  let w; // dev wallets 0..2 (the members), each on its own node
  let aliveAfterLeaderChange; // the nodes running after the leader change

  before(async () => {
    net = await Devnet.create({ validators: 3, spare: 1 });
    nets.add(net);
    current = net;
    // Deterministic leadership for the "added validator seals" step: the genesis validators
    // wait long before electing, the spare (node3) short, so when the leader goes away node3
    // wins the election while node1 and node2 still honour the old leader's lease.
    for (const i of [0, 1, 2]) editToml(net.toml(i), { cluster: { election_timeout: ['6s', '8s'] } });
    editToml(net.toml(3), { cluster: { election_timeout: ['300ms', '600ms'] } });
    // The genesis validators also list the spare among their peers, as an operator who plans
    // to add it would: a node gossips transactions only to the peers in its file and to those
    // its own Raft has connected to, so without this a follower would never hand node3 a
    // transaction it received (see the report of this suite: node bug).
    const spare = fs.readFileSync(net.toml(3), 'utf8').match(/\[\[cluster\.peers\]\][^[]*$/)[0];
    for (const i of [0, 1, 2]) fs.appendFileSync(net.toml(i), `\n${spare}`);
    await Promise.all([0, 1, 2].map((i) => net.start(i)));
    await leaderOf(net, 0, [0, 1, 2]);
    w = [0, 1, 2].map((i) => devWallet(i, net.provider(i)));
  });

  after(async () => {
    if (net) {
      await net.destroy({ keep: process.env.GOV_KEEP === '1' });
      nets.delete(net);
    }
  });

  it('members and validators read by eth_call match genesis', async () => {
    const [members] = await view(net.provider(1), 'getMembers');
    assert.deepEqual(members.map(lower), w.map((x) => lower(x.address)));
    const [validators] = await view(net.provider(2), 'getValidators');
    assert.deepEqual(validators.map(lower), [0, 1, 2].map((i) => lower(net.address(i))));
    const [json, version] = await view(net.provider(0), 'policy');
    assert.equal(version, 1n);
    assert.equal(JSON.parse(ethers.toUtf8String(json)).mode, 'permissive');
  });

  it('an unparsable policy is refused at propose (eth_estimateGas names the policy error)', async () => {
    const data = govInterface.encodeFunctionData('propose', [
      [action('setPolicy', [ethers.toUtf8Bytes('{"mode": "permissive", "bogus": ')])], 'broken policy',
    ]);
    await assert.rejects(
      net.provider(1).estimateGas({ from: w[0].address, to: GOVERNANCE, data }),
      (err) => {
        const text = `${err.reason ?? ''} ${err.shortMessage ?? ''} ${err.message ?? ''}`;
        assert.match(text, /policy:/, `the refusal names the policy error: ${text}`);
        return true;
      },
    );
  });

  it('a policy change takes effect at the next block on every node', async () => {
    const auditor = lower(ethers.Wallet.createRandom().address);
    const contract = lower(ethers.Wallet.createRandom().address);
    const doc = {
      version: 1,
      mode: 'permissive',
      roles: { [auditor]: ['auditor'] },
      contracts: { [contract]: 'public' },
    };
    const json = ethers.toUtf8Bytes(JSON.stringify(doc));
    for (let i = 0; i < 3; i++) assert.equal((await net.provider(i).send('cloister_policy', [])).revision, 1);
    const { executed } = await passProposal(assert, w, [action('setPolicy', [json])], 'policy: an auditor and a public contract');
    const B = executed.blockNumber;
    // The contract's view at B already holds the new document, version 2.
    const [stored, version] = await view(net.provider(2), 'policy', [], B);
    assert.equal(version, 2n);
    assert.deepEqual(JSON.parse(ethers.toUtf8String(stored)), doc);
    // Block B+1 (any transaction) is sealed under the new policy, on every node.
    await poke(w[1]);
    for (let i = 0; i < 3; i++) {
      await headAtLeast(net, i, B + 1);
      const shown = await net.provider(i).send('cloister_policy', []);
      assert.equal(shown.revision, 2, `node${i} shows revision 2 by block ${B + 1}`);
      assert.equal(shown.mode, 'permissive');
      // Roles shown: the document's, plus the members' role from the contract.
      const roles = Object.fromEntries(Object.entries(shown.roles).map(([k, v]) => [lower(k), v]));
      assert.deepEqual(roles[auditor], ['auditor'], `node${i} shows the new role`);
      const contracts = Object.fromEntries(Object.entries(shown.contracts).map(([k, v]) => [lower(k), v]));
      assert.equal(contracts[contract], 'public', `node${i} shows the new contract entry`);
    }
  });

  it('a validator added by vote joins, becomes a voter and seals blocks', async () => {
    const node3 = net.address(3);
    // Adding needs 2 of the 3 members.
    const { executed } = await passProposal(assert, [w[0], w[1], w[2]], [action('addValidator', [node3])], 'add node3');
    const votes = (await view(net.provider(0), 'proposalVotes', [(await view(net.provider(0), 'proposalCount'))[0]]));
    assert.equal(votes.forVotes, 2n, 'two votes were enough to add a validator');
    const [validators] = await view(net.provider(0), 'getValidators', [], executed.blockNumber);
    assert.ok(validators.map(lower).includes(lower(node3)));
    await poke(w[2]); // the block after: the configuration is in force

    await net.start(3);
    await waitFor('node3 listed as voter by the leader', async () => {
      const { index } = await leaderOf(net, 0, [0, 1, 2, 3]);
      const status = await net.status(index);
      const m = status.members.find((x) => lower(x.address) === lower(node3));
      return m && m.voter === true;
    }, { seconds: 60 });
    const head = await net.head(0);
    await sameBlockEverywhere(net, [0, 1, 2, 3], head);

    // Make node3 the leader: stop the current one; the others wait out its lease (8 s) and
    // longer before electing themselves, node3 only 0.3-0.6 s.
    const { index: old } = await leaderOf(net, 1, [0, 1, 2, 3]);
    assert.notEqual(old, 3, 'node3 does not lead yet');
    await net.stop(old);
    const alive = [0, 1, 2, 3].filter((i) => i !== old);
    const sender = alive.find((i) => i !== 3);
    // A transaction sent while there is no leader is sealed once node3 leads.
    const wallet = devWallet(4, net.provider(sender));
    const sent = await wallet.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 7n });
    await waitFor('node3 to lead', async () => (await net.status(3)).isLeader, { seconds: 60 });
    for (const i of alive) {
      await waitFor(`node${i} to follow node3`, async () => lower((await net.status(i)).leader?.address ?? '') === lower(node3));
    }
    const receipt = await waitFor('the transaction sent meanwhile', () => net.provider(sender).getTransactionReceipt(sent.hash));
    assert.equal(receipt.status, 1);
    const more = await poke(devWallet(5, net.provider(3)));
    for (const n of [receipt.blockNumber, more.blockNumber]) {
      const block = await net.provider(sender).getBlock(n);
      assert.equal(lower(block.miner), lower(node3), `block ${n} was sealed by node3 (miner)`);
      const seal = await net.provider(sender).send('cloister_getBlockSeal', [ethers.toQuantity(n)]);
      assert.equal(lower(seal.sealer), lower(node3), `block ${n}'s seal recovers to node3`);
      assert.equal(seal.blockHash, block.hash);
      assert.equal(lower(ethers.recoverAddress(block.hash, seal.signature)), lower(node3));
    }
    await sameBlockEverywhere(net, alive, more.blockNumber);
    aliveAfterLeaderChange = alive;
  });

  it('a validator removed by vote is refused and stops while the others go on', async () => {
    assert.ok(aliveAfterLeaderChange, 'needs the previous test');
    // Bring the stopped validator back first (it catches up under node3): with one of the four
    // voters down, removing a second one halts the chain (see the report: node bug), as the
    // others refuse the removed validator before Raft has finished removing it.
    const stopped = [0, 1, 2, 3].find((i) => !aliveAfterLeaderChange.includes(i));
    await net.start(stopped);
    const caught = await poke(devWallet(6, net.provider(3)));
    await headAtLeast(net, stopped, caught.blockNumber);
    await sameBlockEverywhere(net, [0, 1, 2, 3], caught.blockNumber);
    // Remove a running genesis validator that does not lead (node3 leads now).
    const x = aliveAfterLeaderChange.find((i) => i !== 3);
    const others = [0, 1, 2, 3].filter((i) => i !== x);
    const X = net.address(x);
    // Members send their votes to nodes that stay.
    const voters = [0, 1, 2].map((k) => devWallet(k, net.provider(others[k % others.length])));
    const { executed } = await passProposal(assert, voters, [action('removeValidator', [X])], `remove node${x}`);
    const [validators] = await view(net.provider(others[0]), 'getValidators');
    assert.ok(!validators.map(lower).includes(lower(X)));
    assert.equal((await view(net.provider(others[0]), 'proposalVotes', [(await view(net.provider(others[0]), 'proposalCount'))[0]])).forVotes, 3n, 'removing took all three votes');

    // The next blocks are sealed without it; it stays behind.
    await poke(voters[0]);
    await waitFor(`node${x} to leave the membership`, async () => {
      const status = await net.status(3);
      return !status.members.some((m) => lower(m.address) === lower(X));
    });
    const { stuck, after } = await assertStoppedWhileOthersGoOn(net, x, others, voters[1]);
    assert.ok(stuck >= executed.blockNumber, `node${x} got as far as the removal (${stuck} >= ${executed.blockNumber})`);
    await sameBlockEverywhere(net, others, after);
    // The others refuse it ("key … is not a member").
    for (const i of others) {
      await waitFor(`node${i} to list node${x} among its refusals`, async () => {
        const status = await net.status(i);
        return status.refusals.some((r) => lower(r.address ?? '') === lower(X) && /not a member/.test(r.reason));
      }, { seconds: 30 });
    }
    // No block after the removal was sealed by it.
    for (let n = executed.blockNumber + 1; n <= after; n++) {
      const block = await net.provider(others[0]).getBlock(n);
      assert.notEqual(lower(block.miner), lower(X), `block ${n} not sealed by the removed validator`);
    }
  });
});

describe('governance of measurements on a simulated-TEE devnet (RA-TLS)', { timeout: 180000 }, () => {
  let net;
  let w;
  const M2 = ethers.keccak256(ethers.toUtf8Bytes('cloister governance test: a second enclave build'));

  before(async () => {
    net = await Devnet.create({ validators: 3, tee: 'simulated' });
    nets.add(net);
    current = net;
    await Promise.all([0, 1, 2].map((i) => net.start(i)));
    await leaderOf(net, 0, [0, 1, 2]);
    w = [0, 1, 2].map((i) => devWallet(i, net.provider(i)));
  });

  after(async () => {
    if (net) {
      await net.destroy({ keep: process.env.GOV_KEEP === '1' });
      nets.delete(net);
    }
  });

  it('a revoked measurement disconnects the node that claims it', async () => {
    const [before] = await view(net.provider(0), 'getMeasurements');
    assert.ok(before.length >= 1, 'genesis allows the binary\'s simulated measurement');
    await passProposal(assert, w, [action('allowMeasurement', [M2, ethers.ZeroHash, 0, 0])], 'allow a second build');
    const [allowed] = await view(net.provider(1), 'getMeasurements');
    const entry = allowed.find((m) => m.mrenclave === M2);
    assert.ok(entry, 'M2 is allowed');
    assert.equal(entry.id, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(
      ['bytes32', 'bytes32', 'uint16', 'uint16'], [M2, ethers.ZeroHash, 0, 0])));
    await poke(w[0]);

    // Restart a follower claiming M2: it catches up.
    const { index: leader } = await leaderOf(net, 0, [0, 1, 2]);
    const x = [0, 1, 2].find((i) => i !== leader);
    const others = [0, 1, 2].filter((i) => i !== x);
    const X = net.address(x);
    await net.stop(x);
    editToml(net.toml(x), { top: { simulated_mrenclave: M2 } });
    const missed = await poke(devWallet(3, net.provider(others[0])));
    await net.start(x);
    await headAtLeast(net, x, missed.blockNumber);
    await sameBlockEverywhere(net, [0, 1, 2], missed.blockNumber);
    await waitFor(`the leader to see node${x} with measurement M2`, async () => {
      const status = await net.status(leader);
      const m = status.members.find((y) => lower(y.address) === lower(X));
      if (m && m.measurement && lower(m.measurement).replace(/^0x/, '') === lower(M2).slice(2)) return true;
      throw new Error(`members: ${JSON.stringify(status.members.map((y) => [y.address, y.measurement]))}`);
    });
    // Following new blocks.
    const live = await poke(devWallet(3, net.provider(others[1])));
    await headAtLeast(net, x, live.blockNumber);

    // Revoke M2 (3 votes, sent to the nodes that stay).
    const voters = [0, 1, 2].map((k) => devWallet(k, net.provider(others[k % 2])));
    const { executed } = await passProposal(assert, voters, [action('revokeMeasurement', [entry.id])], 'revoke the second build');
    const [after] = await view(net.provider(others[0]), 'getMeasurements');
    assert.ok(!after.some((m) => m.mrenclave === M2), 'M2 is no longer allowed');
    await poke(voters[0]);
    for (const i of others) {
      await waitFor(`node${i} to refuse node${x} for its measurement`, async () => {
        const status = await net.status(i);
        return status.refusals.some((r) => /measurement/.test(r.reason) && (r.address == null || lower(r.address) === lower(X))
          && r.reason.toLowerCase().includes(lower(M2).slice(2, 10)));
      }, { seconds: 30 });
    }
    const { stuck } = await assertStoppedWhileOthersGoOn(net, x, others, voters[1]);
    assert.ok(stuck >= executed.blockNumber - 1, `node${x} had followed until the revocation`);
  });
});

// Regressions of two node bugs this suite found, on a devnet exactly as `cloister devnet init`
// writes it (no workaround): gossip to a leader added by a vote, and a removal while a voter is
// down (the removed validator must stay reachable until the Raft change removing it commits).
describe('regressions: governance membership changes', {
  timeout: 180000,
}, () => {
  let net;
  let node1Wallet;

  before(async () => {
    net = await Devnet.create({ validators: 3, spare: 1 });
    nets.add(net);
    current = net;
    for (const i of [0, 1, 2]) editToml(net.toml(i), { cluster: { election_timeout: ['6s', '8s'] } });
    editToml(net.toml(3), { cluster: { election_timeout: ['300ms', '600ms'] } });
    await Promise.all([0, 1, 2].map((i) => net.start(i)));
    const w = [0, 1, 2].map((i) => devWallet(i, net.provider(i)));
    await passProposal(assert, w, [action('addValidator', [net.address(3)])], 'add node3');
    await poke(w[2]);
    await net.start(3);
    await waitFor('node3 to be a voter', async () => (await net.status(0)).members
      .find((m) => lower(m.address) === lower(net.address(3)))?.voter === true);
    const { index: old } = await leaderOf(net, 1, [0, 1, 2, 3]);
    assert.equal(old, 0, 'node0 leads (it initialised the cluster)');
    await net.stop(0);
    node1Wallet = devWallet(4, net.provider(1));
  });

  after(async () => {
    if (net) {
      await net.destroy({ keep: process.env.GOV_KEEP === '1' });
      nets.delete(net);
    }
  });

  it('a transaction a follower holds reaches a leader added by governance', async () => {
    // node1's file lists only the genesis validators: it gossips to those and to the peers its
    // own Raft dialled, never to node3, which now leads.
    const sent = await node1Wallet.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 7n });
    await waitFor('node3 to lead', async () => (await net.status(3)).isLeader);
    await waitFor('the transaction sent to node1 mined', () => net.provider(1).getTransactionReceipt(sent.hash), { seconds: 30 });
  });

  it('removing a validator while another voter is down keeps the chain going', async () => {
    await waitFor('node3 to lead', async () => (await net.status(3)).isLeader);
    const voters = [0, 1, 2].map((k) => devWallet(k, net.provider(k % 2 ? 2 : 3)));
    await passProposal(assert, voters, [action('removeValidator', [net.address(1)])], 'remove node1');
    // The others refuse node1 at once, while Raft still needs its ack (3 of the 4 voters, node0
    // down) to commit the membership change: nothing commits any more.
    await poke(voters[0], 30);
  });
});
