// Writes crates/governance/artifacts/Governance.json from a fresh compilation.
// Usage: npm ci --prefix contracts/governance && node contracts/governance/compile.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ARTIFACT_PATH, buildArtifact } from './artifact.mjs';

const text = buildArtifact();
mkdirSync(dirname(ARTIFACT_PATH), { recursive: true });
writeFileSync(ARTIFACT_PATH, text);
process.stdout.write(`wrote ${ARTIFACT_PATH}\n`);
