// Deploys the suite's contracts with ethers' ContractFactory and waits until they are mined.
'use strict';

const ethers = require('ethers');
const { artifacts } = require('./compile.cjs');

/** Deploys artifact `name` from `wallet` with constructor `args`; returns the attached Contract. */
async function deploy(wallet, name, args) {
  const artifact = artifacts()[name];
  const factory = new ethers.ContractFactory(artifact.abi, artifact.bytecode, wallet);
  const contract = await factory.deploy(...args);
  const receipt = await contract.deploymentTransaction().wait(1, 60_000);
  if (receipt.status !== 1) throw new Error(`deploying ${name} failed: status ${receipt.status}`);
  return { contract, receipt, address: await contract.getAddress(), abi: artifact.abi };
}

module.exports = { deploy, artifacts };
