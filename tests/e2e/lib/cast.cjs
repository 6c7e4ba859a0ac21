// Runs Foundry's `cast` (shipped inside the @foundry-rs/cast-linux-amd64 npm package) with a
// time limit, against the node under test.
'use strict';

const { execFile } = require('node:child_process');
const path = require('node:path');
const { RPC_URL } = require('./env.cjs');

const CAST_BIN =
  process.env.CAST_BIN ||
  path.join(path.dirname(require.resolve('@foundry-rs/cast-linux-amd64/package.json')), 'bin', 'cast');

/** Runs `cast <args...> --rpc-url RPC_URL`; resolves { stdout, stderr }, rejects with both. */
function cast(args, { timeoutMs = 60_000 } = {}) {
  const fullArgs = [...args, '--rpc-url', RPC_URL];
  return new Promise((resolve, reject) => {
    execFile(
      CAST_BIN,
      fullArgs,
      {
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, FOUNDRY_DISABLE_NIGHTLY_WARNING: '1', NO_COLOR: '1' },
      },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `killed after ${timeoutMs} ms` : `exit ${err.code}`;
          reject(new Error(`cast ${args.join(' ')}: ${why}\n${stderr.trim()}\n${stdout.trim()}`.trim()));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** Runs cast with `--json` and parses its output. */
async function castJson(args, options) {
  const { stdout } = await cast([...args, '--json'], options);
  return JSON.parse(stdout);
}

module.exports = { cast, castJson, CAST_BIN };
