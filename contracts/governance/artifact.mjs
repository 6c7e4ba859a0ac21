// Compiles Governance.sol with the pinned solc-js into the artifact the node embeds
// (crates/governance/artifacts/Governance.json). Shared by compile.mjs and check.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));

export const ARTIFACT_PATH = join(here, '..', '..', 'crates', 'governance', 'artifacts', 'Governance.json');

// Metadata hash and CBOR trailer off: the bytecode depends on the source and these settings only.
export const SETTINGS = {
  evmVersion: 'prague',
  viaIR: false,
  optimizer: { enabled: true, runs: 200 },
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { 'Governance.sol': { Governance: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

/** The artifact's text (JSON, 2-space indented, trailing newline). Throws on compile errors. */
export function buildArtifact() {
  const source = readFileSync(join(here, 'Governance.sol'), 'utf8');
  const input = { language: 'Solidity', sources: { 'Governance.sol': { content: source } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  for (const w of output.errors ?? []) {
    process.stderr.write(w.formattedMessage + '\n');
  }
  const contract = output.contracts['Governance.sol'].Governance;
  const { outputSelection: _unused, ...settings } = SETTINGS;
  const artifact = {
    solcVersion: solc.version(),
    settings,
    abi: contract.abi,
    bytecode: '0x' + contract.evm.bytecode.object,
    deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
  };
  return JSON.stringify(artifact, null, 2) + '\n';
}
