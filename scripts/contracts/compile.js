// Compiles BenchToken.sol with solc-js and prints the creation bytecode as hex (no 0x).
// Usage: node compile.js <path-to-BenchToken.sol>   (run with NODE_PATH pointing at solc-js)
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const file = process.argv[2];
const input = {
  language: 'Solidity',
  sources: { 'BenchToken.sol': { content: fs.readFileSync(file, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'paris',
    metadata: { bytecodeHash: 'none' },
    outputSelection: { '*': { BenchToken: ['evm.bytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
process.stderr.write(`solc ${solc.version()} (${path.basename(file)})\n`);
process.stdout.write(output.contracts['BenchToken.sol'].BenchToken.evm.bytecode.object + '\n');
