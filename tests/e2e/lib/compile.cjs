// Compiles contracts/*.sol in-process with solc-js (no compiler download) and caches the output
// on disk, keyed by the sources and the compiler version, so each test file does not recompile.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const solc = require('solc');

const CONTRACTS_DIR = path.join(__dirname, '..', 'contracts');
const OZ_ROOT = path.dirname(require.resolve('@openzeppelin/contracts/package.json'));
// Cancun is the newest fork both anvil's and Cloister's dev chains are guaranteed to run.
const EVM_VERSION = 'cancun';

function readSources() {
  const sources = {};
  for (const name of fs.readdirSync(CONTRACTS_DIR).sort()) {
    if (name.endsWith('.sol')) {
      sources[name] = { content: fs.readFileSync(path.join(CONTRACTS_DIR, name), 'utf8') };
    }
  }
  return sources;
}

/** Resolves `@openzeppelin/contracts/...` imports from the installed package. */
function findImports(importPath) {
  const prefix = '@openzeppelin/contracts/';
  if (!importPath.startsWith(prefix)) return { error: `import not found: ${importPath}` };
  const file = path.join(OZ_ROOT, importPath.slice(prefix.length));
  try {
    return { contents: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    return { error: `${importPath}: ${err.message}` };
  }
}

function compileNow(sources) {
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'storageLayout'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const artifacts = {};
  for (const file of Object.keys(output.contracts)) {
    for (const [name, contract] of Object.entries(output.contracts[file])) {
      artifacts[name] = {
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
        storageLayout: contract.storageLayout,
      };
    }
  }
  return artifacts;
}

/** { E2EToken, Probe, ... } each as { abi, bytecode, storageLayout }. */
function artifacts() {
  const sources = readSources();
  const digest = crypto
    .createHash('sha256')
    .update(solc.version())
    .update(EVM_VERSION)
    .update(JSON.stringify(sources))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = process.env.E2E_BUILD_DIR || path.join(os.tmpdir(), 'cloister-e2e-build');
  const cacheFile = path.join(cacheDir, `artifacts-${digest}.json`);
  if (fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  const built = compileNow(sources);
  fs.mkdirSync(cacheDir, { recursive: true });
  // Write then rename, so a concurrently running file never reads half a cache.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(built));
  fs.renameSync(partial, cacheFile);
  return built;
}

module.exports = { artifacts, EVM_VERSION };

// As a command: `node lib/compile.cjs OUT.json` writes the artifacts (the Python suite reads them).
if (require.main === module) {
  const out = process.argv[2];
  const json = JSON.stringify(artifacts());
  if (out) fs.writeFileSync(out, json);
  else process.stdout.write(json);
}
