// web3.js (v4) against the node: blocks, a locally signed value transfer and its receipt, a
// contract deployed and called through web3.eth.Contract, and its logs (getPastLogs and
// getPastEvents).
'use strict';

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Web3 } = require('web3');
const { RPC_URL, key, unlessHidden } = require('./lib/env.cjs');
const { artifacts } = require('./lib/compile.cjs');

const KEY_INDEX = 6;
const SUPPLY = 10n ** 21n;
const TRANSFER_TOPIC = Web3.utils.keccak256('Transfer(address,address,uint256)');
const T = { timeout: 60_000 };

describe('web3.js', () => {
  let web3;
  let account;
  let token; // web3.eth.Contract at the deployed E2EToken
  let transfer; // { hash, blockNumber, to, amount } of the token transfer

  before(async () => {
    web3 = new Web3(RPC_URL);
    // Receipts polled every 100 ms; resolve on the receipt (one confirmation) as with ethers.
    web3.setConfig({
      transactionPollingInterval: 100,
      transactionReceiptPollingInterval: 100,
      transactionConfirmationBlocks: 1,
      transactionBlockTimeout: 50,
      defaultTransactionType: '0x2',
    });
    account = web3.eth.accounts.privateKeyToAccount(key(KEY_INDEX));
    web3.eth.accounts.wallet.add(account);
  }, { timeout: 120_000 });

  after(async () => {
    web3?.eth.accounts.wallet.clear();
  }, { timeout: 30_000 });

  test('getChainId, getBlockNumber and getBlock (latest, by number, with transactions)', T, async () => {
    const chainId = await web3.eth.getChainId();
    assert.equal(typeof chainId, 'bigint');
    assert.ok(chainId > 0n);
    const number = await web3.eth.getBlockNumber();
    const latest = await web3.eth.getBlock('latest');
    assert.ok(latest.number >= number, `latest ${latest.number} < blockNumber ${number}`);
    assert.match(latest.hash, /^0x[0-9a-f]{64}$/);
    assert.equal(typeof latest.baseFeePerGas, 'bigint');
    const byNumber = await web3.eth.getBlock(latest.number);
    assert.equal(byNumber.hash, latest.hash);
    const byHash = await web3.eth.getBlock(latest.hash, true);
    assert.equal(byHash.number, latest.number);
    assert.equal(byHash.transactions.length, latest.transactions.length);
    if (latest.number > 0n) {
      const parent = await web3.eth.getBlock(latest.number - 1n);
      assert.equal(parent.hash, latest.parentHash);
    }
  });

  test('a locally signed value transfer, its receipt and its transaction', T, async () => {
    const to = web3.eth.accounts.create().address;
    const before = await web3.eth.getBalance(account.address);
    const receipt = await web3.eth.sendTransaction({ from: account.address, to, value: 4321n, gas: 21_000n });
    assert.equal(receipt.status, 1n);
    assert.equal(receipt.from.toLowerCase(), account.address.toLowerCase());
    assert.equal(receipt.to.toLowerCase(), to.toLowerCase());
    assert.equal(receipt.gasUsed, 21_000n);
    assert.equal(receipt.type, 2n);
    const fetched = await web3.eth.getTransactionReceipt(receipt.transactionHash);
    assert.equal(fetched.blockHash, receipt.blockHash);
    const tx = await web3.eth.getTransaction(receipt.transactionHash);
    assert.equal(tx.value, 4321n);
    assert.equal(tx.blockNumber, receipt.blockNumber);
    const block = await web3.eth.getBlock(receipt.blockNumber, true);
    assert.ok(
      block.transactions.some((t) => t.hash === receipt.transactionHash),
      'the transfer is listed in its block',
    );
    const after = await web3.eth.getBalance(account.address);
    assert.equal(before - after, 4321n + receipt.gasUsed * receipt.effectiveGasPrice);
    // The recipient is another account: its balance reads 0 on a confidential chain.
    assert.equal(await web3.eth.getBalance(to), unlessHidden(4321n, 0n));
  });

  test('deploys a contract and calls it (web3.eth.Contract deploy, send, call)', T, async () => {
    const { abi, bytecode } = artifacts().E2EToken;
    const deployed = await new web3.eth.Contract(abi)
      .deploy({ data: bytecode, arguments: [SUPPLY] })
      .send({ from: account.address });
    token = deployed;
    assert.ok(deployed.options.address, 'no contract address');
    const code = await web3.eth.getCode(deployed.options.address);
    assert.ok(code.length > 2, 'deployed code is empty');
    assert.equal(await token.methods.symbol().call(), 'E2E');
    assert.equal(await token.methods.balanceOf(account.address).call(), SUPPLY);

    const to = web3.eth.accounts.create().address;
    const amount = 777n;
    const receipt = await token.methods.transfer(to, amount).send({ from: account.address });
    assert.equal(receipt.status, 1n);
    assert.ok(receipt.events?.Transfer, 'the receipt decodes the Transfer event');
    assert.equal(receipt.events.Transfer.returnValues.value, amount);
    transfer = { hash: receipt.transactionHash, blockNumber: receipt.blockNumber, to, amount };
    assert.equal(await token.methods.balanceOf(to).call(), amount);
    assert.equal(await token.methods.balanceOf(account.address).call(), SUPPLY - amount);
  });

  test('logs of the transfer (getPastLogs, getPastEvents)', T, async () => {
    assert.ok(transfer, 'no transfer to look for');
    const address = token.options.address;
    const toTopic = web3.eth.abi.encodeParameter('address', transfer.to);
    const logs = await web3.eth.getPastLogs({
      address,
      fromBlock: transfer.blockNumber,
      toBlock: transfer.blockNumber,
      topics: [TRANSFER_TOPIC, null, toTopic],
    });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, transfer.hash);
    assert.equal(BigInt(logs[0].data), transfer.amount);
    const events = await token.getPastEvents('Transfer', {
      filter: { to: transfer.to },
      fromBlock: 0,
      toBlock: 'latest',
    });
    assert.equal(events.length, 1);
    assert.equal(events[0].transactionHash, transfer.hash);
    assert.equal(events[0].returnValues.value, transfer.amount);
    assert.equal(events[0].returnValues.from.toLowerCase(), account.address.toLowerCase());
  });
});
