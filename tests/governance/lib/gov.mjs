// Proposals and votes on the governance contract with ethers Wallets, and the reads the tests
// assert on: eth_call of its views and eth_getLogs decoded with OpenZeppelin Governor's ABI.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ethers } from 'ethers';
import { waitFor } from './devnet.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const require = createRequire(import.meta.url);

export const GOVERNANCE = '0x000000000000000000000000000000000000C0C0';
export const MNEMONIC = 'test test test test test test test test test test test junk';

/** The contract's own ABI (the compiled artifact in the repository). */
export const govInterface = new ethers.Interface(
  JSON.parse(fs.readFileSync(path.join(repo, 'crates/governance/artifacts/Governance.json'), 'utf8')).abi,
);
/** OpenZeppelin Governor's ABI: the events a Governor-aware tool decodes. */
export const ozGovernor = new ethers.Interface(
  require('@openzeppelin/contracts/build/contracts/Governor.json').abi,
);

/** Dev account `i` of the test mnemonic (accounts 0, 1 and 2 are the members). */
export function devWallet(i, provider) {
  return ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider);
}

/** One encoded action (`addValidator`, [address]) for a proposal. */
export const action = (name, args) => govInterface.encodeFunctionData(name, args);

/** Waits (bounded) for the receipt of `hash` on `provider`. */
export async function receiptOf(provider, hash, seconds = 60) {
  return waitFor(`the receipt of ${hash}`, () => provider.getTransactionReceipt(hash), { seconds, every: 200 });
}

/** Sends `tx` from `wallet` and waits for a successful receipt. */
export async function sendAndWait(wallet, tx, seconds = 60) {
  const sent = await wallet.sendTransaction(tx);
  const receipt = await receiptOf(wallet.provider, sent.hash, seconds);
  if (receipt.status !== 1) throw new Error(`transaction ${sent.hash} reverted`);
  return receipt;
}

/** A plain value transfer from `wallet` (makes the chain seal a block). */
export const poke = (wallet, seconds = 60) =>
  sendAndWait(wallet, { to: ethers.Wallet.createRandom().address, value: 1n }, seconds);

/** Proposes `actions` from `wallet`; returns the proposal id and the receipt. */
export async function propose(wallet, actions, description) {
  const data = govInterface.encodeFunctionData('propose', [actions, description]);
  const receipt = await sendAndWait(wallet, { to: GOVERNANCE, data });
  const created = receipt.logs
    .map((log) => ozGovernor.parseLog(log))
    .find((parsed) => parsed?.name === 'ProposalCreated');
  if (!created) throw new Error('propose: no ProposalCreated event');
  return { id: created.args.proposalId, receipt };
}

/** Votes for proposal `id` from `wallet`; returns the receipt. */
export async function voteFor(wallet, id) {
  const data = govInterface.encodeFunctionData('castVote', [id, 1]);
  return sendAndWait(wallet, { to: GOVERNANCE, data });
}

/** `eth_call` of view `name` on `provider`, decoded. */
export async function view(provider, name, args = [], blockTag = 'latest') {
  const data = govInterface.encodeFunctionData(name, args);
  const out = await provider.call({ to: GOVERNANCE, data, blockTag });
  return govInterface.decodeFunctionResult(name, out);
}

/**
 * The contract's logs in blocks `from..to` (eth_getLogs), decoded with OpenZeppelin
 * Governor's ABI (events it does not know are left out).
 */
export async function governorEvents(provider, fromBlock, toBlock) {
  const logs = await provider.getLogs({ address: GOVERNANCE, fromBlock, toBlock });
  return logs
    .map((log) => ({ log, parsed: ozGovernor.parseLog(log) }))
    .filter((e) => e.parsed !== null);
}

/**
 * Proposes `actions` from voters[0] and votes for from every voter (each a Wallet, possibly on
 * different nodes) until the proposal is executed; checks the Governor events of the run and
 * the state view. Returns { id, executed: the deciding vote's receipt, first: block of the
 * proposal }.
 */
export async function passProposal(assert, voters, actions, description) {
  const { id, receipt: proposed } = await propose(voters[0], actions, description);
  let executed = null;
  for (const voter of voters) {
    const receipt = await voteFor(voter, id);
    const names = receipt.logs.map((log) => ozGovernor.parseLog(log)?.name).filter(Boolean);
    if (names.includes('ProposalExecuted')) {
      executed = receipt;
      break;
    }
  }
  assert.ok(executed, `proposal ${id} (${description}) was not executed by ${voters.length} votes`);
  const provider = voters[0].provider;
  // The views, by eth_call.
  const [state] = await view(provider, 'state', [id]);
  assert.equal(Number(state), 7, 'state(id) is Executed');
  // The logs, by eth_getLogs, decoded with OpenZeppelin Governor's ABI.
  const events = await governorEvents(provider, proposed.blockNumber, executed.blockNumber);
  const mine = events.filter((e) => e.parsed.args.proposalId === id);
  const created = mine.filter((e) => e.parsed.name === 'ProposalCreated');
  assert.equal(created.length, 1, 'one ProposalCreated');
  assert.equal(created[0].parsed.args.proposer, await voters[0].getAddress());
  assert.deepEqual([...created[0].parsed.args.calldatas], actions);
  assert.deepEqual([...created[0].parsed.args.targets], actions.map(() => GOVERNANCE));
  assert.equal(created[0].parsed.args.description, description);
  const votes = mine.filter((e) => e.parsed.name === 'VoteCast');
  const votersWhoVoted = [];
  for (const v of voters) {
    votersWhoVoted.push(await v.getAddress());
    if (votersWhoVoted.length === votes.length) break;
  }
  assert.deepEqual(votes.map((e) => e.parsed.args.voter), votersWhoVoted, 'VoteCast voters in order');
  for (const v of votes) {
    assert.equal(Number(v.parsed.args.support), 1, 'VoteCast support is For');
    assert.equal(v.parsed.args.weight, 1n);
  }
  const exec = mine.filter((e) => e.parsed.name === 'ProposalExecuted');
  assert.equal(exec.length, 1, 'one ProposalExecuted');
  assert.equal(exec[0].log.transactionHash, executed.hash);
  return { id, executed, proposed };
}
