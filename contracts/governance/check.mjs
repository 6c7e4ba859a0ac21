// Fails (exit 1) unless the committed artifact equals a fresh compilation byte for byte:
// the contract predeployed in genesis is the one Governance.sol compiles to.
// Usage: npm ci --prefix contracts/governance && node contracts/governance/check.mjs
import { existsSync, readFileSync } from 'node:fs';
import { ARTIFACT_PATH, buildArtifact } from './artifact.mjs';

const fresh = buildArtifact();
const committed = existsSync(ARTIFACT_PATH) ? readFileSync(ARTIFACT_PATH, 'utf8') : '';
if (fresh !== committed) {
  process.stderr.write(
    `${ARTIFACT_PATH} differs from a fresh compilation of Governance.sol; ` +
      'run `node contracts/governance/compile.mjs` and commit the result\n',
  );
  process.exit(1);
}
process.stdout.write('governance artifact matches a fresh compilation\n');
