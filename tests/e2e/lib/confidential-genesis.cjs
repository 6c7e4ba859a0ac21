// Writes the genesis of the e2e confidential target: genesis/dev.json with another chain id, a
// validator of its own (not a dev account, so no caller earns the fees), no simulated TEE, and
// the consortium policy: mode confidential, transactions seen by their parties, balances and
// nonces by their owner. The ten dev accounts stay funded.
//
//   node tests/e2e/lib/confidential-genesis.cjs DEV_GENESIS VALIDATOR_KEY OUT.json
'use strict';

const fs = require('node:fs');
const ethers = require('ethers');

/** The chain id of the confidential target (the dev chain is 7557). */
const CHAIN_ID = 75_570;

function confidentialGenesis(devGenesis, validatorKey) {
  const genesis = JSON.parse(JSON.stringify(devGenesis));
  genesis.config.chainId = CHAIN_ID;
  const validator = new ethers.Wallet(validatorKey).address;
  genesis.cloister = {
    validators: [validator.toLowerCase()],
    policy: {
      version: 1,
      mode: 'confidential',
      defaultVisibility: 'parties',
      accounts: 'owner',
    },
  };
  return genesis;
}

module.exports = { confidentialGenesis, CHAIN_ID };

if (require.main === module) {
  const [devPath, validatorKey, out] = process.argv.slice(2);
  if (!devPath || !validatorKey || !out) {
    console.error('usage: node confidential-genesis.cjs DEV_GENESIS VALIDATOR_KEY OUT.json');
    process.exit(2);
  }
  const genesis = confidentialGenesis(JSON.parse(fs.readFileSync(devPath, 'utf8')), validatorKey);
  fs.writeFileSync(out, `${JSON.stringify(genesis, null, 2)}\n`);
}
